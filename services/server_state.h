// What the services share: plugins, databases, the schema registry and the migrator, and what
// every call goes through first (tokens, the concurrent calls limit, metrics, the call's limits).
#ifndef SLUICE_SERVICES_SERVER_STATE_H_
#define SLUICE_SERVICES_SERVER_STATE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "migrations/migrator.h"
#include "plugins/plugin_registry.h"
#include "registry/schema_registry.h"
#include "services/auth.h"
#include "services/metrics.h"
#include "services/prepared_statements.h"

namespace sluice {

struct ServerState {
  explicit ServerState(PluginRegistry loaded) : plugins(std::move(loaded)), migrator(registry) {}

  // Runs one RPC's `body`: authorizes the call for `scope`, admits it under the concurrent
  // calls limit (RESOURCE_EXHAUSTED beyond), and records its outcome and latency per method
  // and database.
  grpc::Status Serve(grpc::ServerContext* context, const char* method, Scope scope, const std::string& database,
                     const std::function<absl::Status()>& body);

  // The call as the executor sees it: its deadline (capped by statement_timeout), whether the
  // client cancelled, the row limit, the query log.
  CallContext CallOf(grpc::ServerContext* context, bool unary = true) const;

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
  size_t max_rows = 0;
  bool query_log = false;

 private:
  std::atomic<size_t> in_flight_{0};
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_SERVER_STATE_H_
