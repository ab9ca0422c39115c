#include "server/server_options.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace sluice {
namespace {

enum class Kind { kString, kList, kBool, kSize, kSeconds };

// One option: its flag, its environment variable, its config file key, what `--help` says of
// it, and where it goes. The usage text is made from this table.
struct Option {
  const char* flag;
  const char* env;
  const char* key;
  const char* value;  // the value's name in the usage ("" for a switch)
  const char* help;
  Kind kind;
  std::string ServerOptions::*text = nullptr;
  std::vector<std::string> ServerOptions::*list = nullptr;
  bool ServerOptions::*boolean = nullptr;
  size_t ServerOptions::*size = nullptr;
  double ServerOptions::*seconds = nullptr;
  size_t min = 0;  // kSize: the smallest value allowed
};

Option Text(const char* flag, const char* env, const char* key, const char* value, const char* help,
            std::string ServerOptions::*member) {
  return Option{flag, env, key, value, help, Kind::kString, member};
}
Option Switch(const char* flag, const char* env, const char* key, const char* help, bool ServerOptions::*member) {
  Option o{flag, env, key, "", help, Kind::kBool};
  o.boolean = member;
  return o;
}
Option Size(const char* flag, const char* env, const char* key, const char* help, size_t ServerOptions::*member,
            size_t min) {
  Option o{flag, env, key, "N", help, Kind::kSize};
  o.size = member;
  o.min = min;
  return o;
}
Option Seconds(const char* flag, const char* env, const char* key, const char* help, double ServerOptions::*member) {
  Option o{flag, env, key, "SECONDS", help, Kind::kSeconds};
  o.seconds = member;
  return o;
}

const std::vector<Option>& Options() {
  using S = ServerOptions;
  static const std::vector<Option> options = [] {
    std::vector<Option> o = {
        Text("--listen", "SLUICE_LISTEN", "listen", "HOST:PORT",
             "where to serve gRPC (default 127.0.0.1:50051; port 0 picks a free port, printed on start)", &S::listen),
        Text("--unix-socket", "SLUICE_UNIX_SOCKET", "unix_socket", "PATH", "also serve on this unix socket",
             &S::unix_socket),
        Text("--plugin-dir", "SLUICE_PLUGIN_DIR", "plugin_dir", "DIR",
             "the dialect plugins (*.so); default: the plugins built beside this binary", &S::plugin_dir),
    };
    Option database{"--database",
                    "SLUICE_DATABASES",
                    "databases",
                    "NAME=URL",
                    "a database to serve; repeatable (the variable: NAME=URL entries separated by `;`; the key: an "
                    "object {\"NAME\": \"URL\"}). The URL's scheme picks the dialect plugin: sqlite:PATH, "
                    "postgres://user:pass@host:port/db, mysql://... Default: default=sqlite:sluice.db (a file in the "
                    "working folder)",
                    Kind::kList};
    database.list = &S::databases;
    o.push_back(database);
    Option replica{"--replica",
                   "SLUICE_REPLICAS",
                   "replicas",
                   "NAME=URL[,URL...]",
                   "read replicas of database NAME (PostgreSQL, MySQL/MariaDB); repeatable (the variable: entries "
                   "separated by `;`; the key: an object {\"NAME\": \"URL\" or [\"URL\", ...]}). Reads outside "
                   "transactions go to them in turn, writes, transactions and migrations to the database; a "
                   "replica that cannot be reached is left out for a while, and reads fall back to the database "
                   "when none answers. A call's metadata `sluice-read: primary` pins its reads to the database",
                   Kind::kList};
    replica.list = &S::replicas;
    o.push_back(replica);
    o.push_back(
        Size("--pool-size", "SLUICE_POOL_SIZE", "pool_size", "connections per database (default 8)", &S::pool_size, 1));
    o.push_back(Seconds("--shutdown-delay", "SLUICE_SHUTDOWN_DELAY", "shutdown_delay",
                        "seconds between SIGTERM turning Health NOT_SERVING and the server refusing new calls "
                        "(default 0)",
                        &S::shutdown_delay_seconds));
    o.push_back(Seconds("--shutdown-grace", "SLUICE_SHUTDOWN_GRACE", "shutdown_grace",
                        "seconds calls in flight get to finish after that (default 10)", &S::shutdown_grace_seconds));
    o.push_back(Switch("--allow-raw-sql", "SLUICE_ALLOW_RAW_SQL", "allow_raw_sql",
                       "let QueryService.Raw run SQL text (admin scope only; off by default)", &S::allow_raw_sql));
    o.push_back(Text("--tokens-file", "SLUICE_TOKENS_FILE", "tokens_file", "FILE",
                     "bearer tokens, one `SCOPE TOKEN` per line (scopes: data, admin; admin includes data); "
                     "`SCOPE@ROLE TOKEN`: the token's calls run as that database role (PostgreSQL row-level "
                     "security)",
                     &S::tokens_file));
    o.push_back(Text("--tokens", "SLUICE_TOKENS", "tokens", "SCOPE:TOKEN,...",
                     "the same inline (e.g. from a secret; `SCOPE@ROLE:TOKEN`). Without tokens, sluiced serves only on "
                     "loopback (and unix sockets)",
                     &S::tokens));
    o.push_back(Text("--tls-cert", "SLUICE_TLS_CERT", "tls_cert", "FILE", "TLS certificate chain (PEM)", &S::tls_cert));
    o.push_back(Text("--tls-key", "SLUICE_TLS_KEY", "tls_key", "FILE", "its private key (PEM)", &S::tls_key));
    o.push_back(Text("--tls-client-ca", "SLUICE_TLS_CLIENT_CA", "tls_client_ca", "FILE",
                     "require client certificates signed by this CA (mutual TLS)", &S::tls_client_ca));
    o.push_back(Seconds("--statement-timeout", "SLUICE_STATEMENT_TIMEOUT", "statement_timeout",
                        "caps every call's database work (default 0: the call's own deadline)",
                        &S::statement_timeout_seconds));
    o.push_back(Seconds("--idle-transaction-timeout", "SLUICE_IDLE_TRANSACTION_TIMEOUT", "idle_transaction_timeout",
                        "an interactive Transaction waiting longer for its client's next message is ended and "
                        "rolled back, its connection returned (default 60; 0: never)",
                        &S::idle_transaction_timeout_seconds));
    o.push_back(Seconds("--stream-stall-timeout", "SLUICE_STREAM_STALL_TIMEOUT", "stream_stall_timeout",
                        "a stream whose client stops reading for longer is ended, its connection returned "
                        "(default 30; 0: never)",
                        &S::stream_stall_timeout_seconds));
    o.push_back(Size("--max-held-connections", "SLUICE_MAX_HELD_CONNECTIONS", "max_held_connections",
                     "connections of a database one client (a token; without tokens, a peer address) may hold in "
                     "open Transactions and SelectStreams; beyond: RESOURCE_EXHAUSTED (default: half the pool, at "
                     "least 1; at most --pool-size)",
                     &S::max_held_connections, 0));
    o.push_back(Size("--max-message-bytes", "SLUICE_MAX_MESSAGE_BYTES", "max_message_bytes",
                     "the largest message received or sent (default 16 MiB)", &S::max_message_bytes, 1024));
    o.push_back(Size("--max-rows", "SLUICE_MAX_ROWS", "max_rows",
                     "rows in a unary response (default 100000; beyond: RESOURCE_EXHAUSTED, use SelectStream)",
                     &S::max_rows, 1));
    o.push_back(Size("--max-concurrent-calls", "SLUICE_MAX_CONCURRENT_CALLS", "max_concurrent_calls",
                     "calls served at once (default 1024; beyond: RESOURCE_EXHAUSTED; 0: unlimited)",
                     &S::max_concurrent_calls, 0));
    o.push_back(Size("--busy-poll-us", "SLUICE_BUSY_POLL_US", "busy_poll_us",
                     "microseconds a serving thread with no other call in flight keeps polling for its statement's "
                     "rows and, while calls come one at a time that close together, for the next call, before it "
                     "sleeps: lower latency one call at a time (calls that overlap, and after a call that took "
                     "longer, are not polled for), for up to that much CPU per call (default 500; 0: sleep at once, "
                     "e.g. under a tight CPU limit)",
                     &S::busy_poll_us, 0));
    o.push_back(Size("--pipeline-depth", "SLUICE_PIPELINE_DEPTH", "pipeline_depth",
                     "statements of different calls in flight at once on one PostgreSQL connection: a call's "
                     "statement is sent behind others' sent less than 0.5 ms before, sparing the database a "
                     "wake-up per statement (default 8; 1: one at a time)",
                     &S::pipeline_depth, 1));
    o.push_back(Text("--metrics-listen", "SLUICE_METRICS_LISTEN", "metrics_listen", "HOST:PORT",
                     "Prometheus metrics over HTTP at /metrics (default: off)", &S::metrics_listen));
    o.push_back(Text("--http-listen", "SLUICE_HTTP_LISTEN", "http_listen", "HOST:PORT",
                     "every unary method as HTTP/JSON (Connect protocol) and Sluice Studio at /studio/, with the "
                     "same tokens, TLS and limits (default: off)",
                     &S::http_listen));
    o.push_back(Text("--log-format", "SLUICE_LOG_FORMAT", "log_format", "text|json",
                     "text, or one JSON object per line (default text)", &S::log_format));
    o.push_back(
        Switch("--query-log", "SLUICE_QUERY_LOG", "query_log", "log every statement a call runs", &S::query_log));
    o.push_back(Switch("--sql-comment", "SLUICE_SQL_COMMENT", "sql_comment",
                       "append a call's W3C traceparent to its statements as a sqlcommenter comment "
                       "(/*traceparent='...'*/, visible in pg_stat_activity); such statements are prepared per call",
                       &S::sql_comment));
    return o;
  }();
  return options;
}

// `text` broken into lines of at most `width` characters, each after `indent`.
std::string Wrap(absl::string_view text, size_t indent, size_t width) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
  return out;
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
        for (const auto& [name, url] : value.struct_value().fields()) {
          std::vector<std::string> urls;  // a URL, or (replicas) a list of them
          for (const auto& item : url.list_value().values()) urls.push_back(item.string_value());
          out.push_back(name + "=" + (url.has_list_value() ? absl::StrJoin(urls, ",") : url.string_value()));
        }
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
  std::string usage =
      "sluiced - the Sluice gRPC ORM server\n\n"
      "Usage: sluiced [flags]\n\n"
      "Every flag has an environment variable and a config file key (flags win over the environment, which wins\n"
      "over the file):\n\n"
      "  --config FILE\n      SLUICE_CONFIG: a JSON file of the keys below\n";
  for (const Option& o : Options()) {
    absl::StrAppend(&usage, "  ", o.flag, *o.value != '\0' ? " " : "", o.value, "\n");
    absl::StrAppend(
        &usage, Wrap(absl::StrCat(o.env, o.kind == Kind::kBool ? "=1" : "", ", key `", o.key, "`: ", o.help), 6, 94));
  }
  absl::StrAppend(&usage, "  --help\n      this text\n  --version\n      the version, the API and the plugin ABI\n\n",
                  Wrap("On start, sluiced prints `sluiced listening on HOST:PORT`. SIGTERM or SIGINT turns Health to "
                       "NOT_SERVING, waits --shutdown-delay, lets calls in flight finish (--shutdown-grace at most), "
                       "closes the pools and exits 0. Health service \"\" is liveness; \"sluice.ready\" is readiness "
                       "(every database reachable).",
                       0, 100));
  return usage;
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
    if (arg == "--version") {
      options.version = true;
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
  if (options.max_held_connections > options.pool_size) {
    return absl::InvalidArgumentError(absl::StrCat("--max-held-connections ", options.max_held_connections,
                                                   " is more than --pool-size ", options.pool_size,
                                                   ": one client could take every connection"));
  }
  if (options.max_held_connections == 0) options.max_held_connections = std::max<size_t>(1, options.pool_size / 2);
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
