#include "migrations/migrator.h"

#include <algorithm>

#include <chrono>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "executor/executor.h"
#include "migrations/introspection.h"
#include "migrations/schema_diff.h"
#include "planner/planner.h"
#include "registry/internal_tables.h"
#include "typed/client_breaking.h"

namespace sluice {
namespace {

constexpr char kTable[] = "__sluice_migrations";
// duration_ms of a dirty migration while its statements run: found so later, it was interrupted.
constexpr int64_t kRunning = -1;

v1::Table HistoryTable() {
  v1::Table t;
  t.set_name(kTable);
  *t.add_columns() = InternalColumn("schema", v1::VARCHAR, 128);
  *t.add_columns() = InternalColumn("name", v1::VARCHAR, 255);
  *t.add_columns() = InternalColumn("hash", v1::CHAR, 64);
  *t.add_columns() = InternalColumn("applied_at", v1::TIMESTAMPTZ);
  *t.add_columns() = InternalColumn("duration_ms", v1::BIGINT);
  *t.add_columns() = InternalColumn("dirty", v1::BOOLEAN);
  *t.add_columns() = InternalColumn("statements_done", v1::INTEGER);
  v1::Column snapshot = InternalColumn("snapshot", v1::BYTES);
  snapshot.set_not_null(false);
  *t.add_columns() = snapshot;
  t.add_primary_key("schema");
  t.add_primary_key("name");
  return t;
}

const SchemaIndex& HistorySchema() {
  static const SchemaIndex& index = InternalSchema(HistoryTable());
  return index;
}

// The migration lock: inside a transaction until it ends where the dialect's lock is
// transactional; otherwise (MySQL's GET_LOCK) held by the connection until released.
absl::Status MigrationLock(Connection& conn, Database& db, const CallContext& call, bool release) {
  constexpr int64_t kMigrationLock = 0x736c7569636531;  // "sluice1"
  plan::Plan p;
  p.mutable_transaction_lock()->set_key(kMigrationLock);
  p.mutable_transaction_lock()->set_release(release);
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(p));
  if (sql->sql.empty()) return absl::OkStatus();
  return ExecuteDdl(conn, sql->sql, call);
}

// Releases the migration lock when it goes out of scope (after commit or rollback).
struct Unlock {
  Connection& conn;
  Database& db;
  ~Unlock() {
    if (conn.in_transaction()) conn.Rollback().IgnoreError();
    MigrationLock(conn, db, CallContext(), true).IgnoreError();  // unbounded: the lock must go
  }
};

v1::Value Str(const std::string& s) {
  v1::Value v;
  v.set_string_value(s);
  return v;
}

v1::Condition Eq(const std::string& column, v1::Value value) {
  v1::Condition c;
  c.mutable_eq()->mutable_left()->mutable_column()->set_name(column);
  *c.mutable_eq()->mutable_right()->mutable_value() = std::move(value);
  return c;
}

// WHERE schema = ... AND name = ...
v1::Condition Key(const std::string& schema, const std::string& name) {
  v1::Condition both;
  *both.mutable_and_()->add_conditions() = Eq("schema", Str(schema));
  *both.mutable_and_()->add_conditions() = Eq("name", Str(name));
  return both;
}

std::string Now() { return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()); }

absl::Status Record(Connection& conn, Database& db, const CallContext& call, const std::string& schema,
                    const v1::Migration& migration, bool dirty, int64_t duration_ms) {
  v1::Insert insert;
  insert.set_table(kTable);
  auto& row = *insert.add_rows()->mutable_values();
  row["schema"] = Str(schema);
  row["name"] = Str(migration.name());
  row["hash"] = Str(migration.hash());
  row["applied_at"].set_timestamp_value(Now());
  row["duration_ms"].set_int_value(dirty ? kRunning : duration_ms);
  row["dirty"].set_bool_value(dirty);
  row["statements_done"].set_int_value(dirty ? 0 : migration.statements_size());
  row["snapshot"].set_bytes_value(migration.snapshot().SerializeAsString());
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement st, PlanInsert(HistorySchema(), insert, "insert"));
  return ExecuteOn(conn, db, st, &call).status();
}

