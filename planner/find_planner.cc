// Relational reads (FindMany / FindFirst): a request with nested `with` becomes one select whose
// related rows are JSON columns (plan::Nested, correlated subqueries the dialect renders).
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
#include "planner/identifiers.h"
#include "planner/plan_recording.h"
#include "planner/planner.h"
#include "planner/related_rows.h"
#include "planner/table_lookup.h"
#include "planner/value_check.h"
#include "schema/relations.h"

namespace sluice {
namespace {

plan::Expr ColumnExpr(const std::string& table, const std::string& name) {
  plan::Expr e;
  e.mutable_column()->set_table(table);
  e.mutable_column()->set_name(name);
  return e;
}

class FindPlanner {
 public:
  // Relations nest at most this deep (each level is a correlated subquery of the one above).
  static constexpr size_t kMaxRelationDepth = 16;

  FindPlanner(const SchemaIndex& schema, std::vector<v1::Value>* params) : schema_(schema), params_(params) {}

  // One level: `request` over `table` (named `alias` in the statement) into `select`; the
  // aliases of the enclosing levels in `taken`.
  absl::Status Level(const TableInfo& table, const v1::Find& request, const std::string& path, const std::string& alias,
                     std::vector<std::string> taken, plan::Select* select, FindShape* shape,
                     std::vector<plan::Expr>* conditions) {
    *select->mutable_from() = TableRefOf(*table.table);
    if (alias != table.table->name()) select->mutable_from()->set_alias(alias);
    taken.push_back(alias);
    ExpressionPlanner planner(schema_, table, params_);
    planner.SetScope({{alias, &table}});
    planner.AllowRelated(taken);
    std::set<std::string> keys;  // result keys, each once

    // Columns: those listed, else all but the excluded, in table order.
    if (!request.columns().empty() && !request.exclude_columns().empty()) {
      return InvalidField(path + "exclude_columns", "give columns or exclude_columns, not both");
    }
    SLUICE_ASSIGN_OR_RETURN(auto listed, LookupColumns(schema_, table, request.columns(), path + "columns"));
    SLUICE_ASSIGN_OR_RETURN(auto excluded,
                            LookupColumns(schema_, table, request.exclude_columns(), path + "exclude_columns"));
    if (request.columns().empty()) {
      for (const v1::Column& c : table.table->columns()) {
        if (std::find(excluded.begin(), excluded.end(), &c) == excluded.end()) listed.push_back(&c);
      }
    }
    for (const v1::Column* column : listed) {
      if (!keys.insert(column->name()).second) {
        return InvalidField(path + "columns", absl::StrCat("column `", column->name(), "` is listed twice"));
      }
      Value(select, shape, column->name(), ColumnExpr(alias, column->name()), *column);
    }
    for (int i = 0; i < request.extras_size(); ++i) {
      const v1::SelectColumn& extra = request.extras(i);
      const std::string epath = absl::StrCat(path, "extras[", i, "]");
      if (extra.alias().empty())
        return InvalidField(epath + ".alias", "an extra needs an alias: its key in the results");
      SLUICE_RETURN_IF_ERROR(CheckIdentifier(extra.alias(), epath + ".alias"));
      if (!keys.insert(extra.alias()).second) {
        return InvalidField(epath + ".alias", absl::StrCat("`", extra.alias(), "` is already a key of these results"));
      }
      SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Typed(extra.expression(), epath + ".expression", false));
      Value(select, shape, extra.alias(), std::move(typed.expr), typed.type);
    }

    // Relations, in the order the schema declares them.
    for (const auto& [name, nested] : request.with()) {
      if (taken.size() >= kMaxRelationDepth) {  // `taken`: this level and those around it
        return InvalidField(absl::StrCat(path, "with[\"", name, "\"]"),
                            absl::StrCat("relations (`with`) nest at most ", kMaxRelationDepth, " levels"));
      }
      if (FindRelation(schema_, table.table->name(), name) == nullptr) {
        return InvalidField(absl::StrCat(path, "with[\"", name, "\"]"),
                            absl::StrCat("table `", table.table->name(), "` has no relation `", name, "`"));
      }
    }
    const v1::Schema& s = schema_.schema();
    for (int r = 0; r < s.relations_size(); ++r) {
      const v1::Relation& relation = s.relations(r);
      if (relation.table() != table.table->name()) continue;
      auto it = request.with().find(relation.name());
      if (it == request.with().end()) continue;
      const std::string rpath = absl::StrCat(path, "with[\"", relation.name(), "\"].");
      if (!keys.insert(relation.name()).second) {
        return InvalidField(rpath.substr(0, rpath.size() - 1),
                            absl::StrCat("`", relation.name(), "` is already a key of these results"));
      }
      SLUICE_RETURN_IF_ERROR(Related(table, alias, taken, relation, absl::StrCat("schema.relations[", r, "]"),
                                     it->second, rpath, select, shape));
    }

