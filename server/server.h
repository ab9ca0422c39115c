// sluiced as a library: loads the dialect plugins, opens the databases and serves the gRPC API
// (and the metrics endpoint) as its options say. `sluiced_main.cc` adds flags and signals; tests
// start one in their own process (port 0).
#ifndef SLUICE_SERVER_SERVER_H_
#define SLUICE_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/server_options.h"

namespace sluice {

class Server {
 public:
  // Starts serving. INVALID_ARGUMENT for options that cannot work (tokens, TLS files, a
  // non-loopback address without tokens, a database URL no plugin serves); NOT_FOUND for a
  // missing plugin folder; UNAVAILABLE when an address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);

  // Shuts down (as Shutdown) if still serving.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The address served, with the port bound (`127.0.0.1:50051`; port 0 in the options gives a
  // free one), and the metrics endpoint's (empty when off).
  const std::string& address() const;
  const std::string& metrics_address() const;
  // The HTTP/JSON door's address (empty when off).
  const std::string& http_address() const;
  // What the metrics endpoint serves (Prometheus text), also when it is off.
  std::string Metrics() const;

  // Health turns NOT_SERVING, new calls are still taken for the options' shutdown delay, then
  // the server stops taking calls and gives those in flight the shutdown grace. Returns when
  // the server has stopped. Thread-safe; later calls return at once.
  void Shutdown();

 private:
  struct State;
  explicit Server(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sluice

#endif  // SLUICE_SERVER_SERVER_H_
