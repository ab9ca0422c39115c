// Runs a planned statement: compile through the dialect (cached), prepare on a pooled
// connection (cached), bind the parameters, step, and decode typed rows.
#ifndef SLUICE_EXECUTOR_EXECUTOR_H_
#define SLUICE_EXECUTOR_EXECUTOR_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "executor/call_watchdog.h"
#include "executor/connection.h"
#include "executor/database.h"
#include "executor/row_reader.h"
#include "planner/planner.h"
#include "sluice/v1/query.pb.h"

namespace sluice {

// The SQL and its parameters in placeholder order (what `to_sql` returns).
v1::Statement ToStatement(const CompiledSql& sql, const PlannedStatement& statement);

// A statement's error once the watchdog (or the event loop) interrupted it for `call`:
// DEADLINE_EXCEEDED when the deadline passed, CANCELLED otherwise, with the database's words.
absl::Status InterruptedStatus(const absl::Status& error, const CallContext& call);

// The query log's line for a statement (when `call.query_log`).
void LogStatement(const CallContext& call, const CompiledSql& sql, absl::Time start,
                  const absl::StatusOr<v1::QueryResult>& result);

// Whether `statement` needs the locking re-read for UPDATE ... RETURNING on `db`'s dialect
// (UNIMPLEMENTED when it needs it and has no primary key to read by).
absl::StatusOr<bool> NeedsReturningFallback(const Database& db, const PlannedStatement& statement);

// Runs `sql` for `statement` on `conn` (inside whatever transaction it has open). With a
// `call`, the statement is interrupted when the call is cancelled (CANCELLED) or its deadline
// passes (DEADLINE_EXCEEDED). With `batches`, full batches of rows are emitted as they come and
// the result holds only the rest.
absl::StatusOr<v1::QueryResult> ExecuteOn(Connection& conn, const CompiledSql& sql, const PlannedStatement& statement,
                                          const CallContext* call = nullptr, const RowBatches* batches = nullptr);

// One statement without parameters or results (DDL, locks) on `conn`, bounded by `call` as above.
absl::Status ExecuteDdl(Connection& conn, const std::string& sql, const CallContext& call);

// The same, compiling `statement` through `db`'s cache first.
absl::StatusOr<v1::QueryResult> ExecuteOn(Connection& conn, Database& db, const PlannedStatement& statement,
                                          const CallContext* call = nullptr);

// Whether `statement` may run on a read replica of `db`: a select that locks nothing, run outside
// a transaction (Execute, ExecuteStream, Explain without analyze), in a call not pinned to the
// primary, on a database with replicas.
bool ReadsFromReplica(const Database& db, const PlannedStatement& statement, const CallContext& call);

// `call` as sluiced's own work on its own tables (the schema registry, the migration history):
// read where they were written (the primary), as sluiced's own user (not the call's role).
inline CallContext AsSluiced(CallContext call) {
  call.primary = true;
  call.role.clear();
  call.claims.clear();
  return call;
}

// The call's role and claims in the transaction open on `conn` (until it ends); nothing for a
// call without a role. UNIMPLEMENTED on a dialect without roles.
absl::Status SetCallRole(Connection& conn, Database& db, const CallContext& call);

// Runs `statement` on `conn` inside whatever transaction it has open, emulating UPDATE ...
// RETURNING where the dialect lacks it (in a transaction of its own when none is open).
absl::StatusOr<v1::QueryResult> ExecuteStatement(Connection& conn, Database& db, const PlannedStatement& statement,
                                                 const CallContext& call);

// Compiles and runs `statement` on a connection of `db`'s pool (waiting for one until the
// call's deadline), or of a replica's for a read (ReadsFromReplica: each replica that may be
// tried in turn, then the primary; a replica that cannot be reached is left out of reads for a
// while and the next one tried); with `to_sql`, only compiles.
absl::StatusOr<v1::QueryResult> Execute(Database& db, const PlannedStatement& statement, bool to_sql,
                                        const CallContext& call = CallContext());

// EXPLAIN of `statement` on a pooled connection: the database's plan as text (`plan`) and the
// statement explained (`statement`). With `analyze` the statement runs, inside a transaction that
// is rolled back.
absl::StatusOr<v1::QueryResult> Explain(Database& db, const PlannedStatement& statement, bool analyze,
                                        const CallContext& call);

// Runs a select on a pooled connection, emitting its rows in batches as the database produces
// them (the first batch carries the columns; a result with no rows emits one empty batch).
absl::Status ExecuteStream(Database& db, const PlannedStatement& statement, const CallContext& call,
                           const RowBatches& batches);

// Raw SQL in the dialect's own syntax, its placeholders bound to `params` in order (never spliced
// into the text). Result columns are named by the database and typed by their values.
absl::StatusOr<v1::QueryResult> ExecuteRaw(Database& db, const std::string& sql, const std::vector<v1::Value>& params,
                                           const CallContext& call);

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_EXECUTOR_H_