absl::Status Progress(Connection& conn, Database& db, const CallContext& call, const std::string& schema,
                      const std::string& name, std::map<std::string, v1::Value> set) {
  v1::Update update;
  update.set_table(kTable);
  for (auto& [column, value] : set) (*update.mutable_set())[column] = std::move(value);
  *update.mutable_where() = Key(schema, name);
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement st, PlanUpdate(HistorySchema(), update, "update"));
  return ExecuteOn(conn, db, st, &call).status();
}

// Whether a DDL statement's error says its effect is there already: what it creates exists, what
// it drops or renames is gone.
bool AlreadyTookEffect(const absl::Status& status) {
  const std::string reason = ErrorReason(status);
  return reason == SLUICE_REASON_DUPLICATE_OBJECT || reason == SLUICE_REASON_UNDEFINED_TABLE ||
         reason == SLUICE_REASON_UNDEFINED_COLUMN || reason == SLUICE_REASON_UNDEFINED_OBJECT;
}

absl::Status Changed(const v1::Migration& migration, const v1::AppliedMigration& applied) {
  return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("migration `", migration.name(),
                                                                  "` changed after it was applied (applied hash ",
                                                                  applied.hash(), ", now ", migration.hash(), ")")),
                       "MIGRATION_CHANGED", {{"migration", migration.name()}});
}

}  // namespace

std::string MigrationHash(const v1::Migration& migration) {
  return Sha256Hex(absl::StrCat(migration.no_transaction() ? "-- sluice:no-transaction\n" : "",
                                absl::StrJoin(migration.statements(), "\n--> statement-breakpoint\n")));
}

std::vector<std::string> CheckMigrations(const std::vector<v1::Migration>& migrations) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> by_parent;  // parent → the first migration that follows it
  std::map<std::string, int> names;
  for (size_t i = 0; i < migrations.size(); ++i) {
    const v1::Migration& m = migrations[i];
    if (names[m.name()]++ > 0) problems.push_back(absl::StrCat("`", m.name(), "` is listed twice"));
    if (!m.hash().empty() && m.hash() != MigrationHash(m)) {
      problems.push_back(absl::StrCat("`", m.name(), "` was edited: its statements hash to ", MigrationHash(m),
                                      ", the journal says ", m.hash(),
                                      " (restore it from version control; a migration applied anywhere must not "
                                      "change: put the change in a new one, `sluice generate SCHEMA --out DIR "
                                      "--custom NAME`)"));
    }
    // A migration written by hand (no hash in the folder yet) changes no snapshot: it is no branch.
    if (m.hash().empty()) continue;
    auto [it, first] = by_parent.emplace(m.parent(), m.name());
    if (!first) {
      problems.push_back(absl::StrCat("`", it->second, "` and `", m.name(), "` both follow ",
                                      m.parent().empty() ? "nothing (both are first)" : "snapshot " + m.parent(),
                                      ": they were generated on two branches; regenerate one after the other"));
      continue;
    }
    const std::string expected = i == 0 ? "" : SchemaHash(migrations[i - 1].snapshot());
    if (m.parent() != expected) {
      problems.push_back(absl::StrCat("`", m.name(), "` does not follow `",
                                      i == 0 ? "(nothing)" : migrations[i - 1].name(), "`: its parent snapshot is ",
                                      m.parent().empty() ? "none" : m.parent(), ", the one before it ends at ",
                                      expected.empty() ? "none" : expected));
    }
  }
  return problems;
}

absl::Status Migrator::EnsureTable(Database& db, const CallContext& call) {
  return CreateTablesIfMissing(db, call, HistorySchema());
}

