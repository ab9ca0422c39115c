// Validation of a schema before it is registered.
#ifndef SLUICE_SCHEMA_SCHEMA_VALIDATOR_H_
#define SLUICE_SCHEMA_SCHEMA_VALIDATOR_H_

#include <string>

#include "absl/status/status.h"
#include "sluice/v1/schema.pb.h"

namespace sluice {

// OK, or INVALID_ARGUMENT with one BadRequest field violation per problem (paths under `path`,
// e.g. `schema.tables[1].columns[0].type`): empty or duplicate names, reserved names, missing
// types, lengths and precisions, defaults of the wrong type, keys on unknown or nullable
// columns, foreign keys to unknown tables or to columns that are not a key, checks and partial
// indexes over unknown columns, enums without values, relations to unknown tables or columns.
absl::Status ValidateSchema(const v1::Schema& schema, const std::string& path);

// Identifiers: 1 to 63 bytes (PostgreSQL's limit), no NUL. Anything else is allowed: every
// identifier is quoted.
bool ValidIdentifier(const std::string& name);

}  // namespace sluice

#endif  // SLUICE_SCHEMA_SCHEMA_VALIDATOR_H_
