#include "services/metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/version.h"

namespace sluice {
namespace {

std::string Label(const std::string& value) {
  return absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

// The standard gRPC server labels of a method recorded as "QueryService/Select".
std::string GrpcLabels(const std::string& method) {
  const size_t slash = method.find('/');
  const std::string service = method.substr(0, slash),
                    name = slash == std::string::npos ? "" : method.substr(slash + 1);
  const char* type = name == "SelectStream" || name == "Watch" ? "server_stream"
                     : name == "Transaction"                   ? "bidi_stream"
                                                               : "unary";
  return absl::StrCat("grpc_type=\"", type, "\",grpc_service=\"",
                      Label((service == "Health" ? "grpc.health.v1." : "sluice.v1.") + service), "\",grpc_method=\"",
                      Label(name), "\"");
}

// process_* as Prometheus's client libraries export them, read from /proc/self.
std::string ProcessMetrics() {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after "pid (comm) "
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)), std::istream_iterator<std::string>());
  if (f.size() < 22) return "";
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  // Fields from the state (field 3): utime 14, stime 15, starttime 22, vsize 23, rss 24.
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  double boot = 0;
  std::ifstream machine("/proc/stat");
  for (std::string key; machine >> key;) {
    if (key == "btime") {
      machine >> boot;
      break;
    }
  }
  size_t fds = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (dirent* e = readdir(d)) fds += e->d_name[0] != '.';
    closedir(d);
  }
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  return absl::StrCat(
      "# HELP process_cpu_seconds_total User and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ",
      cpu,
      "\n# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes ",
      std::stoull(f[21]) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)),
      "\n# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
      "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes ",
      f[20],
      "\n# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\nprocess_open_fds ",
      fds,
      "\n# HELP process_max_fds Maximum number of open file descriptors.\n"
      "# TYPE process_max_fds gauge\nprocess_max_fds ",
      static_cast<uint64_t>(limit.rlim_cur),
      "\n# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
      "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ",
      static_cast<uint64_t>(boot + std::stod(f[19]) / ticks), "\n");
}

}  // namespace

void Metrics::AppendHistogram(absl::string_view name, const std::string& labels, const Histogram& h, std::string* out) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    absl::StrAppend(out, name, "_bucket{", labels, ",le=\"", kBuckets[i], "\"} ", h.counts[i], "\n");
  }
  absl::StrAppend(out, name, "_bucket{", labels, ",le=\"+Inf\"} ", h.count, "\n");
  absl::StrAppend(out, name, "_sum{", labels, "} ", h.sum, "\n");
  absl::StrAppend(out, name, "_count{", labels, "} ", h.count, "\n");
}

