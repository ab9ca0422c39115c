// sluiced: loads the dialect plugins, opens the databases, and serves the gRPC API.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/file.h"
#include "common/log.h"
#include "services/admin_service.h"
#include "services/health_service.h"
#include "services/metrics_http.h"
#include "services/migration_service.h"
#include "services/query_service.h"
#include "services/schema_service.h"
#include "services/server_options.h"

namespace {

using sluice::ReadFile;
using sluice::Log;

bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1" ||
         absl::StartsWith(listen, "unix:");
}


// Insecure, or TLS (mutual with a client CA), from the options.
std::shared_ptr<grpc::ServerCredentials> Credentials(const sluice::ServerOptions& options, std::string* error) {
  if (options.tls_cert.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!ReadFile(options.tls_key, &pair.private_key) || !ReadFile(options.tls_cert, &pair.cert_chain)) {
    *error = "cannot read --tls-cert / --tls-key";
    return nullptr;
  }
  ssl.pem_key_cert_pairs.push_back(pair);
  if (!options.tls_client_ca.empty()) {
    if (!ReadFile(options.tls_client_ca, &ssl.pem_root_certs)) {
      *error = "cannot read --tls-client-ca";
      return nullptr;
    }
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

int main(int argc, char** argv) {
  using sluice::ServerOptions;
  // Abseil's mutex deadlock detection (on in Debian's build) costs every lock a graph lookup.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // SIGTERM / SIGINT are taken by a thread of ours (sigwait), in every thread blocked.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto options = sluice::ParseServerOptions({argv + 1, argv + argc}, [](const char* name) { return std::getenv(name); });
  if (!options.ok()) {
    std::cerr << "sluiced: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << sluice::ServerUsage();
    return 0;
  }
  sluice::SetJsonLog(options->log_format == "json");
  auto tokens = sluice::Tokens::Load(options->tokens_file, options->tokens);
  if (!tokens.ok()) {
    Log("error", tokens.status().message());
    return 2;
  }
  if (!tokens->enabled()) {
    if (!IsLoopback(options->listen)) {
      Log("error", "refusing to serve without authentication on a non-loopback address: configure tokens "
                   "(--tokens-file / SLUICE_TOKENS) or listen on 127.0.0.1",
          {{"listen", options->listen}});
      return 2;
    }
    Log("warning", "NO TOKENS CONFIGURED: every call is allowed, so sluiced serves on loopback only; "
                   "set --tokens-file or SLUICE_TOKENS for production",
        {{"listen", options->listen}});
  }
  std::error_code ec;
  const std::string executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::string plugin_dir = options->plugin_dir.empty() ? sluice::DefaultPluginDir(executable) : options->plugin_dir;
  plugin_dir = std::filesystem::absolute(plugin_dir, ec).string();
  // `bazel run` starts us in the runfiles tree; the user's folder is where the database lives.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) std::filesystem::current_path(wd, ec);

  auto plugins = sluice::PluginRegistry::LoadDirectory(plugin_dir);
  if (!plugins.ok()) {
    Log("error", plugins.status().message());
    return 1;
  }
  for (const auto& plugin : plugins->plugins()) {
    Log("info", "loaded dialect plugin",
        {{"dialect", plugin->name()}, {"version", plugin->version()},
         {"abi", absl::StrCat(plugin->abi_major(), ".", plugin->abi_minor())}, {"path", plugin->path()}});
  }
  for (const auto& refused : plugins->refused()) Log("warning", "refused a plugin", {{"reason", refused.reason}});
  sluice::ServerState state(*std::move(plugins));
  state.tokens = *std::move(tokens);
  state.allow_raw_sql = options->allow_raw_sql;
  state.max_concurrent_calls = options->max_concurrent_calls;
  state.statement_timeout = absl::Seconds(options->statement_timeout_seconds);
  state.max_rows = options->max_rows;
  state.query_log = options->query_log;
  sluice::PoolOptions pool;
  pool.max_connections = options->pool_size;
  auto databases = sluice::Databases::Open(options->databases, state.plugins, pool);
  if (!databases.ok()) {
    Log("error", databases.status().message());
    return 2;
  }
  state.databases = *std::move(databases);
  for (const auto& [name, db] : state.databases->all()) {
    // Connect once now, so that a wrong URL shows at start (calls still retry later).
    auto conn = db->pool().Acquire(absl::Now() + absl::Seconds(5));
    Log(conn.ok() ? "info" : "warning", conn.ok() ? "database" : "database not reachable yet",
        {{"name", name}, {"url", db->display_url()}, {"error", conn.ok() ? "" : std::string(conn.status().message())}});
  }

  sluice::SchemaServiceImpl schema_service(state);
  sluice::QueryServiceImpl query_service(state);
  sluice::MigrationServiceImpl migration_service(state);
  sluice::AdminServiceImpl admin_service(state);
  // Readiness: every database answers (a pooled connection, checked without a round trip).
  sluice::HealthServiceImpl health_service(
      {"sluice.v1.SchemaService", "sluice.v1.QueryService", "sluice.v1.MigrationService", "sluice.v1.AdminService"},
      [&state] {
        for (const auto& [name, db] : state.databases->all()) {
          if (!db->pool().Acquire(absl::Now() + absl::Seconds(1)).ok()) return false;
        }
        return true;
      });

  std::string error;
  auto credentials = Credentials(*options, &error);
  if (credentials == nullptr) {
    Log("error", error);
    return 2;
  }
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options->listen, credentials, &port);
  if (!options->unix_socket.empty()) {
    std::filesystem::remove(options->unix_socket, ec);  // a socket left by an earlier run
    builder.AddListeningPort("unix:" + options->unix_socket, credentials);
  }
  // gRPC's synchronous server ends a handler thread that finds more than MAX_POLLERS threads
  // waiting for work, and starts one when fewer than MIN_POLLERS wait: with the defaults (2 and
  // 1), every burst of calls beyond two started and ended threads, about one per three calls at
  // 16 calls in flight. A thread per pooled connection stays (at least 4): each call that holds
  // a connection can come back for the next without a thread being made.
  const size_t connections = state.databases->all().size() * options->pool_size;
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              static_cast<int>(std::max<size_t>(4, connections)));
  builder.SetMaxReceiveMessageSize(static_cast<int>(options->max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(options->max_message_bytes));
  builder.RegisterService(&schema_service);
  builder.RegisterService(&query_service);
  builder.RegisterService(&migration_service);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&health_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Log("error", "cannot listen", {{"listen", options->listen}, {"unix_socket", options->unix_socket}});
    return 1;
  }
  const std::string host = options->listen.substr(0, options->listen.rfind(':'));
  std::cout << "sluiced listening on " << host << ":" << port << std::endl;
  std::unique_ptr<sluice::MetricsHttp> metrics;
  if (!options->metrics_listen.empty()) {
    auto started = sluice::MetricsHttp::Start(options->metrics_listen, [&state] {
      return state.metrics.Render(state.plugins, state.databases.get());
    });
    if (!started.ok()) {
      Log("error", started.status().message());
      return 1;
    }
    metrics = *std::move(started);
    const std::string metrics_host = options->metrics_listen.substr(0, options->metrics_listen.rfind(':'));
    std::cout << "sluiced metrics on " << metrics_host << ":" << metrics->port() << std::endl;
  }
  Log("info", "serving", {{"listen", absl::StrCat(host, ":", port)}, {"unix_socket", options->unix_socket},
                          {"tls", options->tls_cert.empty() ? "off" : options->tls_client_ca.empty() ? "on" : "mutual"},
                          {"auth", state.tokens.enabled() ? "tokens" : "none"}});

  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    Log("info", "shutting down", {{"signal", absl::StrCat(signal)}});
    health_service.SetNotServing();
    std::this_thread::sleep_for(std::chrono::duration<double>(options->shutdown_delay_seconds));
    server->Shutdown(std::chrono::system_clock::now() +
                     std::chrono::microseconds(static_cast<int64_t>(options->shutdown_grace_seconds * 1e6)));
  });
  server->Wait();
  stopper.join();
  metrics.reset();
  Log("info", "stopped");
  return 0;
}
