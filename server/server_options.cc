#include "server/server_options.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace sluice {
namespace {

enum class Kind { kString, kList, kBool, kSize, kSeconds };

// One option: its flag, its environment variable, its config file key, and where it goes.
struct Option {
  const char* flag;
  const char* env;
  const char* key;
  Kind kind;
  std::string ServerOptions::*text = nullptr;
  std::vector<std::string> ServerOptions::*list = nullptr;
  bool ServerOptions::*boolean = nullptr;
  size_t ServerOptions::*size = nullptr;
  double ServerOptions::*seconds = nullptr;
  size_t min = 0;  // kSize: the smallest value allowed
};

const std::vector<Option>& Options() {
  using S = ServerOptions;
  static const std::vector<Option> options = {
      {"--listen", "SLUICE_LISTEN", "listen", Kind::kString, &S::listen},
      {"--unix-socket", "SLUICE_UNIX_SOCKET", "unix_socket", Kind::kString, &S::unix_socket},
      {"--plugin-dir", "SLUICE_PLUGIN_DIR", "plugin_dir", Kind::kString, &S::plugin_dir},
      {"--database", "SLUICE_DATABASES", "databases", Kind::kList, nullptr, &S::databases},
      {"--pool-size", "SLUICE_POOL_SIZE", "pool_size", Kind::kSize, nullptr, nullptr, nullptr, &S::pool_size, nullptr,
       1},
      {"--shutdown-delay", "SLUICE_SHUTDOWN_DELAY", "shutdown_delay", Kind::kSeconds, nullptr, nullptr, nullptr,
       nullptr, &S::shutdown_delay_seconds},
      {"--shutdown-grace", "SLUICE_SHUTDOWN_GRACE", "shutdown_grace", Kind::kSeconds, nullptr, nullptr, nullptr,
       nullptr, &S::shutdown_grace_seconds},
      {"--allow-raw-sql", "SLUICE_ALLOW_RAW_SQL", "allow_raw_sql", Kind::kBool, nullptr, nullptr, &S::allow_raw_sql},
      {"--tokens-file", "SLUICE_TOKENS_FILE", "tokens_file", Kind::kString, &S::tokens_file},
      {"--tokens", "SLUICE_TOKENS", "tokens", Kind::kString, &S::tokens},
      {"--tls-cert", "SLUICE_TLS_CERT", "tls_cert", Kind::kString, &S::tls_cert},
      {"--tls-key", "SLUICE_TLS_KEY", "tls_key", Kind::kString, &S::tls_key},
      {"--tls-client-ca", "SLUICE_TLS_CLIENT_CA", "tls_client_ca", Kind::kString, &S::tls_client_ca},
      {"--statement-timeout", "SLUICE_STATEMENT_TIMEOUT", "statement_timeout", Kind::kSeconds, nullptr, nullptr,
       nullptr, nullptr, &S::statement_timeout_seconds},
      {"--max-message-bytes", "SLUICE_MAX_MESSAGE_BYTES", "max_message_bytes", Kind::kSize, nullptr, nullptr, nullptr,
       &S::max_message_bytes, nullptr, 1024},
      {"--max-rows", "SLUICE_MAX_ROWS", "max_rows", Kind::kSize, nullptr, nullptr, nullptr, &S::max_rows, nullptr, 1},
      {"--max-concurrent-calls", "SLUICE_MAX_CONCURRENT_CALLS", "max_concurrent_calls", Kind::kSize, nullptr, nullptr,
       nullptr, &S::max_concurrent_calls},
      {"--metrics-listen", "SLUICE_METRICS_LISTEN", "metrics_listen", Kind::kString, &S::metrics_listen},
      {"--log-format", "SLUICE_LOG_FORMAT", "log_format", Kind::kString, &S::log_format},
      {"--query-log", "SLUICE_QUERY_LOG", "query_log", Kind::kBool, nullptr, nullptr, &S::query_log},
  };
  return options;
}

// Values of one option from one source, as text.
using Values = std::map<std::string, std::vector<std::string>>;  // config key → values

absl::Status Set(ServerOptions& options, const Option& o, const std::vector<std::string>& values,
                 const std::string& where) {
  const std::string& v = values.back();
  switch (o.kind) {
    case Kind::kString:
      options.*o.text = v;
      return absl::OkStatus();
    case Kind::kList:
      options.*o.list = values;
      return absl::OkStatus();
    case Kind::kBool:
      if (v == "1" || v == "true" || v.empty()) {
        options.*o.boolean = true;
      } else if (v == "0" || v == "false") {
        options.*o.boolean = false;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(where, " `", v, "` is not true or false"));
      }
      return absl::OkStatus();
    case Kind::kSize: {
      size_t n = 0;
      if (!absl::SimpleAtoi(v, &n) || n < o.min) {
        return absl::InvalidArgumentError(absl::StrCat(where, " `", v, "` is not a whole number",
                                                       o.min > 0 ? absl::StrCat(" of at least ", o.min) : ""));
      }
      options.*o.size = n;
      return absl::OkStatus();
    }
    case Kind::kSeconds: {
      double d = 0;
      if (!absl::SimpleAtod(v, &d) || d < 0) {
        return absl::InvalidArgumentError(absl::StrCat(where, " `", v, "` is not a number of seconds"));
      }
      options.*o.seconds = d;
      return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

// The config file: a JSON object of option keys. `databases` is an object NAME → URL (or a list
// of NAME=URL).
absl::StatusOr<Values> ReadConfig(const std::string& path) {
  std::string text;
  if (!ReadFile(path, &text)) return absl::InvalidArgumentError(absl::StrCat("cannot read the config file ", path));
  google::protobuf::Struct config;
  auto parsed = google::protobuf::util::JsonStringToMessage(text, &config);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("config file ", path, ": ", std::string(parsed.message())));
  }
  Values values;
  for (const auto& [key, value] : config.fields()) {
    const bool known = std::any_of(Options().begin(), Options().end(), [&](const Option& o) { return key == o.key; });
    if (!known) return absl::InvalidArgumentError(absl::StrCat("config file ", path, ": unknown key `", key, "`"));
    std::vector<std::string>& out = values[key];
    switch (value.kind_case()) {
      case google::protobuf::Value::kStringValue:
        out.push_back(value.string_value());
        break;
      case google::protobuf::Value::kBoolValue:
        out.push_back(value.bool_value() ? "true" : "false");
        break;
      case google::protobuf::Value::kNumberValue: {
        std::ostringstream n;
        n << value.number_value();
        out.push_back(n.str());
        break;
      }
      case google::protobuf::Value::kStructValue:
        for (const auto& [name, url] : value.struct_value().fields()) out.push_back(name + "=" + url.string_value());
        break;
      case google::protobuf::Value::kListValue:
        for (const auto& item : value.list_value().values()) out.push_back(item.string_value());
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat("config file ", path, ": `", key, "` has no value"));
    }
  }
  return values;
}

}  // namespace

