// QueryService.Transaction: an interactive transaction over a bidirectional stream.
#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <optional>
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

// One Transaction call, on the completion-queue API (UnaryCalls' queues and threads: gRPC's
// callback API, with a callback method on the server, slowed every other call's polling). Its
// events come on the queue's thread, which never blocks: the steps that talk to the database
// (begin, each message, the rollback of what is left open) run on
// ServerState::session_workers, one at a time. The call reads a message, a worker applies it
// and starts writing the answer, whose event starts the next read: between messages no thread
// waits. Each wait on the client (its reading an answer, its next message) is bounded by
// --idle-transaction-timeout: past it the transaction rolls back and the call ends ABORTED, with
// the reason (a client that does not read its answer is cancelled instead: its status would
// queue behind the unread answer).
class TransactionCall final : public UnaryCalls::Ending<TransactionCall> {
 public:
  TransactionCall(QueryServiceBase* service, ServerState& state, UnaryCalls& calls, grpc::ServerCompletionQueue* queue)
      : service_(service), state_(state), calls_(calls), queue_(queue) {
    context_.AsyncNotifyWhenDone(done());
    service_->RequestTransaction(&context_, &stream_, queue_, queue_, &started_);
  }

 private:
  enum Waiting { kRead, kWrite };

  using Event = UnaryCalls::Event<TransactionCall>;  // on the queue's thread

  void OnStarted(bool ok) {
    if (!ok) {  // the server is shutting down; the call never started (no done event comes)
      delete this;
      return;
    }
    new TransactionCall(service_, state_, calls_, queue_);  // the next call
    calls_.Answering(1);
    state_.ServeAsync(
        &context_, "QueryService/Transaction", Scope::kData, "", nullptr,
        [this](const grpc::Status& status) {
          UnaryCalls* calls = &calls_;  // `this` may be gone once the end is posted
          if (final_answer_) {          // commit and rollback answer and end in one
            stream_.WriteAndFinish(response_, grpc::WriteOptions(), status, finished());
          } else {
            stream_.Finish(status, finished());
          }
          calls->Answering(-1);
        },
        [this](ServerState::Finish finish) {
          finish_ = std::move(finish);
          Wait(kRead);
        });
  }

  void OnRead(bool ok) {
    --pending_;
    if (!Waited()) return Release();
    if (!ok) {
      // A stream that ends first (or whose first message does not decode) asked nothing either.
      return End(transaction_.has_value() ? absl::AbortedError("the stream ended without commit; rolled back")
                                          : InvalidField("begin", "the first message must be begin"));
    }
    state_.session_workers->Run([this] {
      absl::Status status = transaction_.has_value() ? Apply() : Begin();
      if (!status.ok()) return EndHere(status);
      if (final_answer_) return EndHere(absl::OkStatus());  // committed or rolled back: the answer goes with the end
      Wait(kWrite);
    });
  }

  void OnWritten(bool ok) {
    --pending_;
    if (!Waited()) return Release();
    if (!ok) return End(absl::CancelledError("the client went away; rolled back"));
    Wait(kRead);
  }

  // No read or write is pending (Ending deletes the call once its end was sent and seen, and this).
  friend class UnaryCalls::Ending<TransactionCall>;
  bool Settled() const { return pending_ == 0; }

  // Starts the next wait on the client, under the idle limit once the transaction has begun (a
  // call that has not sent `begin` holds no connection).
  void Wait(Waiting what) {
    waiting_ = what;
    if (transaction_.has_value())
      alarm_ = state_.WaitOnClient(&context_, ServerState::ClientWait::kIdleTransaction, [this] {
        timed_out_ = true;
        // A pending read ends with the reason; a pending write, whose status would queue behind
        // the answer the client does not read, by cancelling the call (its event then fails).
        if (waiting_ == kRead) {
          End(state_.WaitedTooLong(ServerState::ClientWait::kIdleTransaction));
        } else {
          context_.TryCancel();
        }
      });
    ++pending_;
    if (what == kRead) {
      stream_.Read(&request_, &read_event_);
    } else {
      stream_.Write(response_, &write_event_);
    }
  }

  // In a read's or write's event: whether the call goes on from it (false: the idle limit ended
  // it, or is ending it).
  bool Waited() {
    alarm_.reset();  // a firing alarm has fired once this returns, or never will
    if (!timed_out_) return true;
    if (waiting_ == kWrite) End(state_.WaitedTooLong(ServerState::ClientWait::kIdleTransaction));
    return false;
  }

  absl::Status Begin() {
    if (!request_.has_begin()) return InvalidField("begin", "the first message must be begin");
    const v1::TransactionRequest::Begin& begin = request_.begin();
    SLUICE_ASSIGN_OR_RETURN(Database * db, state_.databases->Find(begin.target().database()));
    const CallContext call = state_.CallOf(&context_);  // the transaction keeps a copy
    SLUICE_ASSIGN_OR_RETURN(schema_, state_.registry.Resolve(*db, call, begin.target().schema()));
    SLUICE_ASSIGN_OR_RETURN(hold_, state_.held.Take(context_, begin.target().database(), call.deadline));
    SLUICE_ASSIGN_OR_RETURN(transaction_, Transaction::Begin(*db, IsolationOf(begin.isolation()), call));
    db_ = db;
    response_.Clear();
    return absl::OkStatus();
  }

