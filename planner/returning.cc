#include "planner/returning.h"

#include "common/status_macros.h"
#include "planner/table_lookup.h"

namespace sluice {

absl::Status PlanReturning(const SchemaIndex& schema, const TableInfo& table,
                           const google::protobuf::RepeatedPtrField<std::string>& columns, const std::string& path,
                           google::protobuf::RepeatedPtrField<std::string>* plan_returning, PlannedStatement* out) {
  SLUICE_ASSIGN_OR_RETURN(auto found, LookupColumns(schema, table, columns, path));
  for (const v1::Column* column : found) {
    plan_returning->Add(std::string(column->name()));
    out->columns.push_back({column->name(), table.table->name(), *column});
  }
  return absl::OkStatus();
}

}  // namespace sluice
