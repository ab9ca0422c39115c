#include "planner/select_planner.h"

#include <algorithm>
#include <deque>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
#include "planner/identifiers.h"
#include "planner/table_lookup.h"

namespace sluice {
namespace {

// A table of the schema, or a WITH table in `common_tables`.
absl::StatusOr<const TableInfo*> LookupReadable(const SchemaIndex& schema,
                                                const std::vector<const TableInfo*>& common_tables,
                                                const std::string& name, const std::string& path) {
  for (const TableInfo* t : common_tables) {
    if (t->table->name() == name) return t;
  }
  return LookupTable(schema, name, path);
}

// Plans the WITH tables of `select` into `p`, adding each to `visible` (storage in `own`).
absl::Status PlanCommonTables(const SchemaIndex& schema, const v1::Select& select, const std::string& path,
                              const SelectContext& context, plan::Select* p, std::deque<DerivedTable>& own,
                              std::vector<const TableInfo*>& visible) {
  for (int i = 0; i < select.with_size(); ++i) {
    const v1::CommonTable& cte = select.with(i);
    const std::string cpath = absl::StrCat(path, ".with[", i, "]");
    SLUICE_RETURN_IF_ERROR(CheckIdentifier(cte.name(), cpath + ".name"));
    if (schema.FindTable(cte.name()) != nullptr) {
      return InvalidField(cpath + ".name", absl::StrCat("`", cte.name(), "` is a table of schema `",
                                                        schema.schema().name(), "`: name the WITH table otherwise"));
    }
    for (const TableInfo* t : visible) {
      if (t->table->name() == cte.name()) {
        return InvalidField(cpath + ".name", absl::StrCat("a WITH table named `", cte.name(), "` exists already"));
      }
    }
    plan::CommonTable* planned = p->add_with();
    planned->set_name(cte.name());
    SelectContext inner = context;
    inner.common_tables = visible;
    std::vector<ResultColumn> columns;
    SLUICE_RETURN_IF_ERROR(
        PlanSelectInto(schema, cte.select(), cpath + ".select", inner, planned->mutable_select(), columns));
    DerivedTable& table = own.emplace_back();
    SLUICE_RETURN_IF_ERROR(DeriveTable(cte.name(), columns, cpath + ".select.columns", table));
    visible.push_back(&table.info);
  }
  return absl::OkStatus();
}

// A select of expressions alone (`SELECT 1`): it reads no table.
const TableInfo& NoTable() {
  static const auto* none = [] {
    static const v1::Table table;
    auto* info = new TableInfo;
    info->table = &table;
    return info;
  }();
  return *none;
}

}  // namespace

absl::Status DeriveTable(const std::string& name, const std::vector<ResultColumn>& columns, const std::string& path,
                         DerivedTable& out) {
  out.table.set_name(name);
  std::set<std::string> names;
  for (const ResultColumn& rc : columns) {
    if (!names.insert(rc.name).second) {
      return InvalidField(path, absl::StrCat("two result columns are named `", rc.name, "`: give one an alias"));
    }
    v1::Column* column = out.table.add_columns();
    column->set_name(rc.name);
    column->set_type(rc.column.type());
    column->set_length(rc.column.length());
    column->set_precision(rc.column.precision());
    column->set_scale(rc.column.scale());
    column->set_enum_name(rc.column.enum_name());
    column->set_array(rc.column.array());
    column->set_unsigned_(rc.column.unsigned_());
    column->set_not_null(rc.column.not_null());
  }
  out.info.table = &out.table;
  for (const v1::Column& c : out.table.columns()) out.info.columns[c.name()] = &c;
  return absl::OkStatus();
}

absl::Status PlanJoinSources(const SchemaIndex& schema, const google::protobuf::RepeatedPtrField<v1::Join>& joins,
                             const std::string& path, const SelectContext& context, std::vector<ScopeTable>& scope,
                             std::deque<DerivedTable>& derived, google::protobuf::RepeatedPtrField<plan::Join>* out) {
  for (int i = 0; i < joins.size(); ++i) {
    const v1::Join& join = joins[i];
    const std::string jpath = absl::StrCat(path, "[", i, "]");
    if (join.type() == v1::Join::JOIN_TYPE_UNSPECIFIED) return InvalidField(jpath + ".type", "a join type is required");
    if (!join.alias().empty()) SLUICE_RETURN_IF_ERROR(CheckIdentifier(join.alias(), jpath + ".alias"));
    plan::Join* planned = out->Add();
    planned->set_type(static_cast<plan::JoinType>(join.type()));
    const TableInfo* joined = nullptr;
    if (join.has_subquery()) {
      if (!join.table().empty()) return InvalidField(jpath + ".table", "give table or subquery, not both");
      if (join.alias().empty()) {
        return InvalidField(jpath + ".alias", "a subquery needs an alias: the name its columns go by");
      }
      // A lateral subquery may name the sources before it; another only the enclosing statement.
      ExpressionPlanner before(schema, *scope.front().table, context.params, context.placeholders);
      before.SetScope(scope);
      before.SetEnclosing(context.outer, context.common_tables);
      SelectContext inner = context;
      if (join.lateral()) inner.outer = &before;
      std::vector<ResultColumn> columns;
      SLUICE_RETURN_IF_ERROR(
          PlanSelectInto(schema, join.subquery(), jpath + ".subquery", inner, planned->mutable_subquery(), columns));
      DerivedTable& table = derived.emplace_back();
      SLUICE_RETURN_IF_ERROR(DeriveTable(join.alias(), columns, jpath + ".subquery.columns", table));
      joined = &table.info;
      planned->set_lateral(join.lateral());
      planned->mutable_table()->set_alias(join.alias());
    } else {
      if (join.lateral()) return InvalidField(jpath + ".lateral", "lateral applies to a subquery");
      SLUICE_ASSIGN_OR_RETURN(joined, LookupReadable(schema, context.common_tables, join.table(), jpath + ".table"));
      *planned->mutable_table() = TableRefOf(*joined->table);
      planned->mutable_table()->set_alias(join.alias());
    }
    const std::string name = join.alias().empty() ? joined->table->name() : join.alias();
    for (const ScopeTable& t : scope) {
      if (t.name == name) {
        return InvalidField(jpath + ".alias",
                            absl::StrCat("`", name, "` names two tables of this statement: give one an alias"));
      }
    }
    scope.push_back({name, joined});
  }
  return absl::OkStatus();
}

absl::Status PlanJoinConditions(ExpressionPlanner& planner, const google::protobuf::RepeatedPtrField<v1::Join>& joins,
                                const std::string& path, google::protobuf::RepeatedPtrField<plan::Join>* out) {
  for (int i = 0; i < joins.size(); ++i) {
    const v1::Join& join = joins[i];
    const std::string jpath = absl::StrCat(path, "[", i, "]");
    plan::Join& planned = (*out)[i];
    if (join.type() == v1::Join::CROSS) {
      if (join.has_on()) return InvalidField(jpath + ".on", "a cross join has no condition");
      continue;
    }
    if (!join.has_on()) {  // every pair of rows, as Drizzle's join without a condition: ON TRUE
      planned.mutable_on()->mutable_literal()->set_kind(plan::LITERAL_BOOL);
      planned.mutable_on()->mutable_literal()->set_int_value(1);
    } else {
      SLUICE_ASSIGN_OR_RETURN(*planned.mutable_on(), planner.Condition(join.on(), jpath + ".on"));
    }
  }
  return absl::OkStatus();
}

absl::Status PlanSelectInto(const SchemaIndex& schema, const v1::Select& select, const std::string& path,
                            const SelectContext& context, plan::Select* p, std::vector<ResultColumn>& columns) {
  std::deque<DerivedTable> own_tables;  // WITH and derived tables, read while this select is planned
  std::vector<const TableInfo*> visible = context.common_tables;
  SLUICE_RETURN_IF_ERROR(PlanCommonTables(schema, select, path, context, p, own_tables, visible));
  const bool no_table = select.table().empty() && select.joins().empty();
  if (no_table) {
    const char* refused = select.has_where()              ? "where"
                          : !select.group_by().empty()    ? "group_by"
                          : select.has_having()           ? "having"
                          : !select.distinct_on().empty() ? "distinct_on"
                          : select.columns().empty()      ? "columns"
                          : !select.alias().empty()       ? "alias"
                                                          : nullptr;
    if (refused != nullptr) {
      return InvalidField(path + ".table",
                          absl::StrCat("a table is required: a select without one takes columns (expressions) and no ",
                                       refused == std::string("columns") ? "other clauses" : refused));
    }
  }
  const TableInfo* table = &NoTable();
  if (!no_table) {
    SLUICE_ASSIGN_OR_RETURN(table, LookupReadable(schema, visible, select.table(), path + ".table"));
  }
  ExpressionPlanner planner(schema, *table, context.params, context.placeholders);
  planner.SetEnclosing(context.outer, visible);
  if (!no_table) {
    *p->mutable_from() = TableRefOf(*table->table);
    if (!select.alias().empty()) SLUICE_RETURN_IF_ERROR(CheckIdentifier(select.alias(), path + ".alias"));
    p->mutable_from()->set_alias(select.alias());
  }
  p->set_distinct(select.distinct());

  // The tables the statement reads, by the names they have in it.
  std::vector<ScopeTable> scope{{select.alias().empty() ? table->table->name() : select.alias(), table}};
  SelectContext sources = context;
  sources.common_tables = visible;
  SLUICE_RETURN_IF_ERROR(
      PlanJoinSources(schema, select.joins(), path + ".joins", sources, scope, own_tables, p->mutable_joins()));
  const bool joins = !select.joins().empty();
  if (no_table) {
    planner.SetScope({});
  } else if (joins || !select.alias().empty()) {
    planner.SetScope(scope);  // columns name the alias
  }
  SLUICE_RETURN_IF_ERROR(PlanJoinConditions(planner, select.joins(), path + ".joins", p->mutable_joins()));

  if (select.columns().empty()) {  // every column of every table, in order
    for (const ScopeTable& t : scope) {
      for (const v1::Column& column : t.table->table->columns()) {
        plan::SelectItem* item = p->add_items();
        item->mutable_expr()->mutable_column()->set_name(column.name());
        if (joins) {
          item->mutable_expr()->mutable_column()->set_table(t.name);
          item->set_alias(column.name());
        }
        columns.push_back({column.name(), t.name, column});
      }
    }
  }
  for (int i = 0; i < select.columns_size(); ++i) {
    const v1::SelectColumn& item = select.columns(i);
    const std::string ipath = absl::StrCat(path, ".columns[", i, "]");
    if (!item.alias().empty()) SLUICE_RETURN_IF_ERROR(CheckIdentifier(item.alias(), ipath + ".alias"));
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Item(item.expression(), ipath + ".expression", true));
    plan::SelectItem* planned = p->add_items();
    *planned->mutable_expr() = std::move(typed.expr);
    std::string name = item.alias().empty() ? typed.type.name() : item.alias();
    if (name.empty()) return InvalidField(ipath + ".alias", "a value needs an alias: the name of its result column");
    // Every result column is named explicitly, so each dialect reports the same names.
    planned->set_alias(name);
    columns.push_back({name, typed.table, typed.type});
  }
  for (int i = 0; i < select.distinct_on_size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed,
                            planner.Typed(select.distinct_on(i), absl::StrCat(path, ".distinct_on[", i, "]"), false));
    *p->add_distinct_on() = std::move(typed.expr);
  }
  if (select.has_where()) {
    SLUICE_ASSIGN_OR_RETURN(*p->mutable_where(), planner.Condition(select.where(), path + ".where"));
  }
  for (int i = 0; i < select.group_by_size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed,
                            planner.Typed(select.group_by(i), absl::StrCat(path, ".group_by[", i, "]"), false));
    *p->add_group_by() = std::move(typed.expr);
  }
  if (select.has_having()) {
    SLUICE_ASSIGN_OR_RETURN(*p->mutable_having(), planner.Condition(select.having(), path + ".having", true));
  }
  const bool compound = !select.set_operations().empty();
  for (int i = 0; i < select.order_by_size(); ++i) {
    const v1::OrderBy& order = select.order_by(i);
    const std::string opath = absl::StrCat(path, ".order_by[", i, "].expression");
    plan::OrderItem* item = p->add_order_by();
    if (compound) {
      // A compound select is ordered by its result columns, by name.
      const v1::Expression& e = order.expression();
      const bool named = e.has_column() && e.column().table().empty() &&
                         std::any_of(columns.begin(), columns.end(),
                                     [&](const ResultColumn& c) { return c.name == e.column().name(); });
      if (!named) return InvalidField(opath, "order a select with set operations by the names of its result columns");
      item->mutable_expr()->mutable_column()->set_name(e.column().name());
    } else {
      SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Typed(order.expression(), opath, true));
      *item->mutable_expr() = std::move(typed.expr);
    }
    item->set_descending(order.descending());
    item->set_nulls(static_cast<plan::Nulls>(order.nulls()));
  }
  if (select.has_limit() && !select.limit_param().empty()) {
    return InvalidField(path + ".limit_param", "give limit or limit_param, not both");
  }
  if (select.has_offset() && !select.offset_param().empty()) {
    return InvalidField(path + ".offset_param", "give offset or offset_param, not both");
  }
  if (select.has_limit()) {
    SLUICE_ASSIGN_OR_RETURN(const uint32_t limit, planner.BindCount(select, "limit", path + ".limit"));
    p->set_limit_param(limit);
  } else if (!select.limit_param().empty()) {
    SLUICE_ASSIGN_OR_RETURN(const uint32_t limit,
                            planner.CountPlaceholder(select.limit_param(), path + ".limit_param"));
    p->set_limit_param(limit);
  }
  if (select.has_offset()) {
    SLUICE_ASSIGN_OR_RETURN(const uint32_t offset, planner.BindCount(select, "offset", path + ".offset"));
    p->set_offset_param(offset);
  } else if (!select.offset_param().empty()) {
    SLUICE_ASSIGN_OR_RETURN(const uint32_t offset,
                            planner.CountPlaceholder(select.offset_param(), path + ".offset_param"));
    p->set_offset_param(offset);
  }
  for (int i = 0; i < select.set_operations_size(); ++i) {
    const v1::SetOperation& op = select.set_operations(i);
    const std::string opath = absl::StrCat(path, ".set_operations[", i, "]");
    if (op.operator_() == v1::SetOperation::SET_OPERATOR_UNSPECIFIED)
      return InvalidField(opath + ".operator", "an operator is required");
    const v1::Select& branch = op.select();
    if (!branch.order_by().empty() || branch.has_limit() || branch.has_offset() || !branch.limit_param().empty() ||
        !branch.offset_param().empty() || !branch.set_operations().empty() || !branch.with().empty()) {
      return InvalidField(opath + ".select",
                          "order_by, limit, offset, with and set_operations belong to the first select");
    }
    plan::SetBranch* planned = p->add_set_branches();
    planned->set_op(static_cast<plan::SetOp>(op.operator_()));
    std::vector<ResultColumn> branch_columns;
    SelectContext branch_context = context;
    branch_context.common_tables = visible;
    SLUICE_RETURN_IF_ERROR(
        PlanSelectInto(schema, branch, opath + ".select", branch_context, planned->mutable_select(), branch_columns));
    if (branch_columns.size() != columns.size()) {
      return InvalidField(opath + ".select", absl::StrCat("selects ", branch_columns.size(),
                                                          " columns; the first selects ", columns.size()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PlannedStatement> PlanSelect(const SchemaIndex& schema, const v1::Select& select,
                                            const std::string& path, bool allow_placeholders) {
  PlannedStatement out;
  SelectContext context{&out.params, allow_placeholders ? &out.placeholders : nullptr, nullptr, {}};
  SLUICE_RETURN_IF_ERROR(PlanSelectInto(schema, select, path, context, out.plan.mutable_select(), out.columns));
  return out;
}

}  // namespace sluice