absl::StatusOr<std::vector<v1::AppliedMigration>> Migrator::AppliedOn(Connection& conn, Database& db,
                                                                      const CallContext& call,
                                                                      const std::string& schema) {
  v1::Select select;
  select.set_table(kTable);
  for (const char* column : {"name", "hash", "applied_at", "duration_ms", "dirty", "statements_done"}) {
    select.add_columns()->mutable_expression()->mutable_column()->set_name(column);
  }
  *select.mutable_where() = Eq("schema", Str(schema));
  for (const char* column : {"applied_at", "name"}) {
    select.add_order_by()->mutable_expression()->mutable_column()->set_name(column);
  }
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement st, PlanSelect(HistorySchema(), select, "select"));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, ExecuteOn(conn, db, st, &call));
  std::vector<v1::AppliedMigration> applied;
  for (const v1::Row& row : result.rows()) {
    v1::AppliedMigration m;
    m.set_name(row.values(0).string_value());
    m.set_hash(row.values(1).string_value());
    m.set_applied_at(row.values(2).timestamp_value());
    m.set_dirty(row.values(4).bool_value());
    // A dirty row's duration says how it stopped: kRunning (interrupted, or still running) or 0
    // (stopped by a statement's error).
    const int64_t duration = row.values(3).int_value();
    m.set_duration_ms(duration > 0 ? static_cast<uint64_t>(duration) : 0);
    m.set_interrupted(m.dirty() && duration == kRunning);
    m.set_statements_done(static_cast<uint32_t>(row.values(5).int_value()));
    applied.push_back(std::move(m));
  }
  return applied;
}

absl::StatusOr<std::vector<v1::AppliedMigration>> Migrator::Applied(Database& db, const CallContext& call,
                                                                    const std::string& schema) {
  SLUICE_RETURN_IF_ERROR(EnsureTable(db, call));
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  return AppliedOn(*conn, db, call, schema);
}

absl::StatusOr<v1::Schema> Migrator::LastSnapshot(Database& db, const CallContext& call, const std::string& schema,
                                                  uint32_t* count) {
  SLUICE_RETURN_IF_ERROR(EnsureTable(db, call));
  // One read for both, so that a migration applied meanwhile is in both or in neither.
  v1::Select select;
  select.set_table(kTable);
  select.add_columns()->mutable_expression()->mutable_column()->set_name("snapshot");
  // Applied migrations only: a dirty one's snapshot is not the database yet (generating again
  // from the one before gives the dirty migration again, which Migrate then resumes).
  v1::Value clean;
  clean.set_bool_value(false);
  *select.mutable_where()->mutable_and_()->add_conditions() = Eq("schema", Str(schema));
  *select.mutable_where()->mutable_and_()->add_conditions() = Eq("dirty", std::move(clean));
  for (const char* column : {"applied_at", "name"}) {
    select.add_order_by()->mutable_expression()->mutable_column()->set_name(column);
  }
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement st, PlanSelect(HistorySchema(), select, "select"));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, Execute(db, st, false, AsSluiced(call)));
  *count = static_cast<uint32_t>(result.rows_size());
  v1::Schema snapshot;
  if (!result.rows().empty() && !snapshot.ParseFromString(result.rows().rbegin()->values(0).bytes_value())) {
    return absl::DataLossError(absl::StrCat("the snapshot of schema `", schema, "`'s last migration does not parse"));
  }
  return snapshot;
}

