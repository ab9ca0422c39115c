// UPDATE and DELETE: both need a where, or an explicit all_rows.
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"
#include "planner/returning.h"
#include "planner/table_lookup.h"

namespace sluice {
namespace {


// The where clause, or the refusal of a statement that would touch every row by omission.
absl::Status PlanWhere(ExpressionPlanner& planner, bool has_where, const v1::Condition& where,
                       bool all_rows, const std::string& path, absl::string_view verb,
                       plan::Expr* out) {
  if (!has_where) {
    if (all_rows) return absl::OkStatus();
    return InvalidField(path + ".where",
                        absl::StrCat(verb == "update" ? "an update" : "a delete", " without where ",
                                     verb == "update" ? "changes" : "removes",
                                     " every row; set all_rows to confirm"));
  }
  if (all_rows) {
    return InvalidField(path + ".all_rows", "all_rows contradicts the where given");
  }
  SLUICE_ASSIGN_OR_RETURN(*out, planner.Condition(where, path + ".where"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlannedStatement> PlanUpdate(const SchemaIndex& schema, const v1::Update& update,
                                            const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, update.table(), path + ".table"));
  if (update.set().empty()) return InvalidField(path + ".set", "at least one column to set is required");
  for (const auto& [name, value] : update.set()) {
    if (schema.FindColumn(*table, name) == nullptr) {
      return InvalidField(absl::StrCat(path, ".set[\"", name, "\"]"),
                          absl::StrCat("table `", table->table->name(), "` has no column `", name, "`"));
    }
  }
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params);
  plan::Update* p = out.plan.mutable_update();
  *p->mutable_table() = TableRefOf(*table->table);
  for (const v1::Column& column : table->table->columns()) {  // schema order: stable SQL
    auto it = update.set().find(column.name());
    if (it == update.set().end()) continue;
    const std::string vpath = absl::StrCat(path, ".set[\"", column.name(), "\"]");
    if (it->second.has_null_value() && column.not_null()) {
      return InvalidField(vpath, absl::StrCat("column `", column.name(), "` is not null"));
    }
    plan::Assignment* a = p->add_set();
    a->set_column(column.name());
    SLUICE_ASSIGN_OR_RETURN(*a->mutable_value(), planner.BindValue(it->second, column, vpath));
  }
  SLUICE_RETURN_IF_ERROR(PlanWhere(planner, update.has_where(), update.where(), update.all_rows(),
                                   path, "update", p->mutable_where()));
  if (!update.has_where()) p->clear_where();
  SLUICE_RETURN_IF_ERROR(PlanReturning(schema, *table, update.returning(), path + ".returning",
                                       p->mutable_returning(), &out));
  return out;
}

absl::StatusOr<PlannedStatement> PlanDelete(const SchemaIndex& schema, const v1::Delete& del,
                                            const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, del.table(), path + ".table"));
  PlannedStatement out;
  ExpressionPlanner planner(schema, *table, &out.params);
  plan::Delete* p = out.plan.mutable_delete_();
  *p->mutable_table() = TableRefOf(*table->table);
  SLUICE_RETURN_IF_ERROR(PlanWhere(planner, del.has_where(), del.where(), del.all_rows(), path,
                                   "delete", p->mutable_where()));
  if (!del.has_where()) p->clear_where();
  SLUICE_RETURN_IF_ERROR(PlanReturning(schema, *table, del.returning(), path + ".returning",
                                       p->mutable_returning(), &out));
  return out;
}

}  // namespace sluice
