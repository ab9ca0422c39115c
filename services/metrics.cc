#include "services/metrics.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace sluice {
namespace {

std::string Label(const std::string& value) {
  return absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

}  // namespace

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

std::string Metrics::Render(const PluginRegistry& plugins, const Databases* databases) const {
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
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        absl::StrAppend(&out, "sluice_call_duration_seconds_bucket{", labels, ",le=\"", kBuckets[i], "\"} ",
                        h.counts[i], "\n");
      }
      absl::StrAppend(&out, "sluice_call_duration_seconds_bucket{", labels, ",le=\"+Inf\"} ", h.count, "\n");
      absl::StrAppend(&out, "sluice_call_duration_seconds_sum{", labels, "} ", h.sum, "\n");
      absl::StrAppend(&out, "sluice_call_duration_seconds_count{", labels, "} ", h.count, "\n");
    }
  }
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
    out +=
        "# HELP sluice_nonblocking_statements_total Statements run without a thread waiting for the database "
        "(sent, then finished by the event loop), per database.\n"
        "# TYPE sluice_nonblocking_statements_total counter\n";
    for (const auto& [name, db] : databases->all()) {
      absl::StrAppend(&out, "sluice_nonblocking_statements_total{database=\"", Label(name), "\"} ",
                      db->nonblocking_statements(), "\n");
    }
  }
  out += "# HELP sluice_plugin_info Loaded dialect plugins.\n# TYPE sluice_plugin_info gauge\n";
  for (const auto& p : plugins.plugins()) {
    absl::StrAppend(&out, "sluice_plugin_info{dialect=\"", Label(p->name()), "\",version=\"", Label(p->version()),
                    "\",abi=\"", p->abi_major(), ".", p->abi_minor(), "\"} 1\n");
  }
  absl::StrAppend(&out,
                  "# HELP sluice_plugins_refused Plugins refused at start.\n# TYPE sluice_plugins_refused gauge\n",
                  "sluice_plugins_refused ", plugins.refused().size(), "\n");
  return out;
}

}  // namespace sluice
