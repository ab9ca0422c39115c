// sluiced's configuration: flags, then SLUICE_* environment variables, then a config file
// (--config / SLUICE_CONFIG, JSON), then defaults.
#ifndef SLUICE_SERVER_SERVER_OPTIONS_H_
#define SLUICE_SERVER_SERVER_OPTIONS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sluice {

struct ServerOptions {
  std::string config;  // the config file read, if any
  std::string listen = "127.0.0.1:50051";
  // Also serve on this unix socket (the sidecar pattern); empty: no.
  std::string unix_socket;
  // Empty: next to the binary (see DefaultPluginDir).
  std::string plugin_dir;
  // NAME=URL; empty: default=sqlite:sluice.db in the working folder.
  std::vector<std::string> databases;
  std::vector<std::string> replicas;  // NAME=URL[,URL...]
  size_t pool_size = 8;
  // On SIGTERM: Health turns NOT_SERVING at once, new calls are still served for this long (so
  // probes and watchers see it), then the server stops taking calls and drains.
  double shutdown_delay_seconds = 0;
  // Calls in flight get this long to finish after the server stops taking calls.
  double shutdown_grace_seconds = 10;
  // QueryService.Raw runs raw SQL only when this is set (and the caller has the admin scope).
  bool allow_raw_sql = false;
  // Bearer tokens: a file of `SCOPE TOKEN` lines, and/or `SCOPE:TOKEN,...` (SLUICE_TOKENS).
  std::string tokens_file;
  std::string tokens;
  // TLS: the server's certificate chain and key (PEM); with a client CA, clients must present a
  // certificate it signed (mutual TLS).
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  // Caps every call's database work (0: only the call's own deadline).
  double statement_timeout_seconds = 0;
  // An interactive Transaction idle longer (waiting for its client) is ended and rolled back; a
  // stream whose client reads nothing for longer is ended (0: never).
  double idle_transaction_timeout_seconds = 60;
  double stream_stall_timeout_seconds = 30;
  // Connections of a database one client may hold in Transactions and SelectStreams (0: half the
  // pool, at least 1).
  size_t max_held_connections = 0;
  // The largest message received or sent.
  size_t max_message_bytes = 16 << 20;
  // The most rows a unary response holds (RESOURCE_EXHAUSTED beyond: use SelectStream).
  size_t max_rows = 100000;
  // Calls served at once; beyond, RESOURCE_EXHAUSTED (0: unlimited).
  size_t max_concurrent_calls = 1024;
  // Microseconds a serving thread with no other call in flight keeps polling (for the next call,
  // and for its lone statement's rows) before it sleeps (0: sleeps at once).
  size_t busy_poll_us = 500;
  // Statements of different calls sent at once on one connection (pipelined, where the plugin can:
  // PostgreSQL); 1: one at a time.
  size_t pipeline_depth = 8;
  // Prometheus metrics over HTTP at HOST:PORT/metrics; empty: off.
  std::string metrics_listen;
  // The HTTP/JSON door (the Connect protocol's unary JSON form of every unary method) and Sluice
  // Studio at /studio/, at HOST:PORT; empty: off. Same tokens, TLS and limits as gRPC.
  std::string http_listen;
  // `text` or `json` (one JSON object per line).
  std::string log_format = "text";
  // Log every statement a call runs (SQL, parameters count, duration).
  bool query_log = false;
  bool sql_comment = false;  // --sql-comment
  bool help = false;
  bool version = false;  // --version
};

// Flags win over the environment (looked up through `getenv`), which wins over the config
// file, which wins over the defaults. INVALID_ARGUMENT names the bad flag, variable or key.
absl::StatusOr<ServerOptions> ParseServerOptions(const std::vector<std::string>& args,
                                                 const std::function<const char*(const char*)>& getenv);

std::string ServerUsage();

// Where plugins are when no directory is configured: beside a Bazel-built binary in its
// runfiles (lib/plugins), or in an installed tree (<prefix>/lib/sluice/plugins).
std::string DefaultPluginDir(const std::string& executable);

}  // namespace sluice

#endif  // SLUICE_SERVER_SERVER_OPTIONS_H_
