#include "services/server_state.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"

namespace sluice {

grpc::Status ServerState::Serve(grpc::ServerContext* context, const char* method, Scope scope,
                                const std::string& database, const std::function<absl::Status()>& body) {
  const std::string db = database.empty() ? "default" : database;
  grpc::Status allowed = tokens.Authorize(*context, scope);
  if (!allowed.ok()) {  // refusals too carry an ErrorInfo (through ToGrpcStatus)
    metrics.RecordRefusal(method, absl::StrCat(allowed.error_code()));
    return ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(allowed.error_code()), allowed.error_message()));
  }
  struct Admission {
    std::atomic<size_t>& n;
    ~Admission() { --n; }
  } admission{in_flight_};
  if (++in_flight_ > max_concurrent_calls && max_concurrent_calls > 0) {
    metrics.RecordRefusal(method, absl::StrCat(grpc::StatusCode::RESOURCE_EXHAUSTED));
    return ToGrpcStatus(absl::ResourceExhaustedError(
        absl::StrCat("sluiced serves ", max_concurrent_calls, " calls at once (--max-concurrent-calls); retry")));
  }
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = ToGrpcStatus(body());
  metrics.RecordCall(method, db, absl::StrCat(status.error_code()),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return status;
}

CallContext ServerState::CallOf(grpc::ServerContext* context, bool unary) const {
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
