#include "migrations/migrator.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "executor/executor.h"
#include "planner/planner.h"
#include "schema/internal_tables.h"

namespace sluice {
namespace {

constexpr char kTable[] = "__sluice_migrations";

v1::Table HistoryTable() {
  v1::Table t;
  t.set_name(kTable);
  *t.add_columns() = InternalColumn("schema", v1::VARCHAR, 128);
  *t.add_columns() = InternalColumn("name", v1::VARCHAR, 255);
  *t.add_columns() = InternalColumn("hash", v1::CHAR, 64);
  *t.add_columns() = InternalColumn("applied_at", v1::TIMESTAMPTZ);
  *t.add_columns() = InternalColumn("duration_ms", v1::BIGINT);
  t.add_primary_key("schema");
  t.add_primary_key("name");
  return t;
}

const SchemaIndex& HistorySchema() {
  static const SchemaIndex& index = InternalSchema(HistoryTable());
  return index;
}

// The migration lock: taken inside each migration's transaction, released after it (a no-op
// where the lock ends with the transaction).
absl::Status MigrationLock(Connection& conn, Database& db, bool release) {
  constexpr int64_t kMigrationLock = 0x736c7569636531;  // "sluice1"
  plan::Plan p;
  p.mutable_transaction_lock()->set_key(kMigrationLock);
  p.mutable_transaction_lock()->set_release(release);
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(p));
  if (sql->sql.empty()) return absl::OkStatus();
  return conn.ExecuteOnce(sql->sql);
}

// Releases the migration lock when it goes out of scope (after commit or rollback).
struct Unlock {
  Connection& conn;
  Database& db;
  ~Unlock() {
    if (conn.in_transaction()) conn.Rollback().IgnoreError();
    MigrationLock(conn, db, true).IgnoreError();
  }
};

}  // namespace

std::string MigrationHash(const v1::Migration& migration) {
  return Sha256Hex(absl::StrJoin(migration.statements(), "\n--> statement-breakpoint\n"));
}

absl::Status Migrator::EnsureTable(Database& db) { return CreateTablesIfMissing(db, HistorySchema()); }

absl::StatusOr<std::vector<v1::AppliedMigration>> Migrator::AppliedOn(Connection& conn, Database& db,
                                                                      const std::string& schema) {
  v1::Select select;
  select.set_table(kTable);
  for (const char* column : {"name", "hash", "applied_at", "duration_ms"}) {
    select.add_columns()->mutable_expression()->mutable_column()->set_name(column);
  }
  v1::Comparison* eq = select.mutable_where()->mutable_eq();
  eq->mutable_left()->mutable_column()->set_name("schema");
  eq->mutable_right()->mutable_value()->set_string_value(schema);
  for (const char* column : {"applied_at", "name"}) {
    select.add_order_by()->mutable_expression()->mutable_column()->set_name(column);
  }
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement st, PlanSelect(HistorySchema(), select, "select"));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, ExecuteOn(conn, db, st));
  std::vector<v1::AppliedMigration> applied;
  for (const v1::Row& row : result.rows()) {
    v1::AppliedMigration m;
    m.set_name(row.values(0).string_value());
    m.set_hash(row.values(1).string_value());
    m.set_applied_at(row.values(2).timestamp_value());
    m.set_duration_ms(static_cast<uint64_t>(row.values(3).int_value()));
    applied.push_back(std::move(m));
  }
  return applied;
}

absl::StatusOr<std::vector<v1::AppliedMigration>> Migrator::Applied(Database& db,
                                                                    const std::string& schema) {
  SLUICE_RETURN_IF_ERROR(EnsureTable(db));
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire());
  return AppliedOn(*conn, db, schema);
}

