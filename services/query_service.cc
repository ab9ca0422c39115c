#include "services/query_service.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "executor/executor.h"
#include "executor/nested_rows.h"
#include "executor/nonblocking.h"
#include "executor/transaction.h"
#include "planner/planner.h"
#include "planner/table_lookup.h"
#include "services/grpc_status.h"

namespace sluice {

// The methods served on the completion-queue API, once for both lists below, each with whether
// its handler builds the response in place (UnaryCalls::Method::arena): the relational reads
// decode their rows straight into it; the others move in a result the executor built.
// clang-format off
#define SLUICE_UNARY_METHODS(X)                                              \
  X(Select, false) X(Insert, false) X(Update, false) X(Delete, false)        \
  X(FindMany, true) X(FindFirst, true) X(ExecutePrepared, false) X(Batch, false)
// clang-format on

std::vector<std::string> QueryServiceImpl::DecodingMethodPaths() {
#define SLUICE_UNARY_PATH(Name, arena) "/sluice.v1.QueryService/" #Name,
  return {SLUICE_UNARY_METHODS(SLUICE_UNARY_PATH) "/sluice.v1.QueryService/SelectStream"};
#undef SLUICE_UNARY_PATH
}

void QueryServiceImpl::ServeUnary(UnaryCalls& calls) {
  using namespace std::placeholders;  // NOLINT: the generated RequestX and our handlers, bound
#define SLUICE_SERVE_UNARY(Name, arena)                                           \
  calls.Serve<v1::Name##Request, v1::Name##Response>(                             \
      {std::bind(&QueryServiceBase::Request##Name, this, _1, _2, _3, _4, _4, _5), \
       std::bind(&QueryServiceImpl::Name, this, _1, _2, _3, _4), arena});
  SLUICE_UNARY_METHODS(SLUICE_SERVE_UNARY)
#undef SLUICE_SERVE_UNARY
}
#undef SLUICE_UNARY_METHODS

// One call of a single statement on its way.
struct QueryServiceImpl::StatementCall {
  Database* db = nullptr;
  std::shared_ptr<const PlannedStatement> statement;
  // The result into the response.
  std::function<absl::Status(v1::QueryResult)> respond;

  // `planned` as the statement, its result as `out`.
  absl::Status Set(absl::StatusOr<PlannedStatement> planned, v1::QueryResult* out);
};

// request → database and (cached) schema → plan → compiled SQL → sent on an idle connection, on
// gRPC's thread; the event loop decodes the rows and finishes the call. What would block (a
// schema to re-read, a connection to open, a statement to prepare, a driver without the
// non-blocking path) is done by a worker, the same steps in the blocking form.
void QueryServiceImpl::Statement(grpc::ServerContext* context, const google::protobuf::Message& request,
                                 const char* method, const std::string& database, Mode mode, Resolve resolve,
                                 Answer answer) {
  // EXPLAIN ANALYZE runs the statement whatever it is (a write rolled back): an admin's call.
  const Scope scope = mode.explain && mode.analyze ? Scope::kAdmin : Scope::kData;
  state_.ServeAsync(context, method, scope, database, &request, std::move(answer), [&](ServerState::Finish finish) {
    if (mode.explain && mode.to_sql) return finish(InvalidField("explain", "give to_sql or explain, not both"));
    if (mode.analyze && !mode.explain) return finish(InvalidField("analyze", "analyze qualifies explain: set both"));
    auto call = std::make_shared<StatementCall>();
    const CallContext cc = state_.CallOf(context);
    absl::StatusOr<bool> resolved = resolve(*call, cc, /*cached_only=*/true);
    if (!resolved.ok()) return finish(resolved.status());
    if (*resolved && mode.to_sql) {  // compiling never waits for the database
      absl::StatusOr<v1::QueryResult> sql = Execute(*call->db, *call->statement, /*to_sql=*/true, cc);
      return finish(sql.ok() ? call->respond(*std::move(sql)) : sql.status());
    }
    // The blocking steps, on a worker.
    auto blocking = [this, call, cc, resolve = std::move(resolve), finish, mode] {
      state_.workers->Run([call, cc, resolve, finish, mode] {
        finish([&]() -> absl::Status {
          if (call->statement == nullptr) SLUICE_RETURN_IF_ERROR(resolve(*call, cc, false).status());
          SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, mode.explain
                                                              ? Explain(*call->db, *call->statement, mode.analyze, cc)
                                                              : Execute(*call->db, *call->statement, mode.to_sql, cc));
          return call->respond(std::move(result));
        }());
      });
    };
    if (*resolved && !mode.explain) {
      ResultCallback done = [call, cc, finish, blocking](absl::StatusOr<v1::QueryResult> result) {
        // A replica that could not be reached: the read again, on the others or the primary.
        if (result.status().code() == absl::StatusCode::kUnavailable &&
            ReadsFromReplica(*call->db, *call->statement, cc)) {
          return blocking();
        }
        finish(result.ok() ? call->respond(*std::move(result)) : result.status());
      };
      if (ExecuteNonblocking(*call->db, call->statement, cc, done)) return;
    }
    blocking();
  });
}

