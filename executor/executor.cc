#include "executor/executor.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "executor/value_codec.h"

namespace sluice {

v1::Statement ToStatement(const CompiledSql& sql, const PlannedStatement& statement) {
  v1::Statement out;
  out.set_sql(sql.sql);
  for (uint32_t index : sql.param_index) *out.add_params() = statement.params.at(index);
  return out;
}

namespace {

absl::StatusOr<v1::QueryResult> Run(Connection& conn, const CompiledSql& sql, const PlannedStatement& statement,
                                    const RowBatches* batches, size_t max_rows, const std::string& comment) {
  // A commented statement is one text per call: prepared for it alone, not cached.
  SLUICE_ASSIGN_OR_RETURN(Statement stmt, comment.empty() ? conn.Prepare(sql.sql)
                                                          : conn.PrepareTransient(absl::StrCat(sql.sql, " ", comment)));
  // The statement stays cached on the connection: rewind it whatever happens below.
  struct Rewind {
    Statement& stmt;
    ~Rewind() { stmt.Reset(); }
  } rewind{stmt};
  SLUICE_RETURN_IF_ERROR(BindParameters(stmt, sql, statement, conn.dialect().name()));
  RowReader reader(statement, batches, max_rows, conn.dialect().name());
  SLUICE_RETURN_IF_ERROR(reader.Read(stmt).status());
  return reader.Finish(stmt);
}

}  // namespace

namespace {

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

// `run()` (a statement on `conn`) bounded by `call`: the watchdog interrupts it when the call is
// cancelled or its deadline passes, and its error then says so (CANCELLED, DEADLINE_EXCEEDED).
// The connection stays usable.
template <typename Run>
auto Bounded(Connection& conn, const CallContext& call, Run run) -> decltype(run()) {
  // Cancellation is left to the watchdog: asking gRPC's synchronous server polls the call's
  // completion queue, which cost more than the point select itself.
  if (absl::Now() >= call.deadline) {
    return absl::DeadlineExceededError("the call's deadline passed before the statement ran");
  }
  auto watch = CallWatchdog::Instance().Start(&conn, &call);
  auto result = run();
  if (!StatusOf(result).ok() && watch->fired()) return InterruptedStatus(StatusOf(result), call);
  return result;
}

}  // namespace

absl::Status InterruptedStatus(const absl::Status& error, const CallContext& call) {
  const std::string message(error.message());
  if (absl::Now() >= call.deadline) {
    return absl::DeadlineExceededError(
        absl::StrCat("the call's deadline passed while the statement ran (", message, ")"));
  }
  return absl::CancelledError(absl::StrCat("the call was cancelled while the statement ran (", message, ")"));
}

void LogStatement(const CallContext& call, const CompiledSql& sql, absl::Time start,
                  const absl::StatusOr<v1::QueryResult>& result) {
  if (!call.query_log) return;
  Log("info", "query",
      {{"sql", sql.sql},
       {"params", absl::StrCat(sql.param_index.size())},
       {"ms", absl::StrCat(absl::ToDoubleMilliseconds(absl::Now() - start))},
       {"rows", result.ok() ? absl::StrCat(result->rows_size()) : "-"},
       {"status", result.ok() ? "OK" : std::string(absl::StatusCodeToString(result.status().code()))},
       {"trace_id", call.trace_id},
       {"span_id", call.span_id}});
}

absl::StatusOr<v1::QueryResult> ExecuteOn(Connection& conn, const CompiledSql& sql, const PlannedStatement& statement,
                                          const CallContext* call, const RowBatches* batches) {
  if (call == nullptr) return Run(conn, sql, statement, batches, 0, "");
  return Bounded(conn, *call, [&]() -> absl::StatusOr<v1::QueryResult> {
    const absl::Time start = absl::Now();
    auto result = Run(conn, sql, statement, batches, call->max_rows, call->sql_comment);
    LogStatement(*call, sql, start, result);
    return result;
  });
}

absl::Status ExecuteDdl(Connection& conn, const std::string& sql, const CallContext& call) {
  return Bounded(conn, call, [&] { return conn.ExecuteOnce(sql); });
}

absl::StatusOr<v1::QueryResult> ExecuteOn(Connection& conn, Database& db, const PlannedStatement& statement,
                                          const CallContext* call) {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(statement));
  return ExecuteOn(conn, *sql, statement, call);
}

