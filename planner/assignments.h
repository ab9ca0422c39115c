// SET lists: UPDATE ... SET and an upsert's DO UPDATE SET.
#ifndef SLUICE_PLANNER_ASSIGNMENTS_H_
#define SLUICE_PLANNER_ASSIGNMENTS_H_

#include <string>

#include "absl/status/status.h"
#include "planner/expression_planner.h"

namespace sluice {

// Plans `set` (values checked against their columns) and `set_expressions` (values or
// placeholders checked the same way, else expressions planned by `planner`) into `out`, in the
// table's column order. INVALID_ARGUMENT under `<path>.set[...]` / `<path>.set_expressions[...]`
// for a column the table lacks or one in both maps; NOT_NULL_VIOLATION for a null in a NOT NULL
// column.
absl::Status PlanAssignments(ExpressionPlanner& planner, const TableInfo& table,
                             const google::protobuf::Map<std::string, v1::Value>& set,
                             const google::protobuf::Map<std::string, v1::Expression>& set_expressions,
                             const std::string& path, google::protobuf::RepeatedPtrField<plan::Assignment>* out);

}  // namespace sluice

#endif  // SLUICE_PLANNER_ASSIGNMENTS_H_
