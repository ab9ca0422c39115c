// RETURNING lists of insert, update and delete.
#ifndef SLUICE_PLANNER_RETURNING_H_
#define SLUICE_PLANNER_RETURNING_H_

#include <string>

#include "absl/status/status.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"

namespace sluice {

// Checks `columns` (request path `<path>.returning`) against `table` and the expressions
// (`<path>.returning_expressions`) with `planner`, copies them into the plan's `plan_returning`
// and `plan_items`, and declares the result columns of `out`, in that order.
absl::Status PlanReturning(const SchemaIndex& schema, const TableInfo& table, ExpressionPlanner& planner,
                           const google::protobuf::RepeatedPtrField<std::string>& columns,
                           const google::protobuf::RepeatedPtrField<v1::SelectColumn>& expressions,
                           const std::string& path, google::protobuf::RepeatedPtrField<std::string>* plan_returning,
                           google::protobuf::RepeatedPtrField<plan::SelectItem>* plan_items, PlannedStatement* out);

}  // namespace sluice

#endif  // SLUICE_PLANNER_RETURNING_H_