  // Applies the message in request_: its answer in response_ (final_answer_ when it ended the
  // transaction, committed or rolled back).
  absl::Status Apply() {
    const std::string path = absl::StrCat("message[", ++messages_, "]");
    const v1::TransactionRequest& request = request_;
    response_.Clear();
    const auto innermost = [&](const std::string& name) {
      return std::find(savepoints_.rbegin(), savepoints_.rend(), name);
    };
    switch (request.kind_case()) {
      case v1::TransactionRequest::kOperation: {
        absl::StatusOr<PlannedStatement> planned = db_->plans().PlanStatement(schema_, 'O', request.operation(), [&] {
          return PlanOperation(*schema_, request.operation(), path + ".operation");
        });
        absl::StatusOr<v1::QueryResult> result =
            planned.ok() ? transaction_->Execute(*planned) : absl::StatusOr<v1::QueryResult>(planned.status());
        if (!result.ok()) result = NameUnstorableValue(result.status(), request, path);
        if (result.ok()) {
          *response_.mutable_result() = *std::move(result);
          return absl::OkStatus();
        }
        // Inside a savepoint, the failed block is undone and the transaction goes on.
        if (savepoints_.empty() || !StatementError(result.status()) ||
            !transaction_->Savepoint(Transaction::SavepointAction::kRollbackTo, savepoints_.back()).ok()) {
          return result.status();
        }
        *response_.mutable_error() = ToRpcStatus(result.status());
        response_.set_rolled_back_to(savepoints_.back());
        return absl::OkStatus();
      }
      case v1::TransactionRequest::kSavepoint:
        SLUICE_RETURN_IF_ERROR(
            Savepoint(*transaction_, Transaction::SavepointAction::kCreate, request.savepoint(), path + ".savepoint"));
        savepoints_.push_back(request.savepoint());
        return absl::OkStatus();
      case v1::TransactionRequest::kRollbackToSavepoint:  // it stays open; those after it end
        SLUICE_RETURN_IF_ERROR(Savepoint(*transaction_, Transaction::SavepointAction::kRollbackTo,
                                         request.rollback_to_savepoint(), path + ".rollback_to_savepoint"));
        if (auto it = innermost(request.rollback_to_savepoint()); it != savepoints_.rend()) {
          savepoints_.erase(it.base(), savepoints_.end());
        }
        return absl::OkStatus();
      case v1::TransactionRequest::kReleaseSavepoint:  // it ends, and those after it
        SLUICE_RETURN_IF_ERROR(Savepoint(*transaction_, Transaction::SavepointAction::kRelease,
                                         request.release_savepoint(), path + ".release_savepoint"));
        if (auto it = innermost(request.release_savepoint()); it != savepoints_.rend()) {
          savepoints_.erase(std::prev(it.base()), savepoints_.end());
        }
        return absl::OkStatus();
      case v1::TransactionRequest::kCommit:
        SLUICE_RETURN_IF_ERROR(transaction_->Commit());
        final_answer_ = true;
        return absl::OkStatus();
      case v1::TransactionRequest::kRollback:
        SLUICE_RETURN_IF_ERROR(transaction_->Rollback());
        final_answer_ = true;
        return absl::OkStatus();
      case v1::TransactionRequest::kBegin:
        return InvalidField(path + ".begin", "the transaction has begun already");
      case v1::TransactionRequest::KIND_NOT_SET:
        return InvalidField(path, "an operation, savepoint, commit or rollback is required");
    }
    return absl::InternalError("unknown transaction message");
  }

  // Ends the call with `status`, once, on a worker (the rollback of what is left open blocks).
  void End(absl::Status status) {
    if (ending_.exchange(true)) return;
    state_.session_workers->Run([this, status = std::move(status)] { EndHere(status); });
  }
  // The same on the worker: what is left open rolls back (the connection's lease) before the
  // client hears the status.
  void EndHere(const absl::Status& status) {
    ending_ = true;
    transaction_.reset();
    hold_.reset();
    ServerState::Finish finish = std::move(finish_);
    finish(status);  // `this` may be gone from here on (OnDone)
  }

  QueryServiceBase* const service_;
  ServerState& state_;
  UnaryCalls& calls_;
  grpc::ServerCompletionQueue* const queue_;
  grpc::ServerContext context_;
  grpc::ServerAsyncReaderWriter<v1::TransactionResponse, v1::TransactionRequest> stream_{&context_};
  Event started_{this, &TransactionCall::OnStarted};
  Event read_event_{this, &TransactionCall::OnRead};
  Event write_event_{this, &TransactionCall::OnWritten};
  std::atomic<int> pending_{0};  // reads and writes started and not yet seen on the queue
  ServerState::Finish finish_;   // ServeAsync's: records the call, then answers it
  v1::TransactionRequest request_;
  v1::TransactionResponse response_;
  // The wait on the client in progress, and whether its alarm (alarm_) fired.
  std::atomic<Waiting> waiting_{kRead};
  std::atomic<bool> timed_out_{false};
  std::atomic<bool> ending_{false};
  bool final_answer_ = false;  // response_ answers a commit or rollback: it goes with the status
  // From begin on.
  Database* db_ = nullptr;
  std::shared_ptr<const SchemaIndex> schema_;
  std::unique_ptr<HeldConnections::Hold> hold_;
  std::optional<Transaction> transaction_;
  std::vector<std::string> savepoints_;  // open ones, innermost last
  int messages_ = 0;                     // after begin
  // The wait's --idle-transaction-timeout; last, so that it goes first (an alarm firing then
  // has fired once it is gone).
  std::unique_ptr<CallWatchdog::Watch> alarm_;
};

}  // namespace

void QueryServiceImpl::ServeTransactions(UnaryCalls& calls) {
  calls.ServeOn([this, &calls](grpc::ServerCompletionQueue* queue) {
    for (int i = 0; i < 2; ++i) new TransactionCall(this, state_, calls, queue);
  });
}

}  // namespace sluice
