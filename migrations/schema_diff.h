// The difference between two schemas as the ordered statements that turn one into the other
// (drizzle-kit's generate), with what they would destroy.
#ifndef SLUICE_MIGRATIONS_SCHEMA_DIFF_H_
#define SLUICE_MIGRATIONS_SCHEMA_DIFF_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/plan/plan.h"
#include "sluice/v1/migration_service.pb.h"
#include "sluice/v1/schema.pb.h"

namespace sluice {

// A step that loses data when the table has rows.
struct DataLoss {
  enum Kind { kDropTable, kDropColumn, kNarrowType, kNotNull } kind;
  plan::TableRef table;
  std::string column;  // empty for kDropTable
  std::string description;
};

struct SchemaDiff {
  std::vector<plan::Plan> plans;
  std::vector<DataLoss> losses;
  // A table (or column) dropped and another added where no rename hint says whether it is a
  // rename: "table `a` → `b`?" (the diff drops and adds).
  std::vector<std::string> ambiguous;
};

// What the diff needs to know of the dialect.
struct DialectTraits {
  // Columns and constraints change in place (SLUICE_CAP_ALTER_TABLE). Without it, a table whose
  // columns or constraints change is rebuilt (a new table, the rows copied, the old one dropped,
  // the new one renamed), its foreign keys checked at commit.
  bool alter_in_place = true;
  // Enums are types (SLUICE_CAP_ENUM_TYPES): new values are added to the type. Without them, the
  // columns of a changed enum change.
  bool enum_types = false;
};

// The statements that turn `from` (validated, or empty for nothing yet) into `to` (validated).
// `renames` say which tables and columns of `from` are renamed rather than dropped and added.
// INVALID_ARGUMENT for a rename hint that names nothing; UNIMPLEMENTED for a change no dialect
// statement makes (an enum value removed where enums are types, auto_increment switched).
absl::StatusOr<SchemaDiff> DiffSchemas(const v1::Schema& from, const v1::Schema& to,
                                       const std::vector<v1::RenameHint>& renames, DialectTraits dialect);

}  // namespace sluice

#endif  // SLUICE_MIGRATIONS_SCHEMA_DIFF_H_
