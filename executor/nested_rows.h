// Relational results: the rows of a planned find (values, and JSON columns of related rows)
// into nested typed rows, and the same as JSON shaped like Drizzle's output.
#ifndef SLUICE_EXECUTOR_NESTED_ROWS_H_
#define SLUICE_EXECUTOR_NESTED_ROWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "planner/planner.h"
#include "sluice/v1/query.pb.h"

namespace sluice {

// `result`: the rows of a PlannedFind's statement, as FindResult.rows, FindResult.json or both
// (`format`), decoded straight into `response` (on its arena, when it has one: no copy).
// INTERNAL when the database's JSON does not fit the shape.
absl::Status NestRows(const v1::QueryResult& result, const FindShape& shape, v1::FindFormat format,
                      v1::FindResult* response);

// Appends `value` as JSON (see FindResult.json for the forms).
void AppendValueJson(const v1::Value& value, std::string* out);

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_NESTED_ROWS_H_
