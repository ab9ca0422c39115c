#include "server/server.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/file.h"
#include "common/log.h"
#include "services/admin_service.h"
#include "services/health_service.h"
#include "services/http_door.h"
#include "services/malformed_requests.h"
#include "services/metrics_http.h"
#include "services/migration_service.h"
#include "services/query_service.h"
#include "services/reflection_service.h"
#include "services/schema_service.h"
#include "services/server_state.h"
#include "services/typed_calls.h"

namespace sluice {
namespace {

bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]" || host == "::1" ||
         absl::StartsWith(listen, "unix:");
}

// Insecure, or TLS (mutual with a client CA), from the options.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const ServerOptions& options) {
  if (options.tls_cert.empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!ReadFile(options.tls_key, &pair.private_key) || !ReadFile(options.tls_cert, &pair.cert_chain)) {
    return absl::InvalidArgumentError("cannot read --tls-cert / --tls-key");
  }
  ssl.pem_key_cert_pairs.push_back(pair);
  if (!options.tls_client_ca.empty()) {
    if (!ReadFile(options.tls_client_ca, &ssl.pem_root_certs)) {
      return absl::InvalidArgumentError("cannot read --tls-client-ca");
    }
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

std::string HostOf(const std::string& listen) { return listen.substr(0, listen.rfind(':')); }

}  // namespace

struct Server::State {
  explicit State(PluginRegistry plugins)
      : shared(std::move(plugins)),
        schema_service(shared),
        query_service(shared),
        migration_service(shared),
        admin_service(shared),
        // Readiness: every database answers (a pooled connection, checked without a round trip).
        health_service({"sluice.v1.SchemaService", "sluice.v1.QueryService", "sluice.v1.MigrationService",
                        "sluice.v1.AdminService"},
                       [this] {
                         for (const auto& [name, db] : shared.databases->all()) {
                           if (!db->pool().Acquire(absl::Now() + absl::Seconds(1)).ok()) return false;
                         }
                         return true;
                       }),
        reflection_v1(shared, ReflectedServices()),
        reflection_v1alpha(shared, ReflectedServices()) {}
  // gRPC's order, also when Start fails after the server started: the server stops, then its
  // completion queues are drained, then the server goes.
  ~State() {
    ending.Notify();
    if (plugin_loader.joinable()) plugin_loader.join();
    if (grpc_server != nullptr) grpc_server->Shutdown();
    if (unary_calls != nullptr) unary_calls->Shutdown();
  }

  static std::vector<std::string> ReflectedServices() {
    return {v1::SchemaService::service_full_name(),
            v1::QueryService::service_full_name(),
            v1::MigrationService::service_full_name(),
            v1::AdminService::service_full_name(),
            "grpc.health.v1.Health",
            grpc::reflection::v1::ServerReflection::service_full_name(),
            grpc::reflection::v1alpha::ServerReflection::service_full_name()};
  }

  ServerOptions options;
  ServerState shared;
  SchemaServiceImpl schema_service;
  QueryServiceImpl query_service;
  MigrationServiceImpl migration_service;
  AdminServiceImpl admin_service;
  HealthServiceImpl health_service;
  ReflectionV1 reflection_v1;
  ReflectionV1Alpha reflection_v1alpha;
  // Before grpc_server: its completion queues outlive the server (the typed calls use them too).
  std::unique_ptr<UnaryCalls> unary_calls;
  std::unique_ptr<TypedCalls> typed_calls;
  std::unique_ptr<grpc::Server> grpc_server;
  std::unique_ptr<MetricsHttp> metrics;
  // Loads the plugins no configured database uses, a moment after serving started (unless the
  // server ends first): loading them at once slowed the start (the dynamic loader's lock).
  std::thread plugin_loader;
  absl::Notification ending;
  std::unique_ptr<HttpDoor> http_door;  // after grpc_server: it calls into it
  std::string address;
  std::string metrics_address;
  std::string http_address;
  absl::Mutex mu;
  bool stopped ABSL_GUARDED_BY(mu) = false;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  SetJsonLog(options.log_format == "json");
  absl::StatusOr<Tokens> tokens = Tokens::Load(options.tokens_file, options.tokens);
  if (!tokens.ok()) return tokens.status();
  if (!tokens->enabled()) {
    if (!IsLoopback(options.listen) || (!options.http_listen.empty() && !IsLoopback(options.http_listen))) {
      return absl::InvalidArgumentError(
          "refusing to serve without authentication on a non-loopback address: configure tokens "
          "(--tokens-file / SLUICE_TOKENS) or listen on 127.0.0.1 (--listen and --http-listen)");
    }
    Log("warning",
        "NO TOKENS CONFIGURED: every call is allowed, so sluiced serves on loopback only; "
        "set --tokens-file or SLUICE_TOKENS for production",
        {{"listen", options.listen}});
  }
  std::error_code ec;
  std::string plugin_dir = options.plugin_dir;
  if (plugin_dir.empty()) plugin_dir = DefaultPluginDir(std::filesystem::read_symlink("/proc/self/exe", ec).string());
  plugin_dir = std::filesystem::absolute(plugin_dir, ec).string();
  // The plugins of the configured databases load now, the others once serving started.
  std::vector<std::string> schemes;
  for (const std::vector<std::string>* specs : {&options.databases, &options.replicas}) {
    for (const std::string& spec : *specs) {
      schemes.push_back(UrlScheme(spec.substr(spec.find('=') + 1)));
    }
  }
  absl::StatusOr<PluginRegistry> plugins =
      PluginRegistry::LoadDirectory(plugin_dir, schemes, [](const DialectPlugin* plugin, const RefusedPlugin* refused) {
        if (refused != nullptr) {
          Log("warning", "refused a plugin", {{"reason", refused->reason}});
          return;
        }
        Log("info", "loaded dialect plugin",
            {{"dialect", plugin->name()},
             {"version", plugin->version()},
             {"abi", absl::StrCat(plugin->abi_major(), ".", plugin->abi_minor())},
             {"path", plugin->path()}});
      });
  if (!plugins.ok()) {
    // Outside Bazel (a copied binary) the default folder is usually what is missing: say where
    // sluiced looked and how to name the folder.
    return absl::Status(
        plugins.status().code(),
        absl::StrCat(plugins.status().message(),
                     options.plugin_dir.empty()
                         ? " (the default, beside the binary: BINARY.runfiles/sluice/lib/plugins or "
                           "PREFIX/lib/sluice/plugins); name the folder holding libsluice_*.so with --plugin-dir DIR "
                           "(SLUICE_PLUGIN_DIR)"
                         : " (given by --plugin-dir / SLUICE_PLUGIN_DIR)"));
  }