absl::StatusOr<std::shared_ptr<const SchemaIndex>> QueryServiceImpl::SchemaOf(Database& db, const CallContext& call,
                                                                              const std::string& name,
                                                                              bool cached_only) {
  if (cached_only) return state_.registry.Fresh(db, name);
  return state_.registry.Resolve(db, call, name);
}

QueryServiceImpl::Resolve QueryServiceImpl::Planned(const v1::Target& target, PlanFn plan) {
  return [this, &target, plan = std::move(plan)](StatementCall& c, const CallContext& call,
                                                 bool cached_only) -> absl::StatusOr<bool> {
    SLUICE_ASSIGN_OR_RETURN(c.db, state_.databases->Find(target.database()));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                            SchemaOf(*c.db, call, target.schema(), cached_only));
    if (schema == nullptr) return false;
    SLUICE_RETURN_IF_ERROR(plan(schema, c));
    return true;
  };
}

absl::Status QueryServiceImpl::StatementCall::Set(absl::StatusOr<PlannedStatement> planned, v1::QueryResult* out) {
  if (!planned.ok()) return planned.status();
  statement = std::make_shared<const PlannedStatement>(*std::move(planned));
  respond = [out](v1::QueryResult result) {
    *out = std::move(result);
    return absl::OkStatus();
  };
  return absl::OkStatus();
}

template <typename Message, typename Plan>
QueryServiceImpl::PlanFn QueryServiceImpl::OneStatement(char kind, const Message& message, Plan plan,
                                                        v1::QueryResult* out) {
  return [kind, &message, plan, out](const std::shared_ptr<const SchemaIndex>& s, StatementCall& c) {
    return c.Set(c.db->plans().PlanStatement(s, kind, message, [&] { return plan(*s, message); }), out);
  };
}

void QueryServiceImpl::Select(grpc::ServerContext* context, const v1::SelectRequest* request,
                              v1::SelectResponse* response, Answer answer) {
  Statement(context, *request, "QueryService/Select", request->target().database(), ModeOf(*request),
            Planned(request->target(),
                    OneStatement(
                        'S', request->select(),
                        [](const SchemaIndex& s, const v1::Select& m) { return PlanSelect(s, m, "select"); },
                        response->mutable_result())),
            std::move(answer));
}

void QueryServiceImpl::Insert(grpc::ServerContext* context, const v1::InsertRequest* request,
                              v1::InsertResponse* response, Answer answer) {
  Statement(context, *request, "QueryService/Insert", request->target().database(), ModeOf(*request),
            Planned(request->target(),
                    OneStatement(
                        'I', request->insert(),
                        [](const SchemaIndex& s, const v1::Insert& m) { return PlanInsert(s, m, "insert"); },
                        response->mutable_result())),
            std::move(answer));
}

void QueryServiceImpl::Update(grpc::ServerContext* context, const v1::UpdateRequest* request,
                              v1::UpdateResponse* response, Answer answer) {
  Statement(context, *request, "QueryService/Update", request->target().database(), ModeOf(*request),
            Planned(request->target(),
                    OneStatement(
                        'U', request->update(),
                        [](const SchemaIndex& s, const v1::Update& m) { return PlanUpdate(s, m, "update"); },
                        response->mutable_result())),
            std::move(answer));
}

void QueryServiceImpl::Delete(grpc::ServerContext* context, const v1::DeleteRequest* request,
                              v1::DeleteResponse* response, Answer answer) {
  Statement(context, *request, "QueryService/Delete", request->target().database(), ModeOf(*request),
            Planned(request->target(),
                    OneStatement(
                        'D', request->delete_(),
                        [](const SchemaIndex& s, const v1::Delete& m) { return PlanDelete(s, m, "delete"); },
                        response->mutable_result())),
            std::move(answer));
}

