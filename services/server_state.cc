#include "services/server_state.h"

#include <chrono>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/log.h"
#include "services/grpc_status.h"

namespace sluice {

grpc::Status ServerState::Admit(grpc::ServerContextBase* context, const char* method, Scope scope) {
  grpc::Status allowed = tokens.Authorize(*context, scope);
  absl::Status refusal;
  if (!allowed.ok()) {  // refusals too carry an ErrorInfo (through ToGrpcStatus)
    refusal = absl::Status(static_cast<absl::StatusCode>(allowed.error_code()), allowed.error_message());
  } else if (++in_flight_ > max_concurrent_calls && max_concurrent_calls > 0) {
    --in_flight_;
    refusal = absl::ResourceExhaustedError(
        absl::StrCat("sluiced serves ", max_concurrent_calls, " calls at once (--max-concurrent-calls); retry"));
  } else {
    return grpc::Status::OK;
  }
  metrics.RecordRefusal(method, absl::StrCat(static_cast<int>(refusal.code())));
  Log("warning", "call refused",
      {{"method", method},
       {"code", absl::StatusCodeToString(refusal.code())},
       {"error", std::string(refusal.message())}});
  return ToGrpcStatus(refusal);
}

namespace {

// A request id for an error that is sluiced's own fault: in the log and in the answer.
std::string RequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  return absl::StrFormat("%016x", random());
}

}  // namespace

grpc::Status ServerState::Done(const char* method, const std::string& database,
                               std::chrono::steady_clock::time_point start, const absl::Status& status) {
  const std::string db = database.empty() ? "default" : database;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  absl::Status outcome = status;
  if (!status.ok()) {
    // One line per failed call; an INTERNAL (a bug in sluiced) gets a request id the client sees.
    const bool ours = status.code() == absl::StatusCode::kInternal || status.code() == absl::StatusCode::kUnknown ||
                      status.code() == absl::StatusCode::kDataLoss;
    LogFields fields = {{"method", method},
                        {"database", db},
                        {"code", absl::StatusCodeToString(status.code())},
                        {"ms", absl::StrFormat("%.3f", seconds * 1000)},
                        {"error", std::string(status.message().substr(0, 1024))}};
    if (ours) {
      const std::string id = RequestId();
      outcome = WithErrorMetadata(status, "request_id", id);
      fields.push_back({"request_id", id});
    }
    Log(ours ? "error" : "warning", "call failed", fields);
  }
  grpc::Status answer = ToGrpcStatus(outcome);
  metrics.RecordCall(method, db, absl::StrCat(answer.error_code()), seconds);
  --in_flight_;
  return answer;
}

grpc::Status ServerState::Serve(grpc::ServerContextBase* context, const char* method, Scope scope,
                                const std::string& database, const std::function<absl::Status()>& body) {
  grpc::Status admitted = Admit(context, method, scope);
  if (!admitted.ok()) return admitted;
  const auto start = std::chrono::steady_clock::now();
  return Done(method, database, start, body());
}

void ServerState::ServeAsync(grpc::ServerContextBase* context, const char* method, Scope scope,
                             const std::string& database, Answer answer, const std::function<void(Finish)>& body) {
  grpc::Status admitted = Admit(context, method, scope);
  if (!admitted.ok()) return answer(admitted);
  const auto start = std::chrono::steady_clock::now();
  body([this, answer = std::move(answer), method, database, start](const absl::Status& status) {
    answer(Done(method, database, start, status));
  });
}

CallContext ServerState::CallOf(grpc::ServerContextBase* context, bool unary) const {
  CallContext call;
  call.deadline = DeadlineOf(context);
  if (statement_timeout > absl::ZeroDuration())
    call.deadline = std::min(call.deadline, absl::Now() + statement_timeout);
  call.cancelled = [context] { return context->IsCancelled(); };
  call.max_rows = unary ? max_rows : 0;
  call.query_log = query_log;
  return call;
}

}  // namespace sluice
