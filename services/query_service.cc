#include "services/query_service.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "executor/executor.h"
#include "executor/nested_rows.h"
#include "executor/transaction.h"
#include "planner/planner.h"
#include "services/grpc_status.h"

namespace sluice {

// request → database and schema → plan → execute, for the four typed statements.
template <typename Request, typename PlanFn>
grpc::Status QueryServiceImpl::Run(grpc::ServerContext* context, const char* method, const Request& request,
                                   PlanFn plan, v1::QueryResult* response) {
  return state_.Serve(context, method, Scope::kData, request.target().database(), [&]() -> absl::Status {
    const CallContext call = state_.CallOf(context);
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request.target().database()));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                            state_.registry.Resolve(*db, call, request.target().schema()));
    SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, plan(*schema));
    SLUICE_ASSIGN_OR_RETURN(*response, Execute(*db, statement, request.to_sql(), call));
    return absl::OkStatus();
  });
}

grpc::Status QueryServiceImpl::Select(grpc::ServerContext* context, const v1::SelectRequest* request,
                                      v1::SelectResponse* response) {
  return Run(
      context, "QueryService/Select", *request,
      [&](const SchemaIndex& s) { return PlanSelect(s, request->select(), "select"); }, response->mutable_result());
}

grpc::Status QueryServiceImpl::Insert(grpc::ServerContext* context, const v1::InsertRequest* request,
                                      v1::InsertResponse* response) {
  return Run(
      context, "QueryService/Insert", *request,
      [&](const SchemaIndex& s) { return PlanInsert(s, request->insert(), "insert"); }, response->mutable_result());
}

grpc::Status QueryServiceImpl::Update(grpc::ServerContext* context, const v1::UpdateRequest* request,
                                      v1::UpdateResponse* response) {
  return Run(
      context, "QueryService/Update", *request,
      [&](const SchemaIndex& s) { return PlanUpdate(s, request->update(), "update"); }, response->mutable_result());
}

grpc::Status QueryServiceImpl::Delete(grpc::ServerContext* context, const v1::DeleteRequest* request,
                                      v1::DeleteResponse* response) {
  return Run(
      context, "QueryService/Delete", *request,
      [&](const SchemaIndex& s) { return PlanDelete(s, request->delete_(), "delete"); }, response->mutable_result());
}

grpc::Status QueryServiceImpl::SelectStream(grpc::ServerContext* context, const v1::SelectStreamRequest* request,
                                            grpc::ServerWriter<v1::SelectStreamResponse>* writer) {
  return state_.Serve(
      context, "QueryService/SelectStream", Scope::kData, request->target().database(), [&]() -> absl::Status {
        const CallContext call = state_.CallOf(context, false);
        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
        SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                                state_.registry.Resolve(*db, call, request->target().schema()));
        SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanSelect(*schema, request->select(), "select"));
        v1::SelectStreamResponse header;
        *header.mutable_header()->mutable_columns() = ResultColumnsOf(statement);
        if (!writer->Write(header)) return absl::CancelledError("the client went away");
        RowBatches batches;
        batches.emit = [writer](v1::QueryResult& batch) {
          if (batch.rows().empty()) return true;
          v1::SelectStreamResponse rows;
          rows.mutable_rows()->mutable_rows()->Swap(batch.mutable_rows());  // no copy of the rows
          return writer->Write(rows);
        };
        return ExecuteStream(*db, statement, call, batches);
      });
}