    if (request.has_where()) {
      SLUICE_ASSIGN_OR_RETURN(plan::Expr where, planner.Condition(request.where(), path + "where"));
      conditions->push_back(std::move(where));
    }
    for (int i = 0; i < request.order_by_size(); ++i) {
      const v1::OrderBy& order = request.order_by(i);
      SLUICE_ASSIGN_OR_RETURN(
          TypedExpr typed,
          planner.Typed(order.expression(), absl::StrCat(path, "order_by[", i, "].expression"), false));
      plan::OrderItem* item = select->add_order_by();
      *item->mutable_expr() = std::move(typed.expr);
      item->set_descending(order.descending());
      item->set_nulls(static_cast<plan::Nulls>(order.nulls()));
    }
    if (request.has_limit()) {
      SLUICE_ASSIGN_OR_RETURN(const uint32_t limit, planner.BindCount(request, "limit", path + "limit"));
      select->set_limit_param(limit);
    }
    if (request.has_offset()) {
      SLUICE_ASSIGN_OR_RETURN(const uint32_t offset, planner.BindCount(request, "offset", path + "offset"));
      select->set_offset_param(offset);
    }
    return absl::OkStatus();
  }

 private:
  void Value(plan::Select* select, FindShape* shape, const std::string& key, plan::Expr expr, const v1::Column& type) {
    plan::SelectItem* item = select->add_items();
    *item->mutable_expr() = std::move(expr);
    item->set_alias(key);
    *item->mutable_type() = PlanType(type, schema_);
    FindShape::Field field;
    field.name = key;
    field.type = type;
    shape->fields.push_back(std::move(field));
  }

  // The rows of `relation` for each row of `parent` (named `parent_alias`), as one JSON item.
  absl::Status Related(const TableInfo& parent, const std::string& parent_alias, const std::vector<std::string>& taken,
                       const v1::Relation& relation, const std::string& relation_path, const v1::Find& request,
                       const std::string& path, plan::Select* select, FindShape* shape) {
    if (!request.table().empty()) {
      return InvalidField(path + "table", "a nested level takes its table from the relation");
    }
    SLUICE_ASSIGN_OR_RETURN(ResolvedRelation resolved, ResolveRelation(schema_, relation, relation_path));
    if (resolved.one && (!request.order_by().empty() || request.has_limit() || request.has_offset())) {
      return InvalidField(path + (!request.order_by().empty() ? "order_by"
                                  : request.has_limit()       ? "limit"
                                                              : "offset"),
                          absl::StrCat("`", relation.name(), "` is a one relation: a single row (or none)"));
    }
    plan::SelectItem* item = select->add_items();
    item->set_alias(relation.name());
    item->mutable_type()->set_kind(plan::JSON);
    plan::Nested* nested = item->mutable_expr()->mutable_nested();
    nested->set_one(resolved.one);
    auto child = std::make_shared<FindShape>();
    const std::string alias = UnusedAlias(resolved.target->table->name(), taken);
    plan::Select* rows = nested->mutable_select();
    // The related rows of this parent row: correlated on the relation's columns.
    std::vector<plan::Expr> conditions = CorrelateRelated(resolved, alias, parent_alias, taken, rows);
    SLUICE_RETURN_IF_ERROR(Level(*resolved.target, request, path, alias, taken, rows, child.get(), &conditions));
    *rows->mutable_where() = ExpressionPlanner::Call(plan::AND, std::move(conditions));
    FindShape::Field field;
    field.name = relation.name();
    field.kind = resolved.one ? FindShape::Field::kOne : FindShape::Field::kMany;
    field.type.set_type(v1::JSON);
    field.nested = std::move(child);
    shape->fields.push_back(std::move(field));
    return absl::OkStatus();
  }

  const SchemaIndex& schema_;
  std::vector<v1::Value>* params_;
};

}  // namespace

absl::StatusOr<PlannedFind> PlanFind(const SchemaIndex& schema, const v1::Find& request, bool first,
                                     const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, request.table(), path + "table"));
  if (first && (request.has_limit())) return InvalidField(path + "limit", "FindFirst reads one row: no limit");
  PlannedFind out;
  auto shape = std::make_shared<FindShape>();
  plan::Select* select = out.statement.plan.mutable_select();
  std::vector<plan::Expr> conditions;
  FindPlanner planner(schema, &out.statement.params);
  SLUICE_RETURN_IF_ERROR(
      planner.Level(*table, request, path, table->table->name(), {}, select, shape.get(), &conditions));
  if (!conditions.empty()) *select->mutable_where() = ExpressionPlanner::Call(plan::AND, std::move(conditions));
  if (first) {
    v1::Value one;
    one.set_int_value(1);
    const auto param = static_cast<uint32_t>(out.statement.params.size());
    select->set_limit_param(param);
    out.statement.params.push_back(one);
    if (PlanRecording* recording = PlanRecording::Current()) recording->Constant(param);
  }
  // The result columns: values as declared, relations as JSON text (decoded with the shape).
  for (const FindShape::Field& field : shape->fields) {
    ResultColumn column;
    column.name = field.name;
    column.table = field.kind == FindShape::Field::kValue ? table->table->name() : "";
    column.column = field.type;
    out.statement.columns.push_back(std::move(column));
  }
  out.shape = std::move(shape);
  return out;
}

}  // namespace sluice