absl::StatusOr<v1::GenerateResponse> Migrator::Generate(Database& db, const CallContext& call,
                                                        const v1::GenerateRequest& request) {
  SLUICE_ASSIGN_OR_RETURN(RegisteredSchema registered,
                          registry_.Get(db, call, request.target().schema(), request.version()));
  v1::Schema previous = request.previous();
  uint32_t index = request.index();
  if (!request.has_previous()) {
    uint32_t applied = 0;
    SLUICE_ASSIGN_OR_RETURN(previous, LastSnapshot(db, call, request.target().schema(), &applied));
    if (index == 0) index = applied;
  }
  DialectTraits traits;
  traits.alter_in_place = db.dialect().Has(SLUICE_CAP_ALTER_TABLE);
  traits.enum_types = db.dialect().Has(SLUICE_CAP_ENUM_TYPES);
  SLUICE_ASSIGN_OR_RETURN(SchemaDiff diff, DiffSchemas(previous, registered.index->schema(),
                                                       {request.renames().begin(), request.renames().end()}, traits));
  v1::GenerateResponse response;
  v1::Migration& migration = *response.mutable_migration();
  migration.set_name(request.name().empty() ? absl::StrFormat("%04d_%s_v%d", index, index == 0 ? "initial" : "changes",
                                                              registered.version.version())
                                            : request.name());
  for (const plan::Plan& p : diff.plans) {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(p));
    if (!sql->sql.empty()) migration.add_statements(sql->sql);
  }
  migration.set_hash(MigrationHash(migration));
  *migration.mutable_snapshot() = registered.index->schema();
  if (previous.tables_size() + previous.enums_size() + previous.sequences_size() > 0 || !previous.name().empty()) {
    migration.set_parent(SchemaHash(previous));
  }
  for (const DataLoss& loss : diff.losses) response.add_data_loss(loss.description);
  for (const std::string& a : diff.ambiguous) response.add_ambiguous(a);
  for (std::string& change : typed::ClientBreakingChanges(previous, registered.index->schema(),
                                                          {request.renames().begin(), request.renames().end()})) {
    response.add_client_breaking(std::move(change));
  }
  if (!diff.losses.empty() && !request.allow_data_loss()) {
    std::vector<std::string> steps(response.data_loss().begin(), response.data_loss().end());
    steps.insert(steps.end(), response.ambiguous().begin(), response.ambiguous().end());
    return WithErrorInfo(
        absl::FailedPreconditionError(
            absl::StrCat("the migration would lose data (nothing was generated; set allow_data_loss, `sluice generate "
                         "--allow-data-loss`, to accept): ",
                         absl::StrJoin(steps, "; "))),
        "DATA_LOSS", {{"schema", request.target().schema()}});
  }
  return response;
}

absl::StatusOr<bool> Migrator::ApplyInTransaction(Database& db, const CallContext& call, const std::string& schema,
                                                  const v1::Migration& migration) {
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  // History is read under the migration lock, inside the transaction that applies the
  // migration, so concurrent callers apply each migration once.
  SLUICE_RETURN_IF_ERROR(conn->Begin());
  Unlock unlock{*conn, db};
  SLUICE_RETURN_IF_ERROR(MigrationLock(*conn, db, call, false));
  SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied, AppliedOn(*conn, db, call, schema));
  for (const v1::AppliedMigration& m : applied) {
    if (m.name() != migration.name()) continue;
    if (m.hash() != migration.hash()) return Changed(migration, m);
    SLUICE_RETURN_IF_ERROR(conn->Commit());
    return false;
  }
  const auto start = std::chrono::steady_clock::now();
  for (int s = 0; s < migration.statements_size(); ++s) {
    absl::Status status = ExecuteDdl(*conn, migration.statements(s), call);
    if (!status.ok()) {
      return Prefixed(status, absl::StrCat("migration `", migration.name(), "` statement ", s + 1,
                                           " failed (rolled back, nothing of it applied): "));
    }
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  SLUICE_RETURN_IF_ERROR(Record(*conn, db, call, schema, migration, false, ms));
  SLUICE_RETURN_IF_ERROR(conn->Commit());
  return true;
}

