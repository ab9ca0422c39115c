#include "services/server_state.h"

#include <chrono>
#include <random>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"
#include "common/log.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/grpc_status.h"
#include "services/unary_calls.h"
#include "services/unstorable_value.h"

namespace sluice {
namespace {

// Call metadata: `primary` pins a call's reads to the primary where the database has replicas.
constexpr char kReadMetadata[] = "sluice-read";
// Call metadata: the claims (a JSON object) of a call whose token maps to a role.
constexpr char kClaimsMetadata[] = "sluice-claims";

// Why `claims` (sluice-claims metadata) cannot stand ("" when it can).
std::string ClaimsProblem(absl::string_view claims, bool has_role) {
  if (!has_role) {
    return "call metadata `sluice-claims` goes with a token that maps to a role (`SCOPE@ROLE` in the tokens)";
  }
  google::protobuf::Struct parsed;
  if (claims.size() > 8192 || !google::protobuf::util::JsonStringToMessage(std::string(claims), &parsed).ok()) {
    return "call metadata `sluice-claims` is a JSON object of at most 8 KiB";
  }
  return "";
}

}  // namespace

grpc::Status ServerState::Admit(grpc::ServerContextBase* context, const char* method, Scope scope) {
  grpc::Status allowed = tokens.Authorize(*context, scope);
  absl::Status refusal;
  const auto& metadata = context->client_metadata();
  const auto read = metadata.find(kReadMetadata);
  const auto claims = metadata.find(kClaimsMetadata);
  const std::string claims_problem =
      claims == metadata.end() ? ""
                               : ClaimsProblem(absl::string_view(claims->second.data(), claims->second.size()),
                                               !tokens.RoleOf(*context).empty());
  if (!allowed.ok()) {  // refusals too carry an ErrorInfo (through ToGrpcStatus)
    refusal = absl::Status(static_cast<absl::StatusCode>(allowed.error_code()), allowed.error_message());
  } else if (read != metadata.end() && read->second != "primary" && read->second != "replica") {
    refusal = InvalidField(kReadMetadata, absl::StrCat("call metadata `", kReadMetadata, ": ",
                                                       absl::string_view(read->second.data(), read->second.size()),
                                                       "`: the value is `primary` or `replica`"));
  } else if (!claims_problem.empty()) {
    refusal = InvalidField(kClaimsMetadata, claims_problem);
  } else if (const size_t n = ++in_flight_; n > max_concurrent_calls && max_concurrent_calls > 0) {
    --in_flight_;
    refusal = absl::ResourceExhaustedError(
        absl::StrCat("sluiced serves ", max_concurrent_calls, " calls at once (--max-concurrent-calls); retry"));
  } else {
    if (n > 1 && !overlapped_.load(std::memory_order_relaxed)) overlapped_.store(true, std::memory_order_relaxed);
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

// The trace of a call's W3C `traceparent` metadata (`00-TRACE_ID-SPAN_ID-FLAGS`, lower-case hex);
// empty when it has none or a malformed one.
std::pair<std::string, std::string> TraceOf(const grpc::ServerContextBase* context) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find("traceparent");
  if (it == metadata.end()) return {};
  const absl::string_view value(it->second.data(), it->second.size());
  if (value.size() != 55) return {};
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool dash = i == 2 || i == 35 || i == 52;
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  }
  return {std::string(value.substr(3, 32)), std::string(value.substr(36, 16))};
}

}  // namespace

grpc::Status ServerState::Done(grpc::ServerContextBase* context, const char* method, const std::string& database,
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
    const auto [trace_id, span_id] = TraceOf(context);
    fields.push_back({"trace_id", trace_id});
    fields.push_back({"span_id", span_id});
    if (ours) {
      const std::string id = RequestId();
      outcome = WithErrorMetadata(status, "request_id", id);
      fields.push_back({"request_id", id});
    }
    Log(ours ? "error" : "warning", "call failed", fields);
  }
  grpc::Status answer = ToGrpcStatus(outcome);
  metrics.RecordCall(method, db, absl::StrCat(answer.error_code()), seconds);
  if (const bool short_call = absl::Seconds(seconds) <= busy_poll;
      short_calls_.load(std::memory_order_relaxed) != short_call)
    short_calls_.store(short_call, std::memory_order_relaxed);
  --in_flight_;
  return answer;
}

grpc::Status ServerState::Serve(grpc::ServerContextBase* context, const char* method, Scope scope,
                                const std::string& database, const std::function<absl::Status()>& body) {
  grpc::Status admitted = Admit(context, method, scope);
  if (!admitted.ok()) return admitted;
  const auto start = std::chrono::steady_clock::now();
  return Done(context, method, database, start, body());
}

void ServerState::ServeAsync(grpc::ServerContextBase* context, const char* method, Scope scope,
                             const std::string& database, const google::protobuf::Message* request, Answer answer,
                             const std::function<void(Finish)>& body) {
  grpc::Status admitted = Admit(context, method, scope);
  if (!admitted.ok()) return answer(admitted);
  const auto start = std::chrono::steady_clock::now();
  body([this, context, answer = std::move(answer), method, database, request, start](const absl::Status& status) {
    answer(Done(context, method, database, start,
                status.ok() || request == nullptr ? status : NameUnstorableValue(status, *request)));
  });
}