absl::StatusOr<v1::Migration> Migrator::Generate(Database& db, const std::string& schema,
                                                 uint32_t version, const std::string& name) {
  SLUICE_ASSIGN_OR_RETURN(RegisteredSchema registered, registry_.Get(db, schema, version));
  v1::Migration migration;
  migration.set_name(name.empty() ? absl::StrCat("0000_initial_v", registered.version.version()) : name);
  for (const plan::Plan& p : PlanCreateSchema(*registered.index, /*if_not_exists=*/false)) {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(p));
    if (!sql->sql.empty()) migration.add_statements(sql->sql);
  }
  migration.set_hash(MigrationHash(migration));
  *migration.mutable_snapshot() = registered.index->schema();

  SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied, Applied(db, schema));
  for (const v1::AppliedMigration& m : applied) {
    if (m.name() == migration.name() && m.hash() == migration.hash()) return migration;
  }
  if (!applied.empty()) {
    return absl::UnimplementedError(absl::StrCat(
        "database `", db.name(), "` already has migrations of schema `", schema, "` applied (last: ",
        applied.back().name(), "); a migration from them to version ", registered.version.version(),
        " needs schema diffs, which are not available yet"));
  }
  return migration;
}

absl::StatusOr<std::vector<std::string>> Migrator::Migrate(Database& db, const std::string& schema,
                                                           std::vector<v1::Migration> migrations) {
  if (schema.empty()) return InvalidField("schema", "the name of a registered schema is required");
  if (migrations.empty()) {
    SLUICE_ASSIGN_OR_RETURN(v1::Migration generated, Generate(db, schema, 0, ""));
    migrations.push_back(std::move(generated));
  }
  for (size_t i = 0; i < migrations.size(); ++i) {
    const std::string path = absl::StrCat("migrations[", i, "]");
    if (migrations[i].name().empty()) return InvalidField(path + ".name", "a migration name is required");
    const std::string hash = MigrationHash(migrations[i]);
    if (!migrations[i].hash().empty() && migrations[i].hash() != hash) {
      return InvalidField(path + ".hash", absl::StrCat("the hash does not match the statements (", hash, ")"));
    }
    migrations[i].set_hash(hash);
  }
  SLUICE_RETURN_IF_ERROR(EnsureTable(db));

  std::vector<std::string> done;
  for (const v1::Migration& migration : migrations) {
    SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire());
    // History is read under the migration lock, inside the transaction that applies the
    // migration, so concurrent callers apply each migration once.
    SLUICE_RETURN_IF_ERROR(conn->Begin(SLUICE_ISOLATION_DEFAULT));
    Unlock unlock{*conn, db};
    SLUICE_RETURN_IF_ERROR(MigrationLock(*conn, db, false));
    SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied, AppliedOn(*conn, db, schema));
    bool skip = false;
    for (const v1::AppliedMigration& m : applied) {
      if (m.name() != migration.name()) continue;
      if (m.hash() != migration.hash()) {
        return WithErrorInfo(
            absl::FailedPreconditionError(absl::StrCat(
                "migration `", migration.name(), "` changed after it was applied (applied hash ",
                m.hash(), ", now ", migration.hash(), ")")),
            "MIGRATION_CHANGED", {{"migration", migration.name()}});
      }
      skip = true;
    }
    if (skip) {
      SLUICE_RETURN_IF_ERROR(conn->Commit());
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    for (int s = 0; s < migration.statements_size(); ++s) {
      absl::Status status = conn->ExecuteOnce(migration.statements(s));
      if (!status.ok()) {
        const bool rolled_back = db.dialect().Has(SLUICE_CAP_TRANSACTIONAL_DDL);
        return absl::Status(
            status.code(),
            absl::StrCat("migration `", migration.name(), "` statement ", s + 1, " failed (",
                         rolled_back ? "rolled back"
                                     : "not recorded; dialect " + db.dialect().name() +
                                           " has no transactional DDL, so the statements before it stay applied",
                         "): ", status.message()));
      }
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start).count();
    v1::Insert insert;
    insert.set_table(kTable);
    auto& row = *insert.add_rows()->mutable_values();
    row["schema"].set_string_value(schema);
    row["name"].set_string_value(migration.name());
    row["hash"].set_string_value(migration.hash());
    row["applied_at"].set_timestamp_value(
        absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
    row["duration_ms"].set_int_value(ms);
    SLUICE_ASSIGN_OR_RETURN(PlannedStatement st, PlanInsert(HistorySchema(), insert, "insert"));
    SLUICE_RETURN_IF_ERROR(ExecuteOn(*conn, db, st).status());
    SLUICE_RETURN_IF_ERROR(conn->Commit());
    done.push_back(migration.name());
  }
  return done;
}

}  // namespace sluice