absl::StatusOr<bool> Migrator::ApplyStepwise(Connection& conn, Database& db, const CallContext& call,
                                             const std::string& schema, const v1::Migration& migration) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied, AppliedOn(conn, db, call, schema));
  int start_at = 0;
  bool recorded = false, in_doubt = false;
  for (const v1::AppliedMigration& m : applied) {
    if (m.name() != migration.name()) {
      if (m.dirty()) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                 "migration `", m.name(), "` is dirty (it failed after statement ", m.statements_done(),
                                 "): run Migrate with it again to resume it before `", migration.name(), "`")),
                             "MIGRATION_DIRTY", {{"migration", m.name()}});
      }
      continue;
    }
    if (!m.dirty()) {
      if (m.hash() != migration.hash()) return Changed(migration, m);
      return false;
    }
    // Resume where it stopped. Its statements after those done may have been fixed since: the
    // record takes the new hash.
    start_at = static_cast<int>(m.statements_done());
    in_doubt = m.interrupted();
    recorded = true;
    v1::Value running;
    running.set_int_value(kRunning);
    SLUICE_RETURN_IF_ERROR(Progress(conn, db, call, schema, migration.name(),
                                    {{"hash", Str(migration.hash())}, {"duration_ms", running}}));
  }
  if (!recorded) SLUICE_RETURN_IF_ERROR(Record(conn, db, call, schema, migration, true, 0));
  const auto start = std::chrono::steady_clock::now();
  for (int s = start_at; s < migration.statements_size(); ++s) {
    absl::Status status = ExecuteDdl(conn, migration.statements(s), call);
    if (!status.ok() && s == start_at && in_doubt && AlreadyTookEffect(status)) {
      // The interruption came after this statement ran and before its progress was recorded
      // (each DDL statement is atomic): its effect is there.
      Log("warning", "resumed migration: the statement in doubt had run before the interruption",
          {{"migration", migration.name()},
           {"statement", absl::StrCat(s + 1)},
           {"error", std::string(status.message())}});
      status = absl::OkStatus();
    }
    if (!status.ok()) {
      v1::Value stopped;
      stopped.set_int_value(0);  // by its own error: nothing in doubt
      Progress(conn, db, call, schema, migration.name(), {{"duration_ms", stopped}}).IgnoreError();
      return WithErrorInfo(
          Prefixed(status, absl::StrCat("migration `", migration.name(), "` statement ", s + 1, " failed; ",
                                        migration.no_transaction() ? "it runs outside a transaction"
                                                                   : absl::StrCat("dialect ", db.dialect().name(),
                                                                                  " has no transactional DDL"),
                                        ", so statements 1 to ", s,
                                        " stay applied and the migration is dirty (Status shows it): fix the cause and "
                                        "run Migrate again to resume at statement ",
                                        s + 1, ": ")),
          "MIGRATION_DIRTY", {{"migration", migration.name()}, {"statements_done", absl::StrCat(s)}});
    }
    v1::Value done;
    done.set_int_value(s + 1);
    SLUICE_RETURN_IF_ERROR(Progress(conn, db, call, schema, migration.name(), {{"statements_done", done}}));
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  v1::Value clean, duration, at;
  clean.set_bool_value(false);
  duration.set_int_value(ms);
  at.set_timestamp_value(Now());
  SLUICE_RETURN_IF_ERROR(Progress(conn, db, call, schema, migration.name(),
                                  {{"dirty", clean}, {"duration_ms", duration}, {"applied_at", at}}));
  return true;
}