grpc::Status QueryServiceImpl::SelectStreamTo(grpc::ServerContext* context, const v1::SelectStreamRequest& request,
                                              const std::function<bool(const v1::SelectStreamResponse&)>& write_out) {
  return state_.Serve(
      context, "QueryService/SelectStream", Scope::kData, request.target().database(), [&]() -> absl::Status {
        const CallContext call = state_.CallOf(context, false);
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request.target().database()));
        SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                                state_.registry.Resolve(*db, call, request.target().schema()));
        SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanSelect(*schema, request.select(), "select"));
        SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<HeldConnections::Hold> hold,
                                state_.held.Take(*context, request.target().database(), call.deadline));
        // A client that stops reading for --stream-stall-timeout ends the call (the write, then
        // the statement, stop; the connection goes back to the pool).
        absl::Status stalled;
        const auto write = [&](const v1::SelectStreamResponse& message) {
          auto watch = state_.WaitOnClient(context, ServerState::ClientWait::kStreamStall);
          const bool ok = write_out(message);
          stalled = state_.TimedOut(watch, ServerState::ClientWait::kStreamStall);
          return ok && stalled.ok();
        };
        v1::SelectStreamResponse header;
        *header.mutable_header()->mutable_columns() = ResultColumnsOf(statement);
        if (!write(header)) return stalled.ok() ? absl::CancelledError("the client went away") : stalled;
        RowBatches batches;
        batches.emit = [&write](v1::QueryResult& batch) {
          if (batch.rows().empty()) return true;
          v1::SelectStreamResponse rows;
          rows.mutable_rows()->mutable_rows()->Swap(batch.mutable_rows());  // no copy of the rows
          return write(rows);
        };
        absl::Status streamed = ExecuteStream(*db, statement, call, batches);
        return stalled.ok() ? streamed : stalled;
      });
}

namespace {

using BatchPlan = std::vector<std::shared_ptr<const PlannedStatement>>;

absl::Status BatchFailed(const absl::Status& status, size_t operation) {
  return Prefixed(status, absl::StrCat("operations[", operation, "] failed, nothing was kept: "));
}

// The batch's operations planned on `db` with `schema`: every one checked before any runs.
absl::StatusOr<BatchPlan> PlanBatch(Database& db, const std::shared_ptr<const SchemaIndex>& schema,
                                    const v1::BatchRequest& request) {
  BatchPlan planned;
  for (int i = 0; i < request.operations_size(); ++i) {
    SLUICE_ASSIGN_OR_RETURN(PlannedStatement p, db.plans().PlanStatement(schema, 'O', request.operations(i), [&] {
      return PlanOperation(*schema, request.operations(i), absl::StrCat("operations[", i, "]"));
    }));
    planned.push_back(std::make_shared<const PlannedStatement>(std::move(p)));
  }
  return planned;
}

// The batch in a transaction, a statement at a time (blocking; planned first when `planned` is
// empty).
absl::Status RunBatch(ServerState& state, Database& db, const v1::BatchRequest& request, const CallContext& call,
                      BatchPlan planned, v1::BatchResponse* response) {
  if (planned.empty()) {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                            state.registry.Resolve(db, call, request.target().schema()));
    SLUICE_ASSIGN_OR_RETURN(planned, PlanBatch(db, schema, request));
  }
  SLUICE_ASSIGN_OR_RETURN(sluice::Transaction transaction, sluice::Transaction::Begin(db, Isolation::kDefault, call));
  for (size_t i = 0; i < planned.size(); ++i) {
    auto result = transaction.Execute(*planned[i]);
    if (!result.ok()) return BatchFailed(result.status(), i);  // rolled back as the transaction goes
    *response->add_results() = *std::move(result);
  }
  // A call cancelled meanwhile keeps nothing (asked once here: each statement is left to the watchdog).
  if (call.cancelled && call.cancelled()) return absl::CancelledError("the call was cancelled, nothing was kept");
  return transaction.Commit();
}

}  // namespace