absl::StatusOr<bool> NeedsReturningFallback(const Database& db, const PlannedStatement& statement) {
  if (!statement.plan_ref().has_update() || statement.columns_ref().empty() ||
      db.dialect().Has(SLUICE_CAP_UPDATE_RETURNING)) {
    return false;
  }
  if (statement.plan_ref().update().returning_reads_from()) {
    return absl::UnimplementedError(absl::StrCat("dialect ", db.dialect().name(),
                                                 " has no UPDATE ... RETURNING: it cannot return columns of the "
                                                 "update's `from` sources"));
  }
  if (!statement.returning_fallback) {
    return absl::UnimplementedError(
        absl::StrCat("dialect ", db.dialect().name(), " has no UPDATE ... RETURNING, and table `",
                     statement.plan_ref().update().table().name(), "` has no primary key to read the updated rows by"));
  }
  return true;
}

namespace {

// UPDATE ... RETURNING where the dialect has none (see ReturningFallback), inside the
// connection's transaction or one of its own.
absl::StatusOr<v1::QueryResult> UpdateReturning(Connection& conn, Database& db, const PlannedStatement& statement,
                                                const CallContext& call) {
  const ReturningFallback& fallback = *statement.returning_fallback;
  const bool own_transaction = !conn.in_transaction();
  if (own_transaction) SLUICE_RETURN_IF_ERROR(conn.Begin());
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult keys, ExecuteOn(conn, db, fallback.lock_keys, &call));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, ExecuteOn(conn, db, fallback.update, &call));
  PlannedStatement reread = fallback.reread;
  for (const v1::Row& key : keys.rows()) {
    // The key's parameters come last (ReturningFallback).
    std::copy(key.values().begin(), key.values().end(), reread.params.end() - key.values_size());
    SLUICE_ASSIGN_OR_RETURN(v1::QueryResult row, ExecuteOn(conn, db, reread, &call));
    for (auto& r : *row.mutable_rows()) *result.add_rows() = std::move(r);
  }
  *result.mutable_columns() = ResultColumnsOf(statement);
  if (own_transaction) SLUICE_RETURN_IF_ERROR(conn.Commit());
  return result;
}

// An insert of more rows than one statement of the dialect can bind (TOO_MANY_PARAMETERS): its
// rows in halves, each split again while it is still too large, all in one transaction (the
// connection's, or one of its own); one result as one statement would have answered.
absl::StatusOr<v1::QueryResult> InsertInParts(Connection& conn, Database& db, const PlannedStatement& statement,
                                              const CallContext& call) {
  const bool own_transaction = !conn.in_transaction();
  if (own_transaction) SLUICE_RETURN_IF_ERROR(conn.Begin());
  const auto& rows = statement.plan_ref().insert().rows();
  v1::QueryResult result;
  for (const auto [begin, end] : {std::pair{0, rows.size() / 2}, std::pair{rows.size() / 2, rows.size()}}) {
    PlannedStatement part = statement;  // the same parameters: the plan refers to them by index
    part.plan = statement.plan_ref();
    part.shared_plan = nullptr;
    auto* part_rows = part.plan.mutable_insert()->mutable_rows();
    part_rows->Clear();
    for (int i = begin; i < end; ++i) *part_rows->Add() = rows[i];
    absl::StatusOr<v1::QueryResult> done = ExecuteStatement(conn, db, part, call);
    if (!done.ok()) {
      if (own_transaction) conn.Rollback().IgnoreError();  // the error that matters is the insert's
      return done.status();
    }
    if (result.columns().empty()) *result.mutable_columns() = done->columns();
    for (auto& row : *done->mutable_rows()) *result.add_rows() = std::move(row);
    result.set_rows_affected(result.rows_affected() + done->rows_affected());
    // MySQL / MariaDB report the first row's key, SQLite the last row's.
    const bool first = db.dialect().name() == "mysql";
    if (done->has_last_insert_id() && (!first || !result.has_last_insert_id())) {
      result.set_last_insert_id(done->last_insert_id());
    }
  }
  if (own_transaction) SLUICE_RETURN_IF_ERROR(conn.Commit());
  return result;
}

}  // namespace

