// Resolving the table a statement names, with the error every planner gives.
#ifndef SLUICE_PLANNER_TABLE_LOOKUP_H_
#define SLUICE_PLANNER_TABLE_LOOKUP_H_

#include <string>

#include "absl/status/statusor.h"
#include "schema/schema_index.h"
#include "sluice/plan/plan.h"

namespace sluice {

// The table named `name`, or INVALID_ARGUMENT at `path`.
absl::StatusOr<const TableInfo*> LookupTable(const SchemaIndex& schema, const std::string& name,
                                             const std::string& path);

// The same for a statement that writes: INVALID_ARGUMENT at `path` for a view too.
absl::StatusOr<const TableInfo*> LookupWritableTable(const SchemaIndex& schema, const std::string& name,
                                                     const std::string& path);

// The plan's reference to a table.
plan::TableRef TableRefOf(const v1::Table& table);

// Checks `columns` name columns of `table`: the columns, in order, or INVALID_ARGUMENT at
// `path`[i].
absl::StatusOr<std::vector<const v1::Column*>> LookupColumns(
    const SchemaIndex& schema, const TableInfo& table, const google::protobuf::RepeatedPtrField<std::string>& columns,
    const std::string& path);

}  // namespace sluice

#endif  // SLUICE_PLANNER_TABLE_LOOKUP_H_
