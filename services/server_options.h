// sluiced's configuration: flags, then SLUICE_* environment variables, then defaults.
#ifndef SLUICE_SERVICES_SERVER_OPTIONS_H_
#define SLUICE_SERVICES_SERVER_OPTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";
  // Empty: next to the binary (see DefaultPluginDir).
  std::string plugin_dir;
  // NAME=URL; empty: default=sqlite:sluice.db in the working folder.
  std::vector<std::string> databases;
  size_t pool_size = 8;
  // On SIGTERM: Health turns NOT_SERVING at once, new calls are still served for this long (so
  // probes and watchers see it), then the server stops taking calls and drains.
  double shutdown_delay_seconds = 0;
  // QueryService.Raw runs raw SQL only when this is set.
  bool allow_raw_sql = false;
  bool help = false;
};

// Flags win over the environment (looked up through `getenv`).
absl::StatusOr<ServerOptions> ParseServerOptions(
    const std::vector<std::string>& args, const std::function<const char*(const char*)>& getenv);

std::string ServerUsage();

// Where plugins are when no directory is configured: beside a Bazel-built binary in its
// runfiles (lib/plugins), or in an installed tree (<prefix>/lib/sluice/plugins).
std::string DefaultPluginDir(const std::string& executable);

}  // namespace sluice

#endif  // SLUICE_SERVICES_SERVER_OPTIONS_H_
