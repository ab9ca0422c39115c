// Migrations: generated from registered schemas, applied in order, each exactly once, recorded
// in the database's `__sluice_migrations` table.
#ifndef SLUICE_MIGRATIONS_MIGRATOR_H_
#define SLUICE_MIGRATIONS_MIGRATOR_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "executor/database.h"
#include "schema/schema_registry.h"
#include "sluice/v1/migration_service.pb.h"

namespace sluice {

// SHA-256 over a migration's statements.
std::string MigrationHash(const v1::Migration& migration);

class Migrator {
 public:
  explicit Migrator(SchemaRegistry& registry) : registry_(registry) {}

  // The migration that brings `db` from the schema's last applied migration to `version`
  // (0: the latest). Today only the first migration of a schema (creating it whole) exists;
  // a later version returns UNIMPLEMENTED until schema diffs are built.
  absl::StatusOr<v1::Migration> Generate(Database& db, const std::string& schema,
                                         uint32_t version, const std::string& name);

  // Applies `migrations` in order (or, when empty, the one Generate would produce). Each runs
  // in one transaction with its history record; one already applied is skipped, and one whose
  // content changed since it was applied is refused with FAILED_PRECONDITION.
  absl::StatusOr<std::vector<std::string>> Migrate(Database& db, const std::string& schema,
                                                   std::vector<v1::Migration> migrations);

  // The migrations recorded for `schema`, in order.
  absl::StatusOr<std::vector<v1::AppliedMigration>> Applied(Database& db, const std::string& schema);

 private:
  absl::Status EnsureTable(Database& db);
  absl::StatusOr<std::vector<v1::AppliedMigration>> AppliedOn(Connection& conn, Database& db,
                                                              const std::string& schema);

  SchemaRegistry& registry_;
};

}  // namespace sluice

#endif  // SLUICE_MIGRATIONS_MIGRATOR_H_
