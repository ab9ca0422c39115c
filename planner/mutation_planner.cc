// UPDATE and DELETE: both need a where, or an explicit all_rows.
#include <deque>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/assignments.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"
#include "planner/returning.h"
#include "planner/select_planner.h"
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
  // The keys of the rows the update will change: those its where and sources select.
  v1::Select lock;
  lock.set_table(table.table->name());
  for (const std::string& k : key) {
    v1::ColumnRef* column = lock.add_columns()->mutable_expression()->mutable_column();
    column->set_table(table.table->name());
    column->set_name(k);
  }
  *lock.mutable_joins() = update.from();
  if (!update.from().empty() && update.from(0).type() == v1::Join::JOIN_TYPE_UNSPECIFIED) {
    lock.mutable_joins(0)->set_type(v1::Join::INNER);
  }
  lock.set_distinct(!update.from().empty());  // a row matched by several source rows once
  if (update.has_where()) *lock.mutable_where() = update.where();
  SLUICE_ASSIGN_OR_RETURN(fallback->lock_keys, PlanSelect(schema, lock, path, allow_placeholders));
  fallback->lock_keys.plan.mutable_select()->set_for_update(true);

  fallback->update.plan = planned.plan;
  fallback->update.plan.mutable_update()->clear_returning();
  fallback->update.plan.mutable_update()->clear_returning_items();
  fallback->update.params = planned.params;

  // SELECT <returning> FROM t WHERE k1 = $n AND k2 = $n+1 ...: the update's parameters (its
  // returning expressions may use them), then the key's, which the executor sets to each locked
  // key in turn.
  plan::Select* reread = fallback->reread.plan.mutable_select();
  *reread->mutable_from() = TableRefOf(*table.table);
  for (const std::string& c : update.returning()) reread->add_items()->mutable_expr()->mutable_column()->set_name(c);
  for (const plan::SelectItem& item : planned.plan.update().returning_items()) *reread->add_items() = item;
  fallback->reread.params = planned.params;
  std::vector<plan::Expr> keys;
  for (const std::string& k : key) {
    plan::Expr column, param;
    column.mutable_column()->set_name(k);
    param.set_param(static_cast<uint32_t>(fallback->reread.params.size()));
    fallback->reread.params.emplace_back();
    keys.push_back(ExpressionPlanner::Call(plan::EQ, {std::move(column), std::move(param)}));
  }
  *reread->mutable_where() = ExpressionPlanner::Call(plan::AND, std::move(keys));
  fallback->reread.columns = planned.columns;
  return fallback;
}

}  // namespace

absl::StatusOr<PlannedStatement> PlanUpdate(const SchemaIndex& schema, const v1::Update& update,
                                            const std::string& path, bool allow_placeholders) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupWritableTable(schema, update.table(), path + ".table"));
  if (update.set().empty() && update.set_expressions().empty()) {
    return InvalidField(path + ".set", "at least one column to set is required");
  }
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params, allow_placeholders ? &out.placeholders : nullptr);
  plan::Update* p = out.plan.mutable_update();
  *p->mutable_table() = TableRefOf(*table->table);

  // UPDATE ... FROM: the sources join the updated table (named by its own name); every column is
  // written qualified.
  std::deque<DerivedTable> derived;
  std::vector<ScopeTable> scope{{table->table->name(), table}};
  if (!update.from().empty()) {
    google::protobuf::RepeatedPtrField<v1::Join> from = update.from();
    for (int i = 0; i < from.size(); ++i) {
      const std::string fpath = absl::StrCat(path, ".from[", i, "]");
      if (from[i].lateral()) return InvalidField(fpath + ".lateral", "lateral sources belong to selects");
    }
    if (from[0].type() == v1::Join::JOIN_TYPE_UNSPECIFIED) from[0].set_type(v1::Join::INNER);
    if (from[0].type() != v1::Join::INNER) {
      return InvalidField(path + ".from[0].type", "the first source of an update joins as INNER (or unspecified)");
    }
    SelectContext context{&out.params, allow_placeholders ? &out.placeholders : nullptr, nullptr, {}};
    SLUICE_RETURN_IF_ERROR(PlanJoinSources(schema, from, path + ".from", context, scope, derived, p->mutable_from()));
    planner.SetScope(scope);
    SLUICE_RETURN_IF_ERROR(PlanJoinConditions(planner, from, path + ".from", p->mutable_from()));  // none: ON TRUE
  }
  SLUICE_RETURN_IF_ERROR(
      PlanAssignments(planner, *table, update.set(), update.set_expressions(), path, p->mutable_set()));
  SLUICE_RETURN_IF_ERROR(
      PlanWhere(planner, update.has_where(), update.where(), update.all_rows(), path, "update", p->mutable_where()));
  if (!update.has_where()) p->clear_where();
  // RETURNING planned apart, to know whether it reads the sources.
  ExpressionPlanner returning(schema, *table, &out.params, allow_placeholders ? &out.placeholders : nullptr);
  if (scope.size() > 1) {
    returning.SetScope(scope);
    returning.RecordReferences();
  }
  SLUICE_RETURN_IF_ERROR(PlanReturning(schema, *table, returning, update.returning(), update.returning_expressions(),
                                       path, p->mutable_returning(), p->mutable_returning_items(), &out));
  for (const auto& [source, column] : returning.references()) {
    if (source != table->table->name()) p->set_returning_reads_from(true);
  }
  if (!update.returning().empty() || !update.returning_expressions().empty()) {
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
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupWritableTable(schema, del.table(), path + ".table"));
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params, allow_placeholders ? &out.placeholders : nullptr);
  plan::Delete* p = out.plan.mutable_delete_();
  *p->mutable_table() = TableRefOf(*table->table);
  SLUICE_RETURN_IF_ERROR(
      PlanWhere(planner, del.has_where(), del.where(), del.all_rows(), path, "delete", p->mutable_where()));
  if (!del.has_where()) p->clear_where();
  SLUICE_RETURN_IF_ERROR(PlanReturning(schema, *table, planner, del.returning(), del.returning_expressions(), path,
                                       p->mutable_returning(), p->mutable_returning_items(), &out));
  return out;
}

}  // namespace sluice
