// Checks request values against column types, before any SQL exists.
#ifndef SLUICE_PLANNER_VALUE_CHECK_H_
#define SLUICE_PLANNER_VALUE_CHECK_H_

#include <string>

#include "absl/status/statusor.h"
#include "schema/schema_index.h"
#include "sluice/plan/plan.h"
#include "sluice/v1/value.pb.h"

namespace sluice {

// `value` in canonical form for `column` (an int for a DOUBLE column becomes a double, a uuid is
// lower-cased, ...), or INVALID_ARGUMENT naming `path`: a value of another kind, out of range,
// too long, malformed, or not one of the enum's values. A null passes here; NOT NULL is the
// caller's rule.
absl::StatusOr<v1::Value> CheckValue(const v1::Value& value, const v1::Column& column, const SchemaIndex& schema,
                                     const std::string& path);

// A null for NOT NULL column `column` of `table` at `path`: INVALID_ARGUMENT naming the path,
// with the reason every layer gives a not-null violation (NOT_NULL_VIOLATION) and the column.
absl::Status NotNullViolation(const std::string& path, const std::string& table, const std::string& column);

// INVALID_ARGUMENT at `path` when a write gives `column` a value the database makes itself (a
// generated column, GENERATED ALWAYS AS IDENTITY); OK otherwise.
absl::Status CheckWritable(const v1::Column& column, const std::string& path);

// "VARCHAR(20)", "DECIMAL(10, 2)", "ENUM mood", ... for messages.
std::string TypeLabel(const v1::Column& column);

// The column's type as the plan carries it (enum values resolved).
plan::Type PlanType(const v1::Column& column, const SchemaIndex& schema);

// A checked value as a DDL literal.
plan::Literal ToLiteral(const v1::Value& value);

// The ABI kind a checked value binds as (SLUICE_VALUE_*).
int32_t ValueKind(const v1::Value& value);

}  // namespace sluice

#endif  // SLUICE_PLANNER_VALUE_CHECK_H_