absl::StatusOr<std::vector<std::string>> Migrator::Migrate(Database& db, const CallContext& call,
                                                           const std::string& schema,
                                                           std::vector<v1::Migration> migrations) {
  if (schema.empty()) return InvalidField("target.schema", "the name of a registered schema is required");
  if (migrations.empty()) {
    v1::GenerateRequest request;
    request.mutable_target()->set_schema(schema);
    SLUICE_ASSIGN_OR_RETURN(v1::GenerateResponse generated, Generate(db, call, request));
    if (generated.migration().statements().empty()) return std::vector<std::string>{};  // nothing changed
    migrations.push_back(std::move(*generated.mutable_migration()));
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
  SLUICE_RETURN_IF_ERROR(EnsureTable(db, call));

  std::vector<std::string> done;
  if (db.dialect().Has(SLUICE_CAP_TRANSACTIONAL_DDL)) {
    for (const v1::Migration& migration : migrations) {
      bool ran = false;
      if (migration.no_transaction()) {  // statement by statement, under the lock
        SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
        SLUICE_RETURN_IF_ERROR(MigrationLock(*conn, db, call, false));
        Unlock unlock{*conn, db};
        SLUICE_ASSIGN_OR_RETURN(ran, ApplyStepwise(*conn, db, call, schema, migration));
      } else {
        SLUICE_ASSIGN_OR_RETURN(ran, ApplyInTransaction(db, call, schema, migration));
      }
      if (ran) done.push_back(migration.name());
    }
    return done;
  }
  // One connection holds the lock for the whole run; each statement commits by itself.
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  SLUICE_RETURN_IF_ERROR(MigrationLock(*conn, db, call, false));
  Unlock unlock{*conn, db};
  for (const v1::Migration& migration : migrations) {
    SLUICE_ASSIGN_OR_RETURN(bool ran, ApplyStepwise(*conn, db, call, schema, migration));
    if (ran) done.push_back(migration.name());
  }
  return done;
}

absl::StatusOr<std::vector<std::string>> Migrator::Baseline(Database& db, const CallContext& call,
                                                            const std::string& schema,
                                                            std::vector<v1::Migration> migrations) {
  if (schema.empty()) return InvalidField("target.schema", "the name of a registered schema is required");
  if (migrations.empty()) {
    return InvalidField("migrations", "a baseline records the migrations given as applied: give them (a folder)");
  }
  for (size_t i = 0; i < migrations.size(); ++i) {
    const std::string hash = MigrationHash(migrations[i]);
    if (!migrations[i].hash().empty() && migrations[i].hash() != hash) {
      return InvalidField(absl::StrCat("migrations[", i, "].hash"),
                          absl::StrCat("the hash does not match the statements (", hash, ")"));
    }
    migrations[i].set_hash(hash);
  }
  SLUICE_RETURN_IF_ERROR(EnsureTable(db, call));
  // What the last migration leaves, as the live database must already be.
  Managed managed;
  managed.latest = std::make_shared<const SchemaIndex>(migrations.back().snapshot());
  managed.owned.Add(migrations.back().snapshot());
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  SLUICE_RETURN_IF_ERROR(MigrationLock(*conn, db, call, false));
  Unlock unlock{*conn, db};
  SLUICE_ASSIGN_OR_RETURN(LiveDiff live, DiffLive(*conn, db, managed, {}));
  if (!live.statements.empty()) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat(
            "the database is not what `", migrations.back().name(),
            "` leaves, so it cannot be recorded as applied (nothing was recorded); these statements would make it so: ",
            absl::StrJoin(live.statements, "; "))),
        "BASELINE_MISMATCH", {{"migration", migrations.back().name()}});
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<v1::AppliedMigration> applied, AppliedOn(*conn, db, call, schema));
  std::vector<std::string> recorded;
  for (const v1::Migration& migration : migrations) {
    const bool known = std::any_of(applied.begin(), applied.end(),
                                   [&](const v1::AppliedMigration& m) { return m.name() == migration.name(); });
    if (known) continue;
    SLUICE_RETURN_IF_ERROR(Record(*conn, db, call, schema, migration, false, 0));
    recorded.push_back(migration.name());
  }
  return recorded;
}