std::unique_ptr<CallWatchdog::Watch> ServerState::WaitOnClient(grpc::ServerContextBase* context, ClientWait wait,
                                                               std::function<void()> fire) {
  const absl::Duration limit = wait == ClientWait::kIdleTransaction ? idle_transaction_timeout : stream_stall_timeout;
  if (limit <= absl::ZeroDuration()) return nullptr;
  if (fire == nullptr) fire = [context] { context->TryCancel(); };
  return CallWatchdog::Instance().Alarm(absl::Now() + limit, std::move(fire));
}

absl::Status ServerState::TimedOut(const std::unique_ptr<CallWatchdog::Watch>& watch, ClientWait wait) {
  if (watch == nullptr || !watch->fired()) return absl::OkStatus();
  return WaitedTooLong(wait);
}

absl::Status ServerState::WaitedTooLong(ClientWait wait) {
  if (wait == ClientWait::kIdleTransaction) {
    metrics.RecordClientWaitEnded("idle_transaction");
    return absl::AbortedError(absl::StrCat("the transaction waited for its client's next message longer than ",
                                           absl::FormatDuration(idle_transaction_timeout),
                                           " (--idle-transaction-timeout); rolled back"));
  }
  metrics.RecordClientWaitEnded("stream_stall");
  return absl::AbortedError(absl::StrCat("the client read nothing of the stream for longer than ",
                                         absl::FormatDuration(stream_stall_timeout),
                                         " (--stream-stall-timeout); ended"));
}

bool ServerState::IdleAfterSerialCalls() {
  if (in_flight_.load(std::memory_order_relaxed) != 0) return false;
  const bool serial = !overlapped_.exchange(false, std::memory_order_relaxed);
  if (serial_.load(std::memory_order_relaxed) != serial) serial_.store(serial, std::memory_order_relaxed);
  return serial && short_calls_.load(std::memory_order_relaxed);
}

std::string ServerState::RenderMetrics() const { return metrics.Render(plugins, databases.get(), &held); }

CallContext ServerState::CallOf(grpc::ServerContextBase* context, bool unary) const {
  CallContext call;
  call.deadline = DeadlineOf(context);
  if (statement_timeout > absl::ZeroDuration())
    call.deadline = std::min(call.deadline, absl::Now() + statement_timeout);
  call.cancelled = [context] { return context->IsCancelled(); };
  call.max_rows = unary ? max_rows : 0;
  if (in_flight_.load(std::memory_order_relaxed) == 1) {
    call.others_waiting = &UnaryCalls::OthersWaiting;
    if (serial_.load(std::memory_order_relaxed) && !overlapped_.load(std::memory_order_relaxed) &&
        short_calls_.load(std::memory_order_relaxed))
      call.busy_poll = busy_poll;
  }
  call.query_log = query_log;
  std::tie(call.trace_id, call.span_id) = TraceOf(context);
  const auto read = context->client_metadata().find(kReadMetadata);
  call.primary = read != context->client_metadata().end() && read->second == "primary";
  call.role = tokens.RoleOf(*context);
  if (const auto claims = context->client_metadata().find(kClaimsMetadata);
      !call.role.empty() && claims != context->client_metadata().end()) {
    call.claims.assign(claims->second.data(), claims->second.size());
  }
  if (sql_comment && !call.trace_id.empty()) {
    // The trace ids are checked hex: nothing else reaches the SQL text.
    call.sql_comment = absl::StrCat("/*traceparent='00-", call.trace_id, "-", call.span_id, "-01'*/");
  }
  return call;
}

void ServerState::LoadTypedApi(bool at_start) {
  absl::MutexLock lock(&typed_mu_);
  if (!at_start && absl::Now() - typed_loaded_ < absl::Seconds(1)) return;
  typed_loaded_ = absl::Now();
  CallContext call;
  call.deadline = absl::Now() + absl::Seconds(5);
  for (const auto& [name, db] : databases->all()) {
    // A database that did not answer at start (already waited for, and logged) is read when a
    // call names one of its typed services.
    if (at_start && db->pool().open_connections() == 0) continue;
    absl::StatusOr<std::vector<v1::SchemaVersion>> schemas = registry.List(*db, call);
    if (!schemas.ok()) {
      Log("warning", "typed API not loaded", {{"database", name}, {"error", std::string(schemas.status().message())}});
      continue;
    }
    for (const v1::SchemaVersion& version : *schemas) {
      absl::StatusOr<RegisteredSchema> schema = registry.Typed(*db, call, version.name(), 0);
      if (schema.ok()) {
        typed_api.Put(schema->typed);
      } else {
        Log("warning", "typed API not loaded",
            {{"database", name}, {"schema", version.name()}, {"error", std::string(schema.status().message())}});
      }
    }
  }
}

}  // namespace sluice
