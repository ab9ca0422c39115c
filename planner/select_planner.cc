#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"
#include "planner/table_lookup.h"

namespace sluice {


absl::StatusOr<PlannedStatement> PlanSelect(const SchemaIndex& schema, const v1::Select& select,
                                            const std::string& path, bool allow_placeholders) {
  if (!select.joins().empty()) {
    return absl::UnimplementedError(absl::StrCat(path, ".joins: joins are not available yet"));
  }
  if (!select.alias().empty()) {
    return absl::UnimplementedError(
        absl::StrCat(path, ".alias: table aliases come with joins, not available yet"));
  }
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, select.table(), path + ".table"));
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params, allow_placeholders ? &out.placeholders : nullptr);
  plan::Select* p = out.plan.mutable_select();
  *p->mutable_from() = TableRefOf(*table->table);
  p->set_distinct(select.distinct());

  if (select.columns().empty()) {
    for (const v1::Column& column : table->table->columns()) {
      p->add_items()->mutable_expr()->mutable_column()->set_name(column.name());
      out.columns.push_back({column.name(), table->table->name(), column});
    }
  }
  for (int i = 0; i < select.columns_size(); ++i) {
    const v1::SelectColumn& item = select.columns(i);
    const std::string ipath = absl::StrCat(path, ".columns[", i, "]");
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed,
                            planner.Typed(item.expression(), ipath + ".expression", true));
    plan::SelectItem* planned = p->add_items();
    *planned->mutable_expr() = std::move(typed.expr);
    std::string name = item.alias().empty() ? typed.type.name() : item.alias();
    // Every result column is named explicitly, so each dialect reports the same names.
    planned->set_alias(name);
    const bool is_column = item.expression().has_column();
    out.columns.push_back({name, is_column ? table->table->name() : "", typed.type});
  }
  if (select.has_where()) {
    SLUICE_ASSIGN_OR_RETURN(*p->mutable_where(), planner.Condition(select.where(), path + ".where"));
  }
  for (int i = 0; i < select.group_by_size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed,
                            planner.Typed(select.group_by(i), absl::StrCat(path, ".group_by[", i, "]"),
                                          false));
    *p->add_group_by() = std::move(typed.expr);
  }
  if (select.has_having()) {
    SLUICE_ASSIGN_OR_RETURN(*p->mutable_having(),
                            planner.Condition(select.having(), path + ".having", true));
  }
  for (int i = 0; i < select.order_by_size(); ++i) {
    const v1::OrderBy& order = select.order_by(i);
    SLUICE_ASSIGN_OR_RETURN(
        TypedExpr typed,
        planner.Typed(order.expression(), absl::StrCat(path, ".order_by[", i, "].expression"), true));
    plan::OrderItem* item = p->add_order_by();
    *item->mutable_expr() = std::move(typed.expr);
    item->set_descending(order.descending());
    item->set_nulls(static_cast<plan::Nulls>(order.nulls()));
  }
  if (select.has_limit()) {
    v1::Value v;
    v.set_int_value(static_cast<int64_t>(std::min<uint64_t>(select.limit(), INT64_MAX)));
    p->set_limit_param(planner.Bind(v).param());
  }
  if (select.has_offset()) {
    v1::Value v;
    v.set_int_value(static_cast<int64_t>(std::min<uint64_t>(select.offset(), INT64_MAX)));
    p->set_offset_param(planner.Bind(v).param());
  }
  return out;
}

}  // namespace sluice
