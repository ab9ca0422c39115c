// A minimal HTTP/1.1 endpoint for Prometheus: GET /metrics answers the metrics text, anything
// else 404. One thread; one request per connection.
#ifndef SLUICE_SERVICES_METRICS_HTTP_H_
#define SLUICE_SERVICES_METRICS_HTTP_H_

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace sluice {

class MetricsHttp {
 public:
  // Listens on `listen` (HOST:PORT; port 0 picks one); `render` makes the body.
  static absl::StatusOr<std::unique_ptr<MetricsHttp>> Start(const std::string& listen,
                                                            std::function<std::string()> render);
  ~MetricsHttp();
  int port() const { return port_; }

 private:
  MetricsHttp(int fd, int port, std::function<std::string()> render);
  void Serve();

  int fd_;
  int port_;
  std::function<std::string()> render_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_METRICS_HTTP_H_