grpc::Status QueryServiceImpl::Batch(grpc::ServerContext* context, const v1::BatchRequest* request,
                                     v1::BatchResponse* response) {
  return state_.Serve(context, "QueryService/Batch", Scope::kData, request->target().database(), [&]() -> absl::Status {
    const CallContext call = state_.CallOf(context);
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request->target().database()));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                            state_.registry.Resolve(*db, call, request->target().schema()));
    // Every operation is checked before any runs.
    std::vector<PlannedStatement> planned;
    for (int i = 0; i < request->operations_size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(PlannedStatement p,
                              PlanOperation(*schema, request->operations(i), absl::StrCat("operations[", i, "]")));
      planned.push_back(std::move(p));
    }
    SLUICE_ASSIGN_OR_RETURN(sluice::Transaction transaction,
                            sluice::Transaction::Begin(*db, Isolation::kDefault, call));
    for (size_t i = 0; i < planned.size(); ++i) {
      auto result = transaction.Execute(planned[i]);
      if (!result.ok()) {  // the transaction rolls back when it goes away
        return Prefixed(result.status(), absl::StrCat("operations[", i, "] failed, nothing was kept: "));
      }
      *response->add_results() = *std::move(result);
    }
    // A call cancelled meanwhile keeps nothing (asked once here: each statement is left to the watchdog).
    if (call.cancelled && call.cancelled()) return absl::CancelledError("the call was cancelled, nothing was kept");
    return transaction.Commit();
  });
}

// request → database and schema → one planned select with JSON columns → nested rows.
template <typename Request>
grpc::Status QueryServiceImpl::Find(grpc::ServerContext* context, const Request& request, bool first,
                                    v1::FindResult* response) {
  return state_.Serve(context, first ? "QueryService/FindFirst" : "QueryService/FindMany", Scope::kData,
                      request.target().database(), [&]() -> absl::Status {
                        const CallContext call = state_.CallOf(context);
                        SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(request.target().database()));
                        SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                                                state_.registry.Resolve(*db, call, request.target().schema()));
                        SLUICE_ASSIGN_OR_RETURN(PlannedFind find, PlanFind(*schema, request.find(), first, "find."));
                        SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result,
                                                Execute(*db, find.statement, request.to_sql(), call));
                        if (request.to_sql()) {
                          *response->mutable_statement() = std::move(*result.mutable_statement());
                          return absl::OkStatus();
                        }
                        SLUICE_ASSIGN_OR_RETURN(*response, NestRows(result, *find.shape));
                        return absl::OkStatus();
                      });
}

grpc::Status QueryServiceImpl::FindMany(grpc::ServerContext* context, const v1::FindManyRequest* request,
                                        v1::FindManyResponse* response) {
  return Find(context, *request, false, response->mutable_result());
}

grpc::Status QueryServiceImpl::FindFirst(grpc::ServerContext* context, const v1::FindFirstRequest* request,
                                         v1::FindFirstResponse* response) {
  return Find(context, *request, true, response->mutable_result());
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
        // The SQL is compiled now (and cached): errors of the dialect show at Prepare.
        SLUICE_ASSIGN_OR_RETURN(v1::QueryResult sql, Execute(*db, prepared.statement, /*to_sql=*/true));
        *response->mutable_statement() = sql.statement();
        for (const auto& [name, placeholder] : prepared.statement.placeholders) response->add_params(name);
        response->set_id(state_.prepared.Add(std::move(prepared)));
        return absl::OkStatus();
      });
}

grpc::Status QueryServiceImpl::ExecutePrepared(grpc::ServerContext* context, const v1::ExecutePreparedRequest* request,
                                               v1::ExecutePreparedResponse* response) {
  return state_.Serve(context, "QueryService/ExecutePrepared", Scope::kData, "", [&]() -> absl::Status {
    const CallContext call = state_.CallOf(context);
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const PreparedStatement> prepared, state_.prepared.Find(request->id()));
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(prepared->database));
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> current,
                            state_.registry.Resolve(*db, call, prepared->schema));
    if (current != prepared->schema_index) {
      return WithErrorInfo(
          absl::FailedPreconditionError(absl::StrCat("schema `", prepared->schema,
                                                     "` changed since the statement was prepared; prepare it again")),
          "SCHEMA_CHANGED", {{"schema", prepared->schema}});
    }
    SLUICE_ASSIGN_OR_RETURN(PlannedStatement bound, BindPlaceholders(prepared->statement, request->params(), *current));
    SLUICE_ASSIGN_OR_RETURN(*response->mutable_result(), Execute(*db, bound, false, call));
    return absl::OkStatus();
  });
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

}  // namespace sluice
