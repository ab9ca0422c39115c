// Prometheus metrics: calls and their latency per RPC and database, pool gauges, loaded plugins.
#ifndef SLUICE_SERVICES_METRICS_H_
#define SLUICE_SERVICES_METRICS_H_

#include <array>
#include <map>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "executor/database.h"
#include "plugins/plugin_registry.h"
#include "services/held_connections.h"

namespace sluice {

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};

  void RecordCall(const std::string& method, const std::string& database, const std::string& code, double seconds);
  void RecordRefusal(const std::string& method, const std::string& code);
  // A call ended because it waited on its client too long (`reason`: idle_transaction, stream_stall).
  void RecordClientWaitEnded(const std::string& reason);

  // The text exposition format (version 0.0.4).
  std::string Render(const PluginRegistry& plugins, const Databases* databases,
                     const HeldConnections* held = nullptr) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  // `name`_bucket / _sum / _count lines of `h` with `labels`.
  static void AppendHistogram(absl::string_view name, const std::string& labels, const Histogram& h, std::string* out);
  mutable absl::Mutex mu_;
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> calls_
      ABSL_GUARDED_BY(mu_);                                                                // method, database, code
  std::map<std::pair<std::string, std::string>, Histogram> latency_ ABSL_GUARDED_BY(mu_);  // method, database
  std::map<std::string, uint64_t> client_waits_ended_ ABSL_GUARDED_BY(mu_);                // reason
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_METRICS_H_