void Metrics::RecordCall(const std::string& method, const std::string& database, const std::string& code,
                         double seconds) {
  absl::MutexLock lock(&mu_);
  ++calls_[{method, database, code}];
  Histogram& h = latency_[{method, database}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::RecordRefusal(const std::string& method, const std::string& code) {
  absl::MutexLock lock(&mu_);
  ++calls_[{method, "", code}];
}

void Metrics::RecordClientWaitEnded(const std::string& reason) {
  absl::MutexLock lock(&mu_);
  ++client_waits_ended_[reason];
}

std::string Metrics::Render(const PluginRegistry& plugins, const Databases* databases,
                            const HeldConnections* held) const {
  std::string out;
  {
    absl::MutexLock lock(&mu_);
    out +=
        "# HELP sluice_calls_total RPCs served, by method, database and gRPC status code.\n"
        "# TYPE sluice_calls_total counter\n";
    for (const auto& [key, n] : calls_) {
      const auto& [method, database, code] = key;
      absl::StrAppend(&out, "sluice_calls_total{method=\"", Label(method), "\",database=\"", Label(database),
                      "\",code=\"", code, "\"} ", n, "\n");
    }
    out +=
        "# HELP sluice_call_duration_seconds RPC latency, by method and database.\n"
        "# TYPE sluice_call_duration_seconds histogram\n";
    for (const auto& [key, h] : latency_) {
      const std::string labels = absl::StrCat("method=\"", Label(key.first), "\",database=\"", Label(key.second), "\"");
      AppendHistogram("sluice_call_duration_seconds", labels, h, &out);
    }
  }
  {
    // The same calls under the names and labels of gRPC's own server metrics (go-grpc-prometheus,
    // grpc-ecosystem), which stock dashboards read; summed over databases.
    absl::MutexLock lock(&mu_);
    std::map<std::pair<std::string, std::string>, uint64_t> handled;  // labels, code
    for (const auto& [key, n] : calls_) {
      const auto& [method, database, code] = key;
      handled[{GrpcLabels(method), absl::StatusCodeToString(static_cast<absl::StatusCode>(std::stoi(code)))}] += n;
    }
    out +=
        "# HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or "
        "failure.\n# TYPE grpc_server_handled_total counter\n";
    for (const auto& [key, n] : handled) {
      absl::StrAppend(&out, "grpc_server_handled_total{", key.first, ",grpc_code=\"", key.second, "\"} ", n, "\n");
    }
    std::map<std::string, Histogram> handling;
    for (const auto& [key, h] : latency_) {
      Histogram& sum = handling[GrpcLabels(key.first)];
      for (size_t i = 0; i < kBuckets.size(); ++i) sum.counts[i] += h.counts[i];
      sum.count += h.count;
      sum.sum += h.sum;
    }
    out +=
        "# HELP grpc_server_handling_seconds Histogram of response latency (seconds) of gRPC that had been "
        "application-level handled by the server.\n# TYPE grpc_server_handling_seconds histogram\n";
    for (const auto& [labels, h] : handling) AppendHistogram("grpc_server_handling_seconds", labels, h, &out);
  }
  {
    absl::MutexLock lock(&mu_);
    out +=
        "# HELP sluice_client_waits_ended_total Calls ended because they waited on their client too long, by reason "
        "(idle_transaction: --idle-transaction-timeout; stream_stall: --stream-stall-timeout).\n"
        "# TYPE sluice_client_waits_ended_total counter\n";
    for (const char* reason : {"idle_transaction", "stream_stall"}) {
      auto it = client_waits_ended_.find(reason);
      absl::StrAppend(&out, "sluice_client_waits_ended_total{reason=\"", reason, "\"} ",
                      it == client_waits_ended_.end() ? 0 : it->second, "\n");
    }
  }
  if (held != nullptr && databases != nullptr) {
    const auto holding = held->Held();
    const auto refused = held->Refused();
    absl::StrAppend(&out,
                    "# HELP sluice_held_connections Connections held by open Transactions and SelectStreams, per "
                    "database (one client may hold --max-held-connections: ",
                    held->limit(), ").\n# TYPE sluice_held_connections gauge\n");
    for (const auto& [name, db] : databases->all()) {
      auto it = holding.find(name);
      absl::StrAppend(&out, "sluice_held_connections{database=\"", Label(name), "\"} ",
                      it == holding.end() ? 0 : it->second, "\n");
    }
    out +=
        "# HELP sluice_held_connections_refused_total Transactions and SelectStreams refused because their client "
        "held --max-held-connections already, per database.\n"
        "# TYPE sluice_held_connections_refused_total counter\n";
    for (const auto& [name, db] : databases->all()) {
      auto it = refused.find(name);
      absl::StrAppend(&out, "sluice_held_connections_refused_total{database=\"", Label(name), "\"} ",
                      it == refused.end() ? 0 : it->second, "\n");
    }
  }
  out += ProcessMetrics();
  absl::StrAppend(&out, "# HELP sluice_build_info The running version.\n# TYPE sluice_build_info gauge\n",
                  "sluice_build_info{version=\"", kSluiceVersion, "\",api=\"sluice.v1\",abi=\"",
                  SLUICE_DIALECT_ABI_MAJOR, ".", SLUICE_DIALECT_ABI_MINOR, "\"} 1\n");
  if (databases != nullptr) {
    out +=
        "# HELP sluice_pool_connections Open connections per database pool, by state.\n"
        "# TYPE sluice_pool_connections gauge\n";
    for (const auto& [name, db] : databases->all()) {
      const size_t open = db->pool().open_connections(), idle = db->pool().idle_connections();
      absl::StrAppend(&out, "sluice_pool_connections{database=\"", Label(name), "\",state=\"idle\"} ", idle, "\n");
      absl::StrAppend(&out, "sluice_pool_connections{database=\"", Label(name), "\",state=\"busy\"} ",
                      open > idle ? open - idle : 0, "\n");
    }
    // A counter per database.
    const auto per_database = [&](const char* metric, const char* help, uint64_t (Database::*value)() const) {
      absl::StrAppend(&out, "# HELP ", metric, " ", help, "\n# TYPE ", metric, " counter\n");
      for (const auto& [name, db] : databases->all()) {
        absl::StrAppend(&out, metric, "{database=\"", Label(name), "\"} ", ((*db).*value)(), "\n");
      }
    };
    per_database("sluice_nonblocking_statements_total",
                 "Statements run without a thread waiting for the database (sent, then finished by the event "
                 "loop), per database.",
                 &Database::nonblocking_statements);
    per_database("sluice_pipelined_statements_total",
                 "Of those, the statements sent on a connection behind other calls' still in flight (pipelined), "
                 "per database.",
                 &Database::pipelined_statements);
    out +=
        "# HELP sluice_plan_cache_lookups_total Requests planned per database: a hit was bound to the plan of an "
        "earlier request of its shape, a miss was planned.\n"
        "# TYPE sluice_plan_cache_lookups_total counter\n";
    for (const auto& [name, db] : databases->all()) {
      absl::StrAppend(&out, "sluice_plan_cache_lookups_total{database=\"", Label(name), "\",result=\"hit\"} ",
                      db->plans().hits(), "\n");
      absl::StrAppend(&out, "sluice_plan_cache_lookups_total{database=\"", Label(name), "\",result=\"miss\"} ",
                      db->plans().misses(), "\n");
    }
  }
  if (databases != nullptr) {
    out +=
        "# HELP sluice_replica_up Whether a read replica answered the last time it was tried.\n"
        "# TYPE sluice_replica_up gauge\n";
    std::string reads =
        "# HELP sluice_replica_reads_total Reads a replica served.\n"
        "# TYPE sluice_replica_reads_total counter\n";
    for (const auto& [name, db] : databases->all()) {
      for (const auto& replica : db->replicas()) {
        const std::string labels =
            absl::StrCat("{database=\"", Label(name), "\",replica=\"", Label(replica->display_url()), "\"} ");
        absl::StrAppend(&out, "sluice_replica_up", labels, replica->up() ? 1 : 0, "\n");
        absl::StrAppend(&reads, "sluice_replica_reads_total", labels, replica->reads(), "\n");
      }
    }
    out += reads;
  }
  out += "# HELP sluice_plugin_info Loaded dialect plugins.\n# TYPE sluice_plugin_info gauge\n";
  for (const auto& p : plugins.plugins()) {
    absl::StrAppend(&out, "sluice_plugin_info{dialect=\"", Label(p->name()), "\",version=\"", Label(p->version()),
                    "\",abi=\"", p->abi_major(), ".", p->abi_minor(), "\"} 1\n");
  }
  absl::StrAppend(&out,
                  "# HELP sluice_plugins_refused Plugins refused (at start, or as the plugins no database uses "
                  "load).\n# TYPE sluice_plugins_refused gauge\n",
                  "sluice_plugins_refused ", plugins.refused().size(), "\n");
  return out;
}

}  // namespace sluice
