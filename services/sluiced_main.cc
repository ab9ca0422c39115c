// sluiced: loads the dialect plugins, opens the databases, and serves the gRPC API.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "services/admin_service.h"
#include "services/health_service.h"
#include "services/migration_service.h"
#include "services/query_service.h"
#include "services/schema_service.h"
#include "services/server_options.h"

int main(int argc, char** argv) {
  using sluice::ServerOptions;
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
  std::error_code ec;
  const std::string executable = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::string plugin_dir = options->plugin_dir.empty() ? sluice::DefaultPluginDir(executable) : options->plugin_dir;
  plugin_dir = std::filesystem::absolute(plugin_dir, ec).string();
  // `bazel run` starts us in the runfiles tree; the user's folder is where the database lives.
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) std::filesystem::current_path(wd, ec);

  auto plugins = sluice::PluginRegistry::LoadDirectory(plugin_dir);
  if (!plugins.ok()) {
    std::cerr << "sluiced: " << plugins.status().message() << "\n";
    return 1;
  }
  for (const auto& plugin : plugins->plugins()) {
    std::cerr << "sluiced: loaded dialect " << plugin->name() << " " << plugin->version() << " (ABI "
              << plugin->abi_major() << "." << plugin->abi_minor() << ") from " << plugin->path() << "\n";
  }
  for (const auto& refused : plugins->refused()) {
    std::cerr << "sluiced: refused " << refused.reason << "\n";
  }
  sluice::ServerState state(*std::move(plugins));
  state.allow_raw_sql = options->allow_raw_sql;
  sluice::PoolOptions pool;
  pool.max_connections = options->pool_size;
  auto databases = sluice::Databases::Open(options->databases, state.plugins, pool);
  if (!databases.ok()) {
    std::cerr << "sluiced: " << databases.status().message() << "\n";
    return 2;
  }
  state.databases = *std::move(databases);
  for (const auto& [name, db] : state.databases->all()) {
    // Connect once now, so that a wrong URL shows at start (calls still retry later).
    auto conn = db->pool().Acquire(absl::Now() + absl::Seconds(5));
    std::cerr << "sluiced: database " << name << " = " << db->display_url()
              << (conn.ok() ? "" : " (not reachable yet: " + std::string(conn.status().message()) + ")")
              << "\n";
  }

  sluice::SchemaServiceImpl schema_service(state);
  sluice::QueryServiceImpl query_service(state);
  sluice::MigrationServiceImpl migration_service(state);
  sluice::AdminServiceImpl admin_service(state);
  sluice::HealthServiceImpl health_service({"sluice.v1.SchemaService", "sluice.v1.QueryService",
                                            "sluice.v1.MigrationService", "sluice.v1.AdminService"});

  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options->listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&schema_service);
  builder.RegisterService(&query_service);
  builder.RegisterService(&migration_service);
  builder.RegisterService(&admin_service);
  builder.RegisterService(&health_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "sluiced: cannot listen on " << options->listen << "\n";
    return 1;
  }
  const std::string host = options->listen.substr(0, options->listen.rfind(':'));
  std::cout << "sluiced listening on " << host << ":" << port << std::endl;

  std::thread stopper([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    std::cerr << "sluiced: signal " << signal << ", shutting down\n";
    health_service.SetNotServing();
    std::this_thread::sleep_for(std::chrono::duration<double>(options->shutdown_delay_seconds));
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  });
  server->Wait();
  stopper.join();
  return 0;
}
