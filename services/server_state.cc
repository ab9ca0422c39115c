#include "services/server_state.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "services/grpc_status.h"

namespace sluice {

grpc::Status ServerState::Admit(grpc::ServerContextBase* context, const char* method, Scope scope) {
  grpc::Status allowed = tokens.Authorize(*context, scope);
  if (!allowed.ok()) {  // refusals too carry an ErrorInfo (through ToGrpcStatus)
    metrics.RecordRefusal(method, absl::StrCat(allowed.error_code()));
    return ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(allowed.error_code()), allowed.error_message()));
  }
  if (++in_flight_ > max_concurrent_calls && max_concurrent_calls > 0) {
    --in_flight_;
    metrics.RecordRefusal(method, absl::StrCat(grpc::StatusCode::RESOURCE_EXHAUSTED));
    return ToGrpcStatus(absl::ResourceExhaustedError(
        absl::StrCat("sluiced serves ", max_concurrent_calls, " calls at once (--max-concurrent-calls); retry")));
  }
  return grpc::Status::OK;
}

grpc::Status ServerState::Done(const char* method, const std::string& database,
                               std::chrono::steady_clock::time_point start, const absl::Status& status) {
  grpc::Status answer = ToGrpcStatus(status);
  metrics.RecordCall(method, database.empty() ? "default" : database, absl::StrCat(answer.error_code()),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
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
