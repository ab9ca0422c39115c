// RETURNING lists of insert, update and delete.
#ifndef SLUICE_PLANNER_RETURNING_H_
#define SLUICE_PLANNER_RETURNING_H_

#include <string>

#include "absl/status/status.h"
#include "planner/planner.h"

namespace sluice {

// Checks `columns` against `table`, copies them into `plan_returning`, and declares the result
// columns of `out`.
absl::Status PlanReturning(const SchemaIndex& schema, const TableInfo& table,
                           const google::protobuf::RepeatedPtrField<std::string>& columns, const std::string& path,
                           google::protobuf::RepeatedPtrField<std::string>* plan_returning, PlannedStatement* out);

}  // namespace sluice

#endif  // SLUICE_PLANNER_RETURNING_H_