namespace {

DialectTraits TraitsOf(const DialectPlugin& dialect) {
  DialectTraits traits;
  traits.alter_in_place = dialect.Has(SLUICE_CAP_ALTER_TABLE);
  traits.enum_types = dialect.Has(SLUICE_CAP_ENUM_TYPES);
  return traits;
}

// Rows at stake for one destructive step, counted in the live database; -1 when they cannot be.
int64_t RowsAtStake(Connection& conn, Database& db, const CallContext& call, const SchemaIndex& live,
                    const DataLoss& loss, const std::vector<v1::RenameHint>& renames) {
  std::string table = loss.table.name();
  if (live.FindTable(table) == nullptr) {
    for (const v1::RenameHint& r : renames) {
      if (r.from_column().empty() && r.table() == table) table = r.from_table();
    }
  }
  const TableInfo* info = live.FindTable(table);
  if (info == nullptr) return -1;
  v1::Select select;
  select.set_table(table);
  select.add_columns()->mutable_expression()->mutable_aggregate()->set_function(v1::Aggregate::COUNT);
  const bool has_column = !loss.column.empty() && live.FindColumn(*info, loss.column) != nullptr;
  if (has_column) {
    v1::Expression* subject = loss.kind == DataLoss::kNotNull ? select.mutable_where()->mutable_is_null()
                                                              : select.mutable_where()->mutable_is_not_null();
    subject->mutable_column()->set_name(loss.column);
  }
  auto planned = PlanSelect(live, select, "select");
  if (!planned.ok()) return -1;
  auto result = ExecuteOn(conn, db, *planned, &call);
  if (!result.ok() || result->rows().empty()) return -1;
  return result->rows(0).values(0).int_value();
}

}  // namespace

absl::StatusOr<Migrator::Managed> Migrator::ManagedBy(Database& db, const CallContext& call,
                                                      const std::string& schema) {
  Managed out;
  SLUICE_ASSIGN_OR_RETURN(RegisteredSchema registered, registry_.Get(db, call, schema, 0));
  out.latest = registered.index;
  for (uint32_t v = registered.version.version(); v >= 1; --v) {
    SLUICE_ASSIGN_OR_RETURN(RegisteredSchema version, registry_.Get(db, call, schema, v));
    out.owned.Add(version.index->schema());
  }
  return out;
}

absl::StatusOr<Migrator::LiveDiff> Migrator::DiffLive(Connection& conn, Database& db, const Managed& managed,
                                                      const std::vector<v1::RenameHint>& renames) {
  const v1::Schema& want = managed.latest->schema();
  std::set<std::string> namespaces = NamespacesOf(want);
  namespaces.insert("");  // the default one
  SLUICE_ASSIGN_OR_RETURN(plan::Catalog catalog, conn.Introspect({namespaces.begin(), namespaces.end()}));
  LiveDiff out;
  out.live = SchemaFromCatalog(catalog, want.name());
  KeepOwned(managed.owned, &out.live);
  Reconcile(db.dialect(), want, &out.live);
  SLUICE_ASSIGN_OR_RETURN(out.diff, DiffSchemas(out.live, want, renames, TraitsOf(db.dialect())));
  for (const plan::Plan& p : out.diff.plans) {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(p));
    if (!sql->sql.empty()) out.statements.push_back(sql->sql);
  }
  return out;
}

absl::StatusOr<v1::Schema> Migrator::Pull(Database& db, const CallContext& call, const v1::PullRequest& request) {
  std::vector<FieldViolation> invalid;
  for (int i = 0; i < request.namespaces_size(); ++i) {
    const std::string& name = request.namespaces(i);
    // The plugin ABI lists namespaces comma-separated; no database names one with a NUL.
    if (name.empty() || name.size() > 128 || name.find_first_of(std::string(",\0", 2)) != std::string::npos) {
      invalid.push_back(
          {absl::StrCat("namespaces[", i, "]"), "a namespace name is 1 to 128 bytes, without `,` or NUL"});
    }
  }
  if (!invalid.empty()) return InvalidFields(invalid);
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  std::vector<std::string> namespaces(request.namespaces().begin(), request.namespaces().end());
  SLUICE_ASSIGN_OR_RETURN(plan::Catalog catalog, conn->Introspect(namespaces));
  v1::Schema schema =
      SchemaFromCatalog(catalog, request.target().schema().empty() ? "pulled" : request.target().schema());
  KeepRoles({}, &schema);  // the server's roles that the tables name
  if (request.relations()) AddRelationsFromForeignKeys(&schema);
  return schema;
}