std::string ServerUsage() {
  return R"(sluiced — the Sluice gRPC ORM server

Usage: sluiced [flags]

Every flag has an environment variable and a config file key (flags win over the environment,
which wins over the file):

  --config FILE            SLUICE_CONFIG        a JSON file of the keys below
  --listen HOST:PORT       SLUICE_LISTEN        listen     where to serve gRPC (default
                           127.0.0.1:50051; port 0 picks a free port, printed on start)
  --unix-socket PATH       SLUICE_UNIX_SOCKET   unix_socket  also serve on this unix socket
  --plugin-dir DIR         SLUICE_PLUGIN_DIR    plugin_dir   the dialect plugins (*.so); default:
                           the plugins built beside this binary
  --database NAME=URL      SLUICE_DATABASES     databases  a database to serve; repeatable (the
                           variable: NAME=URL entries separated by `;`; the key: an object
                           {"NAME": "URL"}). The URL scheme picks the dialect plugin:
                             sqlite:PATH   postgres://user:pass@host:port/db   mysql://...
                           Default: default=sqlite:sluice.db (a file in the working folder).
  --pool-size N            SLUICE_POOL_SIZE     pool_size  connections per database (default 8)
  --shutdown-delay S       SLUICE_SHUTDOWN_DELAY  shutdown_delay  seconds between SIGTERM turning
                           Health NOT_SERVING and the server refusing new calls (default 0)
  --shutdown-grace S       SLUICE_SHUTDOWN_GRACE  shutdown_grace  seconds calls in flight get to
                           finish after that (default 10)
  --allow-raw-sql          SLUICE_ALLOW_RAW_SQL=1  allow_raw_sql  let QueryService.Raw run SQL
                           text (admin scope only; off by default)
  --tokens-file FILE       SLUICE_TOKENS_FILE   tokens_file  bearer tokens, one `SCOPE TOKEN` per
                           line (scopes: data, admin; admin includes data)
  --tokens SCOPE:TOKEN,... SLUICE_TOKENS        tokens     the same inline (e.g. from a secret)
                           Without tokens, sluiced serves only on loopback (and unix sockets).
  --tls-cert FILE          SLUICE_TLS_CERT      tls_cert   TLS certificate chain (PEM)
  --tls-key FILE           SLUICE_TLS_KEY       tls_key    its private key (PEM)
  --tls-client-ca FILE     SLUICE_TLS_CLIENT_CA tls_client_ca  require client certificates
                           signed by this CA (mutual TLS)
  --statement-timeout S    SLUICE_STATEMENT_TIMEOUT  statement_timeout  caps every call's
                           database work (default 0: the call's own deadline)
  --max-message-bytes N    SLUICE_MAX_MESSAGE_BYTES  max_message_bytes  (default 16 MiB)
  --max-rows N             SLUICE_MAX_ROWS      max_rows   rows in a unary response (default
                           100000; beyond: RESOURCE_EXHAUSTED, use SelectStream)
  --max-concurrent-calls N SLUICE_MAX_CONCURRENT_CALLS  max_concurrent_calls  (default 1024;
                           beyond: RESOURCE_EXHAUSTED; 0: unlimited)
  --metrics-listen HOST:PORT  SLUICE_METRICS_LISTEN  metrics_listen  Prometheus metrics over
                           HTTP at /metrics (default: off)
  --log-format text|json   SLUICE_LOG_FORMAT    log_format  (default text)
  --query-log              SLUICE_QUERY_LOG=1   query_log  log every statement a call runs
  --help                   this text

On start, sluiced prints `sluiced listening on HOST:PORT`. SIGTERM or SIGINT turns Health to
NOT_SERVING, waits --shutdown-delay, lets calls in flight finish (--shutdown-grace at most),
closes the pools and exits 0. Health service "" is liveness; "sluice.ready" is readiness (every
database reachable).
)";
}