// request → database and (cached) schema → every operation planned → sent together as one
// transaction on an idle connection (PostgreSQL: one round trip), on gRPC's thread; or, when
// that cannot be, a transaction on a worker, a statement at a time.
void QueryServiceImpl::Batch(grpc::ServerContext* context, const v1::BatchRequest* request, v1::BatchResponse* response,
                             Answer answer) {
  state_.ServeAsync(
      context, "QueryService/Batch", Scope::kData, request->target().database(), request, std::move(answer),
      [&](ServerState::Finish finish) {
        const CallContext call = state_.CallOf(context);
        absl::StatusOr<Database*> db = state_.databases->Find(request->target().database());
        if (!db.ok()) return finish(db.status());
        BatchPlan planned;
        if (auto schema = state_.registry.Fresh(**db, request->target().schema())) {
          absl::StatusOr<BatchPlan> plan = PlanBatch(**db, schema, *request);
          if (!plan.ok()) return finish(plan.status());
          planned = *std::move(plan);
          GroupCallback done = [response, finish](std::vector<absl::StatusOr<v1::QueryResult>> results) {
            // The cause is the first that failed other than ABORTED (those did not run, or ran and
            // were not kept); the first ABORTED when all were (a conflict the database reported).
            size_t cause = results.size();
            for (size_t i = 0; i < results.size(); ++i) {
              if (results[i].ok()) continue;
              if (cause == results.size()) cause = i;
              if (results[i].status().code() != absl::StatusCode::kAborted)
                return finish(BatchFailed(results[i].status(), i));
            }
            if (cause < results.size()) return finish(BatchFailed(results[cause].status(), cause));
            for (auto& result : results) *response->add_results() = *std::move(result);
            finish(absl::OkStatus());
          };
          if (ExecuteGroupNonblocking(**db, planned, call, done)) return;
        }
        state_.workers->Run([this, db = *db, request, response, call, finish, planned = std::move(planned)]() mutable {
          finish(RunBatch(state_, *db, *request, call, std::move(planned), response));
        });
      });
}

// request → database and schema → one planned select with JSON columns → nested rows.
template <typename Request>
void QueryServiceImpl::Find(grpc::ServerContext* context, const Request& request, bool first, v1::FindResult* response,
                            Answer answer) {
  const Mode mode = ModeOf(request);
  PlanFn plan = [&request, first, response, mode](const std::shared_ptr<const SchemaIndex>& schema,
                                                  StatementCall& c) -> absl::Status {
    SLUICE_ASSIGN_OR_RETURN(PlannedFind find, c.db->plans().Plan(schema, first ? 'F' : 'M', request.find(), [&] {
      return PlanFind(*schema, request.find(), first, "find.");
    }));
    c.statement = std::make_shared<const PlannedStatement>(std::move(find.statement));
    c.respond = [response, mode, format = request.format(),
                 shape = find.shape](v1::QueryResult result) -> absl::Status {
      if (mode.to_sql || mode.explain) {
        *response->mutable_statement() = std::move(*result.mutable_statement());
        response->set_plan(std::move(*result.mutable_plan()));
        return absl::OkStatus();
      }
      return NestRows(result, *shape, format, response);
    };
    return absl::OkStatus();
  };
  Statement(context, request, first ? "QueryService/FindFirst" : "QueryService/FindMany", request.target().database(),
            mode, Planned(request.target(), std::move(plan)), std::move(answer));
}

void QueryServiceImpl::FindMany(grpc::ServerContext* context, const v1::FindManyRequest* request,
                                v1::FindManyResponse* response, Answer answer) {
  Find(context, *request, false, response->mutable_result(), std::move(answer));
}

void QueryServiceImpl::FindFirst(grpc::ServerContext* context, const v1::FindFirstRequest* request,
                                 v1::FindFirstResponse* response, Answer answer) {
  Find(context, *request, true, response->mutable_result(), std::move(answer));
}

void QueryServiceImpl::FindNested(grpc::ServerContext* context, const v1::FindManyRequest* request, bool first,
                                  v1::FindResult* result, Answer answer) {
  Find(context, *request, first, result, std::move(answer));
}

grpc::Status QueryServiceImpl::Prepare(grpc::ServerContext* context, const v1::PrepareRequest* request,
                                       v1::PrepareResponse* response) {
  return state_.Serve(
      context, "QueryService/Prepare", Scope::kData, request->target().database(), [&]() -> absl::Status {
        const CallContext call = state_.CallOf(context);
        PreparedStatement prepared;
        prepared.database = request->target().database();
        prepared.schema = request->target().schema();
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(prepared.database));
        SLUICE_ASSIGN_OR_RETURN(prepared.schema_index, state_.registry.Resolve(*db, call, prepared.schema));
        SLUICE_ASSIGN_OR_RETURN(prepared.statement,
                                PlanOperation(*prepared.schema_index, request->operation(), "operation", true));
        // Each execution binds its own parameters to one shared plan and its columns (no copy
        // of them per call).
        prepared.statement.Share();
        // The SQL is compiled now (and cached): errors of the dialect show at Prepare.
        SLUICE_ASSIGN_OR_RETURN(v1::QueryResult sql, Execute(*db, prepared.statement, /*to_sql=*/true));
        *response->mutable_statement() = sql.statement();
        for (const auto& [name, placeholder] : prepared.statement.placeholders) response->add_params(name);
        response->set_id(state_.prepared.Add(std::move(prepared)));
        return absl::OkStatus();
      });
}