absl::StatusOr<std::vector<std::string>> Migrator::Drift(Database& db, const CallContext& call,
                                                         const std::string& schema) {
  SLUICE_ASSIGN_OR_RETURN(Managed managed, ManagedBy(db, call, schema));  // before a connection is held
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  SLUICE_ASSIGN_OR_RETURN(LiveDiff live, DiffLive(*conn, db, managed, {}));
  return live.statements;
}

absl::StatusOr<v1::PushResponse> Migrator::Push(Database& db, const CallContext& call, const v1::PushRequest& request) {
  if (request.target().schema().empty())
    return InvalidField("target.schema", "the name of a registered schema is required");
  const std::vector<v1::RenameHint> renames(request.renames().begin(), request.renames().end());
  // The registry is read before a connection is held: a call never waits for a second one.
  SLUICE_ASSIGN_OR_RETURN(Managed managed, ManagedBy(db, call, request.target().schema()));
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  const bool transactional = db.dialect().Has(SLUICE_CAP_TRANSACTIONAL_DDL);
  // Read and change under the migration lock, in one transaction where DDL is transactional.
  if (!request.dry_run() && transactional) SLUICE_RETURN_IF_ERROR(conn->Begin());
  Unlock unlock{*conn, db};
  if (!request.dry_run()) SLUICE_RETURN_IF_ERROR(MigrationLock(*conn, db, call, false));
  SLUICE_ASSIGN_OR_RETURN(LiveDiff live, DiffLive(*conn, db, managed, renames));
  v1::PushResponse response;
  for (const std::string& s : live.statements) response.add_statements(s);
  for (const std::string& a : live.diff.ambiguous) response.add_ambiguous(a);
  if (!live.statements.empty()) {  // nothing to do: nothing changes for clients either
    for (std::string& change : typed::ClientBreakingChanges(live.live, managed.latest->schema(), renames)) {
      response.add_client_breaking(std::move(change));
    }
  }
  const SchemaIndex live_index(live.live);
  std::vector<std::string> at_stake;
  for (const DataLoss& loss : live.diff.losses) {
    const int64_t rows = RowsAtStake(*conn, db, call, live_index, loss, renames);
    const std::string line = rows < 0 ? absl::StrCat(loss.description, ": rows unknown")
                                      : absl::StrCat(loss.description, ": ", rows, rows == 1 ? " row" : " rows");
    response.add_data_loss(line);
    if (rows != 0) at_stake.push_back(line);
  }
  if (request.dry_run() || live.statements.empty()) return response;
  if (!at_stake.empty() && !request.allow_data_loss()) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("push would lose data (nothing was changed; set allow_data_loss, `sluice "
                                          "push --allow-data-loss`, to accept): ",
                                          absl::StrJoin(at_stake, "; "))),
                         "DATA_LOSS", {{"schema", request.target().schema()}});
  }
  for (size_t i = 0; i < live.statements.size(); ++i) {
    absl::Status status = ExecuteDdl(*conn, live.statements[i], call);
    if (!status.ok()) {
      return Prefixed(status, absl::StrCat("push statement ", i + 1, " failed (",
                                           transactional ? "rolled back, nothing changed"
                                                         : absl::StrCat("statements 1 to ", i, " stay applied"),
                                           "): "));
    }
  }
  if (transactional) SLUICE_RETURN_IF_ERROR(conn->Commit());
  response.set_applied(true);
  return response;
}

}  // namespace sluice
