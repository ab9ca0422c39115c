// Relations, resolved to the columns that relational reads join on, and the lint that compares
// relations with the foreign keys and indexes that should back them.
#ifndef SLUICE_SCHEMA_RELATIONS_H_
#define SLUICE_SCHEMA_RELATIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "schema/schema_index.h"
#include "sluice/v1/schema.pb.h"
#include "sluice/v1/schema_service.pb.h"

namespace sluice {

// Column pairs {column of one table, column of the other} that must be equal.
using ColumnPairs = std::vector<std::pair<std::string, std::string>>;

struct ResolvedRelation {
  const v1::Relation* relation = nullptr;
  bool one = false;
  const TableInfo* target = nullptr;
  // Direct: {target column, source column}.
  ColumnPairs on;
  // Many-to-many: the junction table, {junction column, target column} and
  // {junction column, source column}.
  const TableInfo* junction = nullptr;
  ColumnPairs junction_target;
  ColumnPairs junction_source;
};

// The relation of `table` named `name`, or null.
const v1::Relation* FindRelation(const SchemaIndex& schema, const std::string& table, const std::string& name);

// Resolves `relation` (of a schema whose names are valid): its own fields and references; for a
// `many` relation without them, the `one` relation of the target that points back (with the
// same relation_name); for `through`, the junction's `one` relations to both tables.
// INVALID_ARGUMENT at `path` (the relation's path) when that is missing or ambiguous.
absl::StatusOr<ResolvedRelation> ResolveRelation(const SchemaIndex& schema, const v1::Relation& relation,
                                                 const std::string& path);

// The lint of a valid schema (paths under `path`, e.g. `schema`).
std::vector<v1::SchemaWarning> LintSchema(const SchemaIndex& schema, const std::string& path);

}  // namespace sluice

#endif  // SLUICE_SCHEMA_RELATIONS_H_
