// QueryService.Transaction: an interactive transaction over a bidirectional stream.
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "executor/transaction.h"
#include "planner/identifiers.h"
#include "planner/planner.h"
#include "services/grpc_status.h"
#include "services/query_service.h"
#include "services/unstorable_value.h"

namespace sluice {
namespace {

using Stream = grpc::ServerReaderWriter<v1::TransactionResponse, v1::TransactionRequest>;

absl::Status Savepoint(Transaction& transaction, Transaction::SavepointAction action, const std::string& name,
                       const std::string& path) {
  SLUICE_RETURN_IF_ERROR(CheckIdentifier(name, path));
  return transaction.Savepoint(action, name);
}

// A statement's own error, after which its connection and transaction are still usable once
// rolled back to a savepoint; not a lost connection, a cancelled call or a deadlock (ABORTED:
// MySQL rolls the whole transaction back).
bool StatementError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

Isolation IsolationOf(v1::TransactionRequest::IsolationLevel level) {
  switch (level) {
    case v1::TransactionRequest::READ_UNCOMMITTED:
      return Isolation::kReadUncommitted;
    case v1::TransactionRequest::READ_COMMITTED:
      return Isolation::kReadCommitted;
    case v1::TransactionRequest::REPEATABLE_READ:
      return Isolation::kRepeatableRead;
    case v1::TransactionRequest::SERIALIZABLE:
      return Isolation::kSerializable;
    default:
      return Isolation::kDefault;
  }
}

// Runs the transaction: OK after commit or an asked-for rollback; any error ends it, and the
// connection's lease rolls back whatever is open (also when the client cancels or goes away).
absl::Status RunTransaction(ServerState& state, grpc::ServerContext* context, Stream* stream) {
  v1::TransactionRequest request;
  // A stream that ends first (or whose first message does not decode) asked nothing either.
  if (!stream->Read(&request) || !request.has_begin()) {
    return InvalidField("begin", "the first message must be begin");
  }
  const v1::TransactionRequest::Begin& begin = request.begin();
  SLUICE_ASSIGN_OR_RETURN(Database * db, state.databases->Find(begin.target().database()));
  const CallContext call = state.CallOf(context);
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const SchemaIndex> schema,
                          state.registry.Resolve(*db, call, begin.target().schema()));
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<HeldConnections::Hold> hold,
                          state.held.Take(*context, begin.target().database(), call.deadline));
  SLUICE_ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db, IsolationOf(begin.isolation()), call));
  // Each wait on the client (its reading our answer, its next message) is bounded by
  // --idle-transaction-timeout: past it the call ends and the transaction rolls back.
  const auto waited = [&](auto wait) -> absl::Status {
    auto watch = state.WaitOnClient(context, ServerState::ClientWait::kIdleTransaction);
    const bool ok = wait();
    SLUICE_RETURN_IF_ERROR(state.TimedOut(watch, ServerState::ClientWait::kIdleTransaction));
    return ok ? absl::OkStatus() : absl::CancelledError("the client went away; rolled back");
  };
  SLUICE_RETURN_IF_ERROR(waited([&] { return stream->Write(v1::TransactionResponse()); }));
  std::vector<std::string> savepoints;  // open ones, innermost last
  const auto innermost = [&](const std::string& name) {
    return std::find(savepoints.rbegin(), savepoints.rend(), name);
  };
  for (int n = 1;; ++n) {
    if (absl::Status read = waited([&] { return stream->Read(&request); }); !read.ok()) {
      return absl::IsCancelled(read) ? absl::AbortedError("the stream ended without commit; rolled back") : read;
    }
    const std::string path = absl::StrCat("message[", n, "]");
    v1::TransactionResponse response;
    switch (request.kind_case()) {
      case v1::TransactionRequest::kOperation: {
        absl::StatusOr<PlannedStatement> planned = db->plans().PlanStatement(schema, 'O', request.operation(), [&] {
          return PlanOperation(*schema, request.operation(), path + ".operation");
        });
        absl::StatusOr<v1::QueryResult> result =
            planned.ok() ? transaction.Execute(*planned) : absl::StatusOr<v1::QueryResult>(planned.status());
        if (!result.ok()) result = NameUnstorableValue(result.status(), request, path);
        if (result.ok()) {
          *response.mutable_result() = *std::move(result);
          break;
        }
        // Inside a savepoint, the failed block is undone and the transaction goes on.
        if (savepoints.empty() || !StatementError(result.status()) ||
            !transaction.Savepoint(Transaction::SavepointAction::kRollbackTo, savepoints.back()).ok()) {
          return result.status();
        }
        *response.mutable_error() = ToRpcStatus(result.status());
        response.set_rolled_back_to(savepoints.back());
        break;
      }
      case v1::TransactionRequest::kSavepoint:
        SLUICE_RETURN_IF_ERROR(
            Savepoint(transaction, Transaction::SavepointAction::kCreate, request.savepoint(), path + ".savepoint"));
        savepoints.push_back(request.savepoint());
        break;
      case v1::TransactionRequest::kRollbackToSavepoint:  // it stays open; those after it end
        SLUICE_RETURN_IF_ERROR(Savepoint(transaction, Transaction::SavepointAction::kRollbackTo,
                                         request.rollback_to_savepoint(), path + ".rollback_to_savepoint"));
        if (auto it = innermost(request.rollback_to_savepoint()); it != savepoints.rend()) {
          savepoints.erase(it.base(), savepoints.end());
        }
        break;
      case v1::TransactionRequest::kReleaseSavepoint:  // it ends, and those after it
        SLUICE_RETURN_IF_ERROR(Savepoint(transaction, Transaction::SavepointAction::kRelease,
                                         request.release_savepoint(), path + ".release_savepoint"));
        if (auto it = innermost(request.release_savepoint()); it != savepoints.rend()) {
          savepoints.erase(std::prev(it.base()), savepoints.end());
        }
        break;
      case v1::TransactionRequest::kCommit:
        SLUICE_RETURN_IF_ERROR(transaction.Commit());
        stream->Write(response);
        return absl::OkStatus();
      case v1::TransactionRequest::kRollback:
        SLUICE_RETURN_IF_ERROR(transaction.Rollback());
        stream->Write(response);
        return absl::OkStatus();
      case v1::TransactionRequest::kBegin:
        return InvalidField(path + ".begin", "the transaction has begun already");
      case v1::TransactionRequest::KIND_NOT_SET:
        return InvalidField(path, "an operation, savepoint, commit or rollback is required");
    }
    SLUICE_RETURN_IF_ERROR(waited([&] { return stream->Write(response); }));
  }
}

}  // namespace

grpc::Status QueryServiceImpl::Transaction(grpc::ServerContext* context, Stream* stream) {
  return state_.Serve(context, "QueryService/Transaction", Scope::kData, "",
                      [&] { return RunTransaction(state_, context, stream); });
}

}  // namespace sluice
