// UPDATE and DELETE: both need a where, or an explicit all_rows.
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"
#include "planner/returning.h"
#include "planner/table_lookup.h"
#include "planner/value_check.h"

namespace sluice {
namespace {

// The where clause, or the refusal of a statement that would touch every row by omission.
absl::Status PlanWhere(ExpressionPlanner& planner, bool has_where, const v1::Condition& where, bool all_rows,
                       const std::string& path, absl::string_view verb, plan::Expr* out) {
  if (!has_where) {
    if (all_rows) return absl::OkStatus();
    return InvalidField(path + ".where",
                        absl::StrCat(verb == "update" ? "an update" : "a delete", " without where ",
                                     verb == "update" ? "changes" : "removes", " every row; set all_rows to confirm"));
  }
  if (all_rows) {
    return InvalidField(path + ".all_rows", "all_rows contradicts the where given");
  }
  SLUICE_ASSIGN_OR_RETURN(*out, planner.Condition(where, path + ".where"));
  return absl::OkStatus();
}

// The primary key columns of `table` (empty when it has none).
std::vector<std::string> PrimaryKey(const v1::Table& table) {
  std::vector<std::string> key(table.primary_key().begin(), table.primary_key().end());
  for (const v1::Column& c : table.columns()) {
    if (c.primary_key()) key.push_back(c.name());
  }
  return key;
}

// See ReturningFallback.
absl::StatusOr<std::shared_ptr<ReturningFallback>> PlanReturningFallback(
    const SchemaIndex& schema, const TableInfo& table, const v1::Update& update, const PlannedStatement& planned,
    const std::string& path, bool allow_placeholders) {
  const std::vector<std::string> key = PrimaryKey(*table.table);
  if (key.empty()) return std::shared_ptr<ReturningFallback>();
  auto fallback = std::make_shared<ReturningFallback>();
  v1::Select lock;
  lock.set_table(table.table->name());
  for (const std::string& k : key) lock.add_columns()->mutable_expression()->mutable_column()->set_name(k);
  if (update.has_where()) *lock.mutable_where() = update.where();
  SLUICE_ASSIGN_OR_RETURN(fallback->lock_keys, PlanSelect(schema, lock, path, allow_placeholders));
  fallback->lock_keys.plan.mutable_select()->set_for_update(true);

  fallback->update.plan = planned.plan;
  fallback->update.plan.mutable_update()->clear_returning();
  fallback->update.params = planned.params;

  // SELECT <returning> FROM t WHERE k1 = $0 AND k2 = $1 ...: the executor sets the parameters
  // to each locked key in turn.
  plan::Select* reread = fallback->reread.plan.mutable_select();
  *reread->mutable_from() = TableRefOf(*table.table);
  for (const std::string& c : update.returning()) reread->add_items()->mutable_expr()->mutable_column()->set_name(c);
  std::vector<plan::Expr> keys;
  for (size_t i = 0; i < key.size(); ++i) {
    plan::Expr column, param;
    column.mutable_column()->set_name(key[i]);
    param.set_param(static_cast<uint32_t>(i));
    keys.push_back(ExpressionPlanner::Call(plan::EQ, {std::move(column), std::move(param)}));
  }
  *reread->mutable_where() = ExpressionPlanner::Call(plan::AND, std::move(keys));
  fallback->reread.params.resize(key.size());
  fallback->reread.columns = planned.columns;
  return fallback;
}

}  // namespace

absl::StatusOr<PlannedStatement> PlanUpdate(const SchemaIndex& schema, const v1::Update& update,
                                            const std::string& path, bool allow_placeholders) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, update.table(), path + ".table"));
  if (update.set().empty() && update.set_expressions().empty()) {
    return InvalidField(path + ".set", "at least one column to set is required");
  }
  for (const auto& [name, value] : update.set()) {
    if (schema.FindColumn(*table, name) == nullptr) {
      return InvalidField(absl::StrCat(path, ".set[\"", name, "\"]"),
                          absl::StrCat("table `", table->table->name(), "` has no column `", name, "`"));
    }
  }
  for (const auto& [name, expression] : update.set_expressions()) {
    const std::string epath = absl::StrCat(path, ".set_expressions[\"", name, "\"]");
    if (schema.FindColumn(*table, name) == nullptr) {
      return InvalidField(epath, absl::StrCat("table `", table->table->name(), "` has no column `", name, "`"));
    }
    if (update.set().count(name)) return InvalidField(epath, "the column is in `set` too: give it once");
  }
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params, allow_placeholders ? &out.placeholders : nullptr);
  plan::Update* p = out.plan.mutable_update();
  *p->mutable_table() = TableRefOf(*table->table);
  for (const v1::Column& column : table->table->columns()) {  // schema order: stable SQL
    if (auto e = update.set_expressions().find(column.name()); e != update.set_expressions().end()) {
      const std::string epath = absl::StrCat(path, ".set_expressions[\"", column.name(), "\"]");
      plan::Assignment* a = p->add_set();
      a->set_column(column.name());
      if (e->second.has_value() || e->second.has_param()) {
        if (e->second.value().has_null_value() && column.not_null()) {
          return NotNullViolation(epath + ".value", table->table->name(), column.name());
        }
        SLUICE_ASSIGN_OR_RETURN(*a->mutable_value(), planner.ValueOrPlaceholder(e->second, column, epath));
      } else {
        SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Typed(e->second, epath, /*allow_aggregates=*/false));
        *a->mutable_value() = std::move(typed.expr);
      }
      continue;
    }
    auto it = update.set().find(column.name());
    if (it == update.set().end()) continue;
    const std::string vpath = absl::StrCat(path, ".set[\"", column.name(), "\"]");
    if (it->second.has_null_value() && column.not_null()) {
      return NotNullViolation(vpath, table->table->name(), column.name());
    }
    plan::Assignment* a = p->add_set();
    a->set_column(column.name());
    SLUICE_ASSIGN_OR_RETURN(*a->mutable_value(), planner.BindValue(it->second, column, vpath));
  }
  SLUICE_RETURN_IF_ERROR(
      PlanWhere(planner, update.has_where(), update.where(), update.all_rows(), path, "update", p->mutable_where()));
  if (!update.has_where()) p->clear_where();
  SLUICE_RETURN_IF_ERROR(
      PlanReturning(schema, *table, update.returning(), path + ".returning", p->mutable_returning(), &out));
  if (!update.returning().empty()) {
    SLUICE_ASSIGN_OR_RETURN(out.returning_fallback,
                            PlanReturningFallback(schema, *table, update, out, path, allow_placeholders));
  }
  return out;
}

