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

// A WITH table: its select's result columns, as a table.
struct CommonTableInfo {
  v1::Table table;
  TableInfo info;
};

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
                              const SelectContext& context, plan::Select* p, std::deque<CommonTableInfo>& own,
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
    CommonTableInfo& table = own.emplace_back();
    table.table.set_name(cte.name());
    std::set<std::string> names;
    for (const ResultColumn& rc : columns) {
      if (!names.insert(rc.name).second) {
        return InvalidField(cpath + ".select.columns",
                            absl::StrCat("two result columns are named `", rc.name, "`: give one an alias"));
      }
      v1::Column* column = table.table.add_columns();
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
    table.info.table = &table.table;
    for (const v1::Column& c : table.table.columns()) table.info.columns[c.name()] = &c;
    visible.push_back(&table.info);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PlanSelectInto(const SchemaIndex& schema, const v1::Select& select, const std::string& path,
                            const SelectContext& context, plan::Select* p, std::vector<ResultColumn>& columns) {
  std::deque<CommonTableInfo> own_common_tables;  // read while this select is planned
  std::vector<const TableInfo*> visible = context.common_tables;
  SLUICE_RETURN_IF_ERROR(PlanCommonTables(schema, select, path, context, p, own_common_tables, visible));
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupReadable(schema, visible, select.table(), path + ".table"));
  ExpressionPlanner planner(schema, *table, context.params, context.placeholders);
  planner.SetEnclosing(context.outer, visible);
  *p->mutable_from() = TableRefOf(*table->table);
  if (!select.alias().empty()) SLUICE_RETURN_IF_ERROR(CheckIdentifier(select.alias(), path + ".alias"));
  p->mutable_from()->set_alias(select.alias());
  p->set_distinct(select.distinct());

  // The tables the statement reads, by the names they have in it.
  std::vector<ScopeTable> scope{{select.alias().empty() ? table->table->name() : select.alias(), table}};
  for (int i = 0; i < select.joins_size(); ++i) {
    const v1::Join& join = select.joins(i);
    const std::string jpath = absl::StrCat(path, ".joins[", i, "]");
    SLUICE_ASSIGN_OR_RETURN(const TableInfo* joined, LookupReadable(schema, visible, join.table(), jpath + ".table"));
    if (!join.alias().empty()) SLUICE_RETURN_IF_ERROR(CheckIdentifier(join.alias(), jpath + ".alias"));
    const std::string name = join.alias().empty() ? joined->table->name() : join.alias();
    for (const ScopeTable& t : scope) {
      if (t.name == name) {
        return InvalidField(jpath + ".alias",
                            absl::StrCat("`", name, "` names two tables of this statement: give one an alias"));
      }
    }
    scope.push_back({name, joined});
  }
  const bool joins = !select.joins().empty();
  if (joins || !select.alias().empty()) planner.SetScope(scope);  // columns name the alias
  for (int i = 0; i < select.joins_size(); ++i) {
    const v1::Join& join = select.joins(i);
    const std::string jpath = absl::StrCat(path, ".joins[", i, "]");
    if (join.type() == v1::Join::JOIN_TYPE_UNSPECIFIED) return InvalidField(jpath + ".type", "a join type is required");
    plan::Join* planned = p->add_joins();
    planned->set_type(static_cast<plan::JoinType>(join.type()));
    *planned->mutable_table() = TableRefOf(*scope[i + 1].table->table);
    planned->mutable_table()->set_alias(join.alias());
    if (join.type() == v1::Join::CROSS) {
      if (join.has_on()) return InvalidField(jpath + ".on", "a cross join has no condition");
      continue;
    }
    if (!join.has_on()) {  // every pair of rows, as Drizzle's join without a condition: ON TRUE
      planned->mutable_on()->mutable_literal()->set_kind(plan::LITERAL_BOOL);
      planned->mutable_on()->mutable_literal()->set_int_value(1);
    } else {
      SLUICE_ASSIGN_OR_RETURN(*planned->mutable_on(), planner.Condition(join.on(), jpath + ".on"));
    }
  }

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
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Typed(item.expression(), ipath + ".expression", true));
    plan::SelectItem* planned = p->add_items();
    *planned->mutable_expr() = std::move(typed.expr);
    std::string name = item.alias().empty() ? typed.type.name() : item.alias();
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
    SLUICE_ASSIGN_OR_RETURN(const uint32_t limit, planner.BindCount(select.limit(), path + ".limit"));
    p->set_limit_param(limit);
  } else if (!select.limit_param().empty()) {
    SLUICE_ASSIGN_OR_RETURN(const uint32_t limit,
                            planner.CountPlaceholder(select.limit_param(), path + ".limit_param"));
    p->set_limit_param(limit);
  }
  if (select.has_offset()) {
    SLUICE_ASSIGN_OR_RETURN(const uint32_t offset, planner.BindCount(select.offset(), path + ".offset"));
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