absl::StatusOr<v1::QueryResult> ExecuteStatement(Connection& conn, Database& db, const PlannedStatement& statement,
                                                 const CallContext& call) {
  SLUICE_ASSIGN_OR_RETURN(bool fallback, NeedsReturningFallback(db, statement));
  if (fallback) return UpdateReturning(conn, db, statement, call);
  absl::StatusOr<std::shared_ptr<const CompiledSql>> sql = db.Compile(statement);
  if (!sql.ok() && ErrorReason(sql.status()) == SLUICE_REASON_TOO_MANY_PARAMETERS &&
      statement.plan_ref().has_insert() && statement.plan_ref().insert().rows_size() > 1) {
    return InsertInParts(conn, db, statement, call);
  }
  SLUICE_RETURN_IF_ERROR(sql.status());
  return ExecuteOn(conn, **sql, statement, &call);
}

absl::Status SetCallRole(Connection& conn, Database& db, const CallContext& call) {
  if (call.role.empty()) return absl::OkStatus();
  PlannedStatement set;
  set.plan.mutable_call_role()->mutable_role()->set_param(0);
  set.plan.mutable_call_role()->mutable_claims()->set_param(1);
  set.params.resize(2);
  set.params[0].set_string_value(call.role);
  set.params[1].set_string_value(call.claims);
  set.describe_columns = true;  // set_config's two results, unread
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(set.plan));
  return ExecuteOn(conn, *sql, set, &call).status();
}

bool ReadsFromReplica(const Database& db, const PlannedStatement& statement, const CallContext& call) {
  return !call.primary && !db.replicas().empty() && statement.plan_ref().has_select() &&
         !statement.plan_ref().select().for_update();
}

namespace {

using RunOn = std::function<absl::StatusOr<v1::QueryResult>(Connection&)>;

// `run` on `conn` as the call's role: inside a transaction begun for it (committed when `run`
// succeeds and `keep`, else rolled back) where none is open. `run` alone for a call without one.
absl::StatusOr<v1::QueryResult> AsCallRole(Connection& conn, Database& db, const CallContext& call, const RunOn& run,
                                           bool keep = true) {
  if (call.role.empty()) return run(conn);
  const bool own = !conn.in_transaction();
  if (own) SLUICE_RETURN_IF_ERROR(conn.Begin());
  const absl::Status set = SetCallRole(conn, db, call);
  absl::StatusOr<v1::QueryResult> result = set.ok() ? run(conn) : absl::StatusOr<v1::QueryResult>(set);
  if (own) {
    const absl::Status ended = result.ok() && keep ? conn.Commit() : conn.Rollback();
    if (result.ok() && !ended.ok()) return ended;
  }
  return result;
}

// `run` on a pooled connection for `statement`: a read on each replica that may be tried in turn,
// then on the primary; anything else on the primary. A replica that cannot be reached
// (UNAVAILABLE: no connection, or the connection broke) is left out and the next tried (a read
// is safe to repeat), unless `run` has already answered part of the call (`started`).
absl::StatusOr<v1::QueryResult> OnConnection(Database& db, const PlannedStatement& statement, const CallContext& call,
                                             const RunOn& run, const bool* started = nullptr, bool keep = true) {
  if (ReadsFromReplica(db, statement, call)) {
    for (Replica* replica : db.ReadReplicas()) {
      absl::StatusOr<ConnectionPool::Lease> conn = replica->pool().Acquire(call.deadline);
      absl::StatusOr<v1::QueryResult> result = conn.ok() ? AsCallRole(**conn, db, call, run, keep) : conn.status();
      if (result.ok()) replica->Answered();
      if (result.status().code() != absl::StatusCode::kUnavailable || (started != nullptr && *started)) return result;
      replica->Failed(result.status());
    }
  }
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  return AsCallRole(*conn, db, call, run, keep);
}

}  // namespace

absl::StatusOr<v1::QueryResult> Execute(Database& db, const PlannedStatement& statement, bool to_sql,
                                        const CallContext& call) {
  if (to_sql) {
    SLUICE_ASSIGN_OR_RETURN(bool fallback, NeedsReturningFallback(db, statement));
    const PlannedStatement& compiled = fallback ? statement.returning_fallback->update : statement;
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(compiled));
    v1::QueryResult result;
    *result.mutable_statement() = ToStatement(*sql, compiled);
    return result;
  }
  return OnConnection(db, statement, call,
                      [&](Connection& conn) { return ExecuteStatement(conn, db, statement, call); });
}

