// sluiced: the gRPC server. Flags and signals here; the server itself is //server:server.
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/log.h"
#include "common/version.h"
#include "server/server.h"
#include "server/server_options.h"

#ifdef __SANITIZE_ADDRESS__
// LeakSanitizer (the asan build, tools/test.sh): the MariaDB client library's one-time
// initialisation (under pthread_once) is never freed, and once the mysql plugin is unloaded at
// exit nothing points to it any more. Not sluiced's memory.
extern "C" const char* __lsan_default_suppressions() { return "leak:__pthread_once_slow\n"; }
#endif

int main(int argc, char** argv) {
  // Abseil's mutex deadlock detection (on in Debian's build) costs every lock a graph lookup.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // SIGTERM / SIGINT are taken by sigwait below: blocked in every thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto options =
      sluice::ParseServerOptions({argv + 1, argv + argc}, [](const char* name) { return std::getenv(name); });
  if (!options.ok()) {
    std::cerr << "sluiced: " << options.status().message() << "\n";
    return 2;
  }
  if (options->help) {
    std::cout << sluice::ServerUsage();
    return 0;
  }
  if (options->version) {
    std::cout << "sluiced " << sluice::VersionLine() << "\n";
    return 0;
  }
  // `bazel run` starts us in the runfiles tree; the user's folder is where the database lives.
  // A relative --plugin-dir is taken from where we started.
  std::error_code ec;
  if (!options->plugin_dir.empty()) options->plugin_dir = std::filesystem::absolute(options->plugin_dir, ec).string();
  if (const char* wd = std::getenv("BUILD_WORKING_DIRECTORY")) std::filesystem::current_path(wd, ec);
  auto server = sluice::Server::Start(*options);
  if (!server.ok()) {
    sluice::Log("error", server.status().message());
    return server.status().code() == absl::StatusCode::kUnavailable ? 1 : 2;
  }
  sluice::Announce("sluiced listening on", "address", (*server)->address());
  if (!(*server)->metrics_address().empty()) {
    sluice::Announce("sluiced metrics on", "address", (*server)->metrics_address());
  }
  if (!(*server)->http_address().empty()) {
    sluice::Announce("sluiced http on", "address", (*server)->http_address());
  }
  int signal = 0;
  sigwait(&signals, &signal);
  sluice::Log("info", "shutting down", {{"signal", absl::StrCat(signal)}});
  (*server)->Shutdown();
  sluice::Log("info", "stopped");
  return 0;
}
