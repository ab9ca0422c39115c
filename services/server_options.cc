#include "services/server_options.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sluice {

std::string ServerUsage() {
  return R"(sluiced — the Sluice gRPC ORM server

Usage: sluiced [flags]

  --listen HOST:PORT     where to serve gRPC (env SLUICE_LISTEN; default 127.0.0.1:50051;
                         port 0 picks a free port, printed on start)
  --plugin-dir DIR       the dialect plugins (*.so) to load (env SLUICE_PLUGIN_DIR; default:
                         the plugins built beside this binary)
  --database NAME=URL    a database to serve; repeatable (env SLUICE_DATABASES: NAME=URL entries
                         separated by `;`). The URL scheme picks the dialect plugin:
                           sqlite:PATH   postgres://user:pass@host:port/db   mysql://...
                         Default: default=sqlite:sluice.db (a file in the working folder).
  --pool-size N          connections per database (env SLUICE_POOL_SIZE; default 8)
  --shutdown-delay S     seconds between SIGTERM turning Health NOT_SERVING and the server
                         refusing new calls (env SLUICE_SHUTDOWN_DELAY; default 0)
  --allow-raw-sql        let QueryService.Raw run SQL text (env SLUICE_ALLOW_RAW_SQL=1; off by
                         default: raw SQL bypasses the schema, so only trusted callers should
                         reach a server that allows it)
  --help                 this text

On start, sluiced prints `sluiced listening on HOST:PORT`. SIGTERM or SIGINT turns Health to
NOT_SERVING, waits --shutdown-delay, lets calls in flight finish (10 s at most), and exits 0.
)";
}

absl::StatusOr<ServerOptions> ParseServerOptions(
    const std::vector<std::string>& args, const std::function<const char*(const char*)>& getenv) {
  ServerOptions options;
  std::vector<std::string> flag_databases;
  std::string listen, plugin_dir, pool_size, shutdown_delay;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    if (arg == "--allow-raw-sql") {
      options.allow_raw_sql = true;
      continue;
    }
    std::string value;
    absl::string_view name = arg;
    const size_t eq = arg.find('=');
    if (absl::StartsWith(arg, "--") && eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value (see --help)"));
    }
    if (name == "--listen") {
      listen = value;
    } else if (name == "--plugin-dir") {
      plugin_dir = value;
    } else if (name == "--database") {
      flag_databases.push_back(value);
    } else if (name == "--pool-size") {
      pool_size = value;
    } else if (name == "--shutdown-delay") {
      shutdown_delay = value;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name, " (see --help)"));
    }
  }
  auto env = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v ? v : "";
  };
  if (listen.empty()) listen = env("SLUICE_LISTEN");
  if (!listen.empty()) options.listen = listen;
  options.plugin_dir = plugin_dir.empty() ? env("SLUICE_PLUGIN_DIR") : plugin_dir;
  if (pool_size.empty()) pool_size = env("SLUICE_POOL_SIZE");
  if (!pool_size.empty() && (!absl::SimpleAtoi(pool_size, &options.pool_size) || options.pool_size == 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--pool-size `", pool_size, "` is not a positive number"));
  }
  if (env("SLUICE_ALLOW_RAW_SQL") == "1" || env("SLUICE_ALLOW_RAW_SQL") == "true") options.allow_raw_sql = true;
  if (shutdown_delay.empty()) shutdown_delay = env("SLUICE_SHUTDOWN_DELAY");
  if (!shutdown_delay.empty() &&
      (!absl::SimpleAtod(shutdown_delay, &options.shutdown_delay_seconds) || options.shutdown_delay_seconds < 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--shutdown-delay `", shutdown_delay, "` is not a number of seconds"));
  }
  options.databases = flag_databases;
  if (options.databases.empty()) {
    for (absl::string_view spec : absl::StrSplit(env("SLUICE_DATABASES"), absl::ByAnyChar(";\n"), absl::SkipWhitespace())) {
      options.databases.emplace_back(absl::StripAsciiWhitespace(spec));
    }
  }
  if (options.databases.empty()) options.databases.push_back("default=sqlite:sluice.db");
  return options;
}

std::string DefaultPluginDir(const std::string& executable) {
  namespace fs = std::filesystem;
  const fs::path exe(executable);
  for (const fs::path& candidate :
       {fs::path(executable + ".runfiles") / "sluice" / "lib" / "plugins",
        exe.parent_path().parent_path() / "lib" / "sluice" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return (fs::path(executable + ".runfiles") / "sluice" / "lib" / "plugins").string();
}

}  // namespace sluice