absl::Status ExecuteStream(Database& db, const PlannedStatement& statement, const CallContext& call,
                           const RowBatches& batches) {
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(statement));
  bool started = false;
  const RowBatches counted{batches.rows, [&](v1::QueryResult& batch) {
                             started = true;
                             return batches.emit(batch);
                           }};
  SLUICE_ASSIGN_OR_RETURN(
      v1::QueryResult rest,
      OnConnection(
          db, statement, call, [&](Connection& conn) { return ExecuteOn(conn, *sql, statement, &call, &counted); },
          &started));
  // The last batch (with the columns too, when the result was small).
  if (rest.rows_size() > 0 || rest.columns_size() > 0) {
    if (!batches.emit(rest)) return absl::CancelledError("the client stopped reading");
  }
  return absl::OkStatus();
}

namespace {

std::string Text(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kStringValue:
      return value.string_value();
    case v1::Value::kJsonValue:
      return value.json_value();
    case v1::Value::kIntValue:
      return absl::StrCat(value.int_value());
    case v1::Value::kNullValue:
      return "";
    default:
      return value.ShortDebugString();
  }
}

// The plan as text: the rows of SQLite's EXPLAIN QUERY PLAN (id, parent, notused, detail) as a
// tree indented by depth; a document (PostgreSQL's, MariaDB's JSON) as it is.
std::string PlanText(const v1::QueryResult& rows) {
  std::string text;
  const bool tree = rows.columns_size() == 4 && rows.columns(3).name() == "detail";
  std::map<int64_t, int> depth{{0, -1}};
  for (const v1::Row& row : rows.rows()) {
    if (row.values().empty()) continue;
    if (!text.empty()) text += "\n";
    if (!tree) {
      text += Text(row.values(0));
      continue;
    }
    const int level = depth[row.values(1).int_value()] + 1;
    depth[row.values(0).int_value()] = level;
    text += std::string(2 * level, ' ') + Text(row.values(3));
  }
  return text;
}

}  // namespace

absl::StatusOr<v1::QueryResult> Explain(Database& db, const PlannedStatement& statement, bool analyze,
                                        const CallContext& call) {
  SLUICE_ASSIGN_OR_RETURN(bool fallback, NeedsReturningFallback(db, statement));
  const PlannedStatement& target = fallback ? statement.returning_fallback->update : statement;
  PlannedStatement explain;
  *explain.plan.mutable_explain()->mutable_statement() = target.plan_ref();
  explain.plan.mutable_explain()->set_analyze(analyze);
  explain.params = target.params;
  explain.describe_columns = true;
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> explained, db.Compile(target));
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db.Compile(explain.plan));
  // A read is explained where it would run; ANALYZE (which runs the statement) on the primary.
  CallContext routed = call;
  routed.primary |= analyze;
  // ANALYZE runs inside a transaction that is rolled back (the call role's, when it has one).
  const RunOn explain_on = [&](Connection& conn) -> absl::StatusOr<v1::QueryResult> {
    const bool own = analyze && !conn.in_transaction();
    if (own) SLUICE_RETURN_IF_ERROR(conn.Begin());
    absl::StatusOr<v1::QueryResult> rows = ExecuteOn(conn, *sql, explain, &call);
    if (own) {
      const absl::Status rolled_back = conn.Rollback();
      if (rows.ok() && !rolled_back.ok()) return rolled_back;
    }
    return rows;
  };
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult rows,
                          OnConnection(db, target, routed, explain_on, /*started=*/nullptr, /*keep=*/!analyze));
  v1::QueryResult result;
  *result.mutable_statement() = ToStatement(*explained, target);
  result.set_plan(PlanText(rows));
  return result;
}

absl::StatusOr<v1::QueryResult> ExecuteRaw(Database& db, const std::string& sql, const std::vector<v1::Value>& params,
                                           const CallContext& call) {
  CompiledSql compiled{sql, {}};
  for (uint32_t i = 0; i < params.size(); ++i) compiled.param_index.push_back(i);
  PlannedStatement statement;
  statement.params = params;
  statement.describe_columns = true;
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db.pool().Acquire(call.deadline));
  return AsCallRole(*conn, db, call, [&](Connection& c) { return ExecuteOn(c, compiled, statement, &call); });
}

}  // namespace sluice
