// What the services share: plugins, databases, the schema registry and the migrator, and what
// every call goes through first (tokens, the concurrent calls limit, metrics, the call's limits).
#ifndef SLUICE_SERVICES_SERVER_STATE_H_
#define SLUICE_SERVICES_SERVER_STATE_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "google/protobuf/message.h"
#include "migrations/migrator.h"
#include "plugins/plugin_registry.h"
#include "registry/schema_registry.h"
#include "services/auth.h"
#include "services/held_connections.h"
#include "services/metrics.h"
#include "services/prepared_statements.h"
#include "services/unary_calls.h"
#include "services/worker_pool.h"
#include "typed/typed_schema.h"

namespace sluice {

struct ServerState {
  explicit ServerState(PluginRegistry loaded) : plugins(std::move(loaded)), migrator(registry) {}

  // Runs one RPC's `body`: authorizes the call for `scope`, admits it under the concurrent
  // calls limit (RESOURCE_EXHAUSTED beyond), and records its outcome and latency per method
  // and database.
  grpc::Status Serve(grpc::ServerContextBase* context, const char* method, Scope scope, const std::string& database,
                     const std::function<absl::Status()>& body);

  // Serve for a handler that must not block (UnaryCalls): `body` runs on the calling thread and
  // calls `finish` exactly once with the outcome, at once or later from any thread (the event
  // loop, a worker), which records the call and answers it through `answer`. A value of
  // `request` (when given; it must outlive the call) that the database refused to store is named
  // by its field path (NameUnstorableValue).
  using Finish = std::function<void(const absl::Status&)>;
  void ServeAsync(grpc::ServerContextBase* context, const char* method, Scope scope, const std::string& database,
                  const google::protobuf::Message* request, Answer answer, const std::function<void(Finish)>& body);

  // The call as the executor sees it: its deadline (capped by statement_timeout), whether the
  // client cancelled, the row limit, the query log.
  CallContext CallOf(grpc::ServerContextBase* context, bool unary = true) const;

  // Why a call waits on its client (each with its limit and its metric label).
  enum class ClientWait { kIdleTransaction, kStreamStall };
  // While the returned watch lives, `fire` runs (on the watchdog's thread; it must not block)
  // once the call has waited on its client longer than that wait's limit; without `fire` the call
  // is cancelled (its pending Read or Write returns false). Null when the limit is off. After the
  // wait: TimedOut(watch, wait) is the error the call ends with, or OK.
  std::unique_ptr<CallWatchdog::Watch> WaitOnClient(grpc::ServerContextBase* context, ClientWait wait,
                                                    std::function<void()> fire = nullptr);
  absl::Status TimedOut(const std::unique_ptr<CallWatchdog::Watch>& watch, ClientWait wait);
  // The error of a call that waited on its client too long (counted in the metrics).
  absl::Status WaitedTooLong(ClientWait wait);

  // The metrics text (/metrics).
  std::string RenderMetrics() const;
  // No call is being served (admitted and not done), none overlapped another since the last time
  // this said so, and the last one took less than busy_poll: the client calls one at a time, and
  // a thread that polls for its next call spares a wake-up. With calls that overlap, the cores
  // polling would take are the client's and the database's (update_product at 8 in flight: +14%
  // calls/s without it, measured); so they are with calls that take longer, of which a wake-up is
  // a small part (customers_by_name one at a time: the same calls/s for 0.33 instead of 0.53 ms
  // of sluiced CPU per call, measured).
  bool IdleAfterSerialCalls();

  PluginRegistry plugins;
  std::unique_ptr<Databases> databases;
  SchemaRegistry registry;
  Migrator migrator;
  PreparedStatements prepared;
  Tokens tokens;
  Metrics metrics;
  bool allow_raw_sql = false;
  size_t max_concurrent_calls = 0;
  absl::Duration statement_timeout = absl::ZeroDuration();
  absl::Duration idle_transaction_timeout = absl::ZeroDuration();  // 0: never
  absl::Duration stream_stall_timeout = absl::ZeroDuration();      // 0: never
  HeldConnections held;
  size_t max_rows = 0;
  // How long a serving thread with no other call in flight polls before it sleeps (--busy-poll-us).
  absl::Duration busy_poll = absl::ZeroDuration();
  bool query_log = false;
  bool sql_comment = false;
  // Where handlers that must not block send the work that does: the one-statement calls (a
  // thread per pooled connection), and the work of calls that go at their client's pace, the
  // interactive transactions' steps and the typed services' streams (threads as many as such work
  // at once: a transaction's step may wait for a connection another transaction holds, a stream
  // runs until its client has read it all).
  std::unique_ptr<WorkerPool> workers;
  std::unique_ptr<WorkerPool> session_workers;
  // The typed API of every registered schema (typed/): put by RegisterSchema, loaded at start,
  // and loaded again when a call or reflection names a typed service this server lacks
  // (registered through another server).
  typed::TypedApi typed_api;
  // Loads every database's schemas' typed APIs: at start (of the databases that answered), then at
  // most once a second. Blocks on the databases: never on a completion-queue thread.
  void LoadTypedApi(bool at_start);

 private:
  // Authorizes and admits a call (then counted in flight): its refusal otherwise, recorded.
  grpc::Status Admit(grpc::ServerContextBase* context, const char* method, Scope scope);
  // Records an admitted call's outcome and lets it go; the status to answer with.
  grpc::Status Done(grpc::ServerContextBase* context, const char* method, const std::string& database,
                    std::chrono::steady_clock::time_point start, const absl::Status& status);

  std::atomic<size_t> in_flight_{0};
  // A call was admitted while another was in flight (cleared by IdleAfterSerialCalls); and
  // whether none had when IdleAfterSerialCalls last found no call in flight.
  std::atomic<bool> overlapped_{false};
  std::atomic<bool> serial_{true};
  // The last call done took no longer than busy_poll.
  std::atomic<bool> short_calls_{true};
  absl::Mutex typed_mu_;
  absl::Time typed_loaded_ ABSL_GUARDED_BY(typed_mu_) = absl::InfinitePast();
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_SERVER_STATE_H_