absl::StatusOr<ServerOptions> ParseServerOptions(const std::vector<std::string>& args,
                                                 const std::function<const char*(const char*)>& getenv) {
  ServerOptions options;
  Values flags;
  std::string config;
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    absl::string_view name = arg;
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); absl::StartsWith(arg, "--") && eq != absl::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
      has_value = true;
    }
    const Option* option = nullptr;
    for (const Option& o : Options()) {
      if (name == o.flag) option = &o;
    }
    if (option == nullptr && name != "--config") {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name, " (see --help)"));
    }
    if (!has_value && !(option != nullptr && option->kind == Kind::kBool)) {
      if (i + 1 >= args.size()) return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value (see --help)"));
      value = args[++i];
    }
    if (option == nullptr) {
      config = value;
    } else {
      flags[option->key].push_back(value);
    }
  }
  if (config.empty() && getenv("SLUICE_CONFIG") != nullptr) config = getenv("SLUICE_CONFIG");
  Values file;
  if (!config.empty()) {
    auto read = ReadConfig(config);
    if (!read.ok()) return read.status();
    file = *std::move(read);
    options.config = config;
  }
  for (const Option& o : Options()) {
    absl::Status status;
    if (auto f = flags.find(o.key); f != flags.end()) {
      status = Set(options, o, f->second, o.flag);
    } else if (const char* env = getenv(o.env); env != nullptr && *env != '\0') {
      std::vector<std::string> values;
      if (o.kind == Kind::kList) {
        for (absl::string_view v : absl::StrSplit(env, absl::ByAnyChar(";\n"), absl::SkipWhitespace())) {
          values.emplace_back(absl::StripAsciiWhitespace(v));
        }
      } else {
        values.push_back(env);
      }
      if (!values.empty()) status = Set(options, o, values, o.env);
    } else if (auto c = file.find(o.key); c != file.end() && !c->second.empty()) {
      status = Set(options, o, c->second, absl::StrCat("config key ", o.key));
    }
    if (!status.ok()) return status;
  }
  if (options.log_format != "text" && options.log_format != "json") {
    return absl::InvalidArgumentError(absl::StrCat("--log-format `", options.log_format, "` is not text or json"));
  }
  if (options.tls_cert.empty() != options.tls_key.empty()) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together");
  }
  if (!options.tls_client_ca.empty() && options.tls_cert.empty()) {
    return absl::InvalidArgumentError("--tls-client-ca needs --tls-cert and --tls-key");
  }
  if (options.databases.empty()) options.databases.push_back("default=sqlite:sluice.db");
  return options;
}

std::string DefaultPluginDir(const std::string& executable) {
  namespace fs = std::filesystem;
  const fs::path exe(executable);
  for (const fs::path& candidate : {fs::path(executable + ".runfiles") / "sluice" / "lib" / "plugins",
                                    exe.parent_path().parent_path() / "lib" / "sluice" / "plugins"}) {
    std::error_code ec;
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return (fs::path(executable + ".runfiles") / "sluice" / "lib" / "plugins").string();
}

}  // namespace sluice