  auto state = std::make_unique<State>(*std::move(plugins));
  state->options = options;
  ServerState& shared = state->shared;
  shared.tokens = *std::move(tokens);
  shared.allow_raw_sql = options.allow_raw_sql;
  shared.max_concurrent_calls = options.max_concurrent_calls;
  shared.statement_timeout = absl::Seconds(options.statement_timeout_seconds);
  shared.busy_poll = absl::Microseconds(options.busy_poll_us);
  shared.idle_transaction_timeout = absl::Seconds(options.idle_transaction_timeout_seconds);
  shared.stream_stall_timeout = absl::Seconds(options.stream_stall_timeout_seconds);
  shared.held.set_limit(options.max_held_connections);
  shared.max_rows = options.max_rows;
  shared.query_log = options.query_log;
  shared.sql_comment = options.sql_comment;
  PoolOptions pool;
  pool.max_connections = options.pool_size;
  pool.pipeline_depth = options.pipeline_depth;
  absl::StatusOr<std::unique_ptr<Databases>> databases =
      Databases::Open(options.databases, shared.plugins, pool, options.replicas);
  if (!databases.ok()) return databases.status();
  shared.databases = *std::move(databases);
  // A worker per pooled connection (at least 4) for the callback handlers' blocking work.
  size_t connections = 0;
  for (const auto& [name, db] : shared.databases->all()) connections += (1 + db->replicas().size()) * options.pool_size;
  shared.workers = std::make_unique<WorkerPool>(std::max<size_t>(4, connections));
  shared.session_workers = std::make_unique<WorkerPool>(1, /*grow=*/true);
  for (const auto& [name, db] : shared.databases->all()) {
    // Connect once now, so that a wrong URL shows at start (calls still retry later).
    auto conn = db->pool().Acquire(absl::Now() + absl::Seconds(5));
    if (conn.ok()) {
      Log("info", "database", {{"name", name}, {"url", db->display_url()}});
    } else {
      Log("warning", "database not reachable yet",
          {{"name", name}, {"url", db->display_url()}, {"error", std::string(conn.status().message())}});
    }
    for (const auto& replica : db->replicas()) {
      auto read = replica->pool().Acquire(absl::Now() + absl::Seconds(5));
      if (read.ok()) {
        Log("info", "replica", {{"database", name}, {"url", replica->display_url()}});
      } else {
        replica->Failed(read.status());  // logged; reads try it again after the backoff
      }
    }
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = Credentials(options);
  if (!credentials.ok()) return credentials.status();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second sluiced on the same port would bind too, and
  // calls would alternate between two servers (and their databases). Refuse the port instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(MalformedRequestsInterceptor(
      {v1::QueryService::service_full_name(), v1::SchemaService::service_full_name(),
       v1::MigrationService::service_full_name(), v1::AdminService::service_full_name(), "grpc.health.v1.Health"},
      QueryServiceImpl::DecodingMethodPaths()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  int port = 0;
  builder.AddListeningPort(options.listen, *credentials, &port);
  if (!options.unix_socket.empty()) {
    std::filesystem::remove(options.unix_socket, ec);  // a socket left by an earlier run
    builder.AddListeningPort("unix:" + options.unix_socket, *credentials);
  }
  // gRPC's synchronous server ends a handler thread that finds more than MAX_POLLERS threads
  // waiting for work, and starts one when fewer than MIN_POLLERS wait: with the defaults (2 and
  // 1), every burst of calls beyond two started and ended threads, about one per three calls at
  // 16 calls in flight. A thread per pooled connection stays (at least 4): each call that holds
  // a connection can come back for the next without a thread being made.
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              static_cast<int>(std::max<size_t>(4, connections)));
  builder.SetMaxReceiveMessageSize(static_cast<int>(options.max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(options.max_message_bytes));
  builder.RegisterService(&state->schema_service);
  builder.RegisterService(&state->query_service);
  builder.RegisterService(&state->migration_service);
  builder.RegisterService(&state->admin_service);
  builder.RegisterService(&state->health_service);
  builder.RegisterService(&state->reflection_v1);
  builder.RegisterService(&state->reflection_v1alpha);
  // The typed services of registered schemas (loaded now; RegisterSchema adds more).
  shared.LoadTypedApi(true);
  state->typed_calls = std::make_unique<TypedCalls>(builder, shared, state->query_service);
  // A completion queue (and its thread) per two cores for the one-statement calls: the other
  // cores run the event loop, the database and the clients (on 2 cores, one queue served 18%
  // more point selects at 32 in flight than two, whose threads woke each other).
  state->unary_calls =
      std::make_unique<UnaryCalls>(builder, std::max(1u, std::thread::hardware_concurrency() / 2), shared.busy_poll,
                                   [&shared] { return shared.IdleAfterSerialCalls(); });
  state->grpc_server = builder.BuildAndStart();
  if (state->grpc_server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen,
                                               options.unix_socket.empty() ? "" : " and unix:" + options.unix_socket,
                                               " (is another server using the address?)"));
  }
  state->query_service.ServeUnary(*state->unary_calls);
  state->query_service.ServeTransactions(*state->unary_calls);
  state->query_service.ServeSelectStreams(*state->unary_calls);
  state->typed_calls->ServeOn(*state->unary_calls);
  state->unary_calls->Start();
  state->address = absl::StrCat(HostOf(options.listen), ":", port);
  if (!options.metrics_listen.empty()) {
    State* s = state.get();
    absl::StatusOr<std::unique_ptr<MetricsHttp>> metrics =
        MetricsHttp::Start(options.metrics_listen, [s] { return s->shared.RenderMetrics(); });
    if (!metrics.ok()) return metrics.status();
    state->metrics = *std::move(metrics);
    state->metrics_address = absl::StrCat(HostOf(options.metrics_listen), ":", state->metrics->port());
  }
  if (!options.http_listen.empty()) {
    HttpDoorOptions door{options.http_listen, options.max_message_bytes, options.tls_cert, options.tls_key,
                         options.tls_client_ca};
    absl::StatusOr<std::unique_ptr<HttpDoor>> http = HttpDoor::Start(door, *state->grpc_server, shared);
    if (!http.ok()) return http.status();
    state->http_door = *std::move(http);
    state->http_address = absl::StrCat(HostOf(options.http_listen), ":", state->http_door->port());
  }
  Log("info", "serving",
      {{"listen", state->address},
       {"unix_socket", options.unix_socket},
       {"tls", options.tls_cert.empty()        ? "off"
               : options.tls_client_ca.empty() ? "on"
                                               : "mutual"},
       {"auth", shared.tokens.enabled() ? "tokens" : "none"}});
  if (shared.plugins.Pending() > 0) {
    state->plugin_loader = std::thread([s = state.get()] {
      if (!s->ending.WaitForNotificationWithTimeout(absl::Milliseconds(200))) s->shared.plugins.LoadRest();
    });
  }
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}

Server::~Server() { Shutdown(); }

const std::string& Server::address() const { return state_->address; }

const std::string& Server::metrics_address() const { return state_->metrics_address; }
const std::string& Server::http_address() const { return state_->http_address; }

std::string Server::Metrics() const { return state_->shared.RenderMetrics(); }

void Server::Shutdown() {
  absl::MutexLock lock(&state_->mu);
  if (state_->stopped) return;
  state_->stopped = true;
  state_->health_service.SetNotServing();
  std::this_thread::sleep_for(std::chrono::duration<double>(state_->options.shutdown_delay_seconds));
  state_->grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::microseconds(static_cast<int64_t>(
                                                                       state_->options.shutdown_grace_seconds * 1e6)));
  state_->unary_calls->Shutdown();
  state_->grpc_server->Wait();
  state_->http_door.reset();  // its calls all answered (the server waited for them)
  state_->metrics.reset();
}

}  // namespace sluice