void QueryServiceImpl::ExecutePrepared(grpc::ServerContext* context, const v1::ExecutePreparedRequest* request,
                                       v1::ExecutePreparedResponse* response, Answer answer) {
  Resolve resolve = [this, request, response](StatementCall& c, const CallContext& call,
                                              bool cached_only) -> absl::StatusOr<bool> {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const PreparedStatement> prepared, state_.prepared.Find(request->id()));
    SLUICE_ASSIGN_OR_RETURN(c.db, state_.databases->Find(prepared->database));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> current,
                            SchemaOf(*c.db, call, prepared->schema, cached_only));
    if (current == nullptr) return false;
    if (current != prepared->schema_index) {
      return WithErrorInfo(
          absl::FailedPreconditionError(absl::StrCat("schema `", prepared->schema,
                                                     "` changed since the statement was prepared; prepare it again")),
          "SCHEMA_CHANGED", {{"schema", prepared->schema}});
    }
    SLUICE_ASSIGN_OR_RETURN(PlannedStatement bound, BindPlaceholders(prepared->statement, request->params(), *current));
    SLUICE_RETURN_IF_ERROR(c.Set(std::move(bound), response->mutable_result()));
    return true;
  };
  Statement(context, *request, "QueryService/ExecutePrepared", "", Mode(), std::move(resolve), std::move(answer));
}

grpc::Status QueryServiceImpl::Raw(grpc::ServerContext* context, const v1::RawRequest* request,
                                   v1::RawResponse* response) {
  return state_.Serve(context, "QueryService/Raw", Scope::kAdmin, request->target().database(), [&]() -> absl::Status {
    const CallContext call = state_.CallOf(context);
    if (!state_.allow_raw_sql) {
      return absl::PermissionDeniedError("raw SQL is disabled on this server (start sluiced with --allow-raw-sql)");
    }
    if (request->sql().empty()) return InvalidField("sql", "a statement is required");
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
    SLUICE_ASSIGN_OR_RETURN(
        *response->mutable_result(),
        ExecuteRaw(*db, request->sql(), {request->params().begin(), request->params().end()}, call));
    return absl::OkStatus();
  });
}

grpc::Status QueryServiceImpl::RefreshMaterializedView(grpc::ServerContext* context,
                                                       const v1::RefreshMaterializedViewRequest* request,
                                                       v1::RefreshMaterializedViewResponse* response) {
  return state_.Serve(context, "QueryService/RefreshMaterializedView", Scope::kData, request->target().database(),
                      [&]() -> absl::Status {
                        const CallContext call = state_.CallOf(context);
                        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
                        SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                                                SchemaOf(*db, call, request->target().schema(), false));
                        const TableInfo* info = schema->FindTable(request->view());
                        if (info == nullptr || info->view == nullptr || !info->view->materialized()) {
                          return InvalidField(
                              "view", absl::StrCat("schema `", schema->schema().name(), "` has no materialized view `",
                                                   request->view(), "`"));
                        }
                        plan::Plan refresh;
                        *refresh.mutable_refresh_materialized_view()->mutable_view() = TableRefOf(*info->table);
                        for (const v1::Index& index : info->view->indexes()) {
                          // CONCURRENTLY needs a unique index over every row (no predicate).
                          if (index.unique() && !index.has_where())
                            refresh.mutable_refresh_materialized_view()->set_concurrently(true);
                        }
                        SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db->Compile(refresh));
                        // As sluiced's own user, the view's owner (REFRESH is the owner's).
                        SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease conn, db->pool().Acquire(call.deadline));
                        SLUICE_RETURN_IF_ERROR(ExecuteDdl(*conn, sql->sql, call));
                        response->set_concurrently(refresh.refresh_materialized_view().concurrently());
                        response->mutable_statement()->set_sql(sql->sql);
                        return absl::OkStatus();
                      });
}

}  // namespace sluice