absl::StatusOr<PlannedStatement> PlanOperation(const SchemaIndex& schema, const v1::Operation& operation,
                                               const std::string& path, bool allow_placeholders) {
  switch (operation.kind_case()) {
    case v1::Operation::kSelect:
      return PlanSelect(schema, operation.select(), path + ".select", allow_placeholders);
    case v1::Operation::kInsert:
      return PlanInsert(schema, operation.insert(), path + ".insert");
    case v1::Operation::kUpdate:
      return PlanUpdate(schema, operation.update(), path + ".update", allow_placeholders);
    case v1::Operation::kDelete:
      return PlanDelete(schema, operation.delete_(), path + ".delete", allow_placeholders);
    case v1::Operation::KIND_NOT_SET:
      break;
  }
  return InvalidField(path, "an operation is required (select, insert, update or delete)");
}

absl::StatusOr<PlannedStatement> PlanDelete(const SchemaIndex& schema, const v1::Delete& del, const std::string& path,
                                            bool allow_placeholders) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, del.table(), path + ".table"));
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params, allow_placeholders ? &out.placeholders : nullptr);
  plan::Delete* p = out.plan.mutable_delete_();
  *p->mutable_table() = TableRefOf(*table->table);
  SLUICE_RETURN_IF_ERROR(
      PlanWhere(planner, del.has_where(), del.where(), del.all_rows(), path, "delete", p->mutable_where()));
  if (!del.has_where()) p->clear_where();
  SLUICE_RETURN_IF_ERROR(
      PlanReturning(schema, *table, del.returning(), path + ".returning", p->mutable_returning(), &out));
  return out;
}

}  // namespace sluice
