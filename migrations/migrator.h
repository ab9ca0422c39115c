// Migrations: generated from registered schemas (diffs against a snapshot), applied in order,
// each exactly once, recorded in the database's `__sluice_migrations` table.
#ifndef SLUICE_MIGRATIONS_MIGRATOR_H_
#define SLUICE_MIGRATIONS_MIGRATOR_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "migrations/introspection.h"
#include "migrations/schema_diff.h"
#include "registry/schema_registry.h"
#include "sluice/v1/migration_service.pb.h"

namespace sluice {

// SHA-256 over a migration's statements.
std::string MigrationHash(const v1::Migration& migration);

// The problems of a migrations folder (see MigrationService.Check); empty when it is sound.
std::vector<std::string> CheckMigrations(const std::vector<v1::Migration>& migrations);

class Migrator {
 public:
  explicit Migrator(SchemaRegistry& registry) : registry_(registry) {}

  // See MigrationService.Generate.
  absl::StatusOr<v1::GenerateResponse> Generate(Database& db, const CallContext& call,
                                                const v1::GenerateRequest& request);

  // Applies `migrations` in order (or, when empty, the one Generate would produce); see
  // MigrationService.Migrate. The names applied by this call.
  // Records `migrations` as applied without running them, once the live database is what the
  // last one leaves (FAILED_PRECONDITION BASELINE_MISMATCH otherwise); the names recorded.
  absl::StatusOr<std::vector<std::string>> Baseline(Database& db, const CallContext& call, const std::string& schema,
                                                    std::vector<v1::Migration> migrations);
  absl::StatusOr<std::vector<std::string>> Migrate(Database& db, const CallContext& call, const std::string& schema,
                                                   std::vector<v1::Migration> migrations);

  // The migrations recorded for `schema`, in order.
  absl::StatusOr<std::vector<v1::AppliedMigration>> Applied(Database& db, const CallContext& call,
                                                            const std::string& schema);

  // See MigrationService.Pull, Push.
  absl::StatusOr<v1::Schema> Pull(Database& db, const CallContext& call, const v1::PullRequest& request);
  absl::StatusOr<v1::PushResponse> Push(Database& db, const CallContext& call, const v1::PushRequest& request);
  // The statements that would make the database match `schema`'s latest version (Status'
  // drift): empty when it matches.
  absl::StatusOr<std::vector<std::string>> Drift(Database& db, const CallContext& call, const std::string& schema);

 private:
  absl::Status EnsureTable(Database& db, const CallContext& call);
  absl::StatusOr<std::vector<v1::AppliedMigration>> AppliedOn(Connection& conn, Database& db, const CallContext& call,
                                                              const std::string& schema);
  // The snapshot of the last migration applied to `schema` (an empty schema when none), and in
  // `count` how many are recorded.
  absl::StatusOr<v1::Schema> LastSnapshot(Database& db, const CallContext& call, const std::string& schema,
                                          uint32_t* count);
  // One migration, where DDL is transactional: in one transaction with its record.
  absl::StatusOr<bool> ApplyInTransaction(Database& db, const CallContext& call, const std::string& schema,
                                          const v1::Migration& migration);
  // One migration, where it is not: statement by statement, its progress recorded as it goes.
  absl::StatusOr<bool> ApplyStepwise(Connection& conn, Database& db, const CallContext& call, const std::string& schema,
                                     const v1::Migration& migration);

  struct LiveDiff {
    v1::Schema live;  // reconciled with the registered schema
    SchemaDiff diff;
    std::vector<std::string> statements;
  };
  // What `schema` manages: its latest version, and the tables and enums of any of its versions.
  // Read from the registry before a connection is held (a call never holds one connection while
  // waiting for another).
  struct Managed {
    std::shared_ptr<const SchemaIndex> latest;
    Owned owned;  // by every version
  };
  absl::StatusOr<Managed> ManagedBy(Database& db, const CallContext& call, const std::string& schema);
  // The live database of `conn` against the latest version the schema manages.
  absl::StatusOr<LiveDiff> DiffLive(Connection& conn, Database& db, const Managed& managed,
                                    const std::vector<v1::RenameHint>& renames);

  SchemaRegistry& registry_;
};

}  // namespace sluice

#endif  // SLUICE_MIGRATIONS_MIGRATOR_H_
