// The HTTP/JSON door (`--http-listen`, off by default): every unary method of sluiced, the typed
// per-schema services included, in the Connect protocol's unary JSON form, for curl, fetch() and
// browsers (which cannot speak gRPC: it needs HTTP/2 trailers); and Sluice Studio's static files
// at /studio/.
//
//   POST /sluice.v1.QueryService/Select   Content-Type: application/json   {"target": ...}
//   → 200 and the response as proto3 JSON, or a Connect error (connect_errors.h).
//
// A call is the JSON made into the method's message and sent to this server's own gRPC methods
// through an in-process channel (the Authorization header as the call's metadata), so that tokens,
// scopes, limits, metrics and errors are the gRPC API's own, not a copy of them. HTTP by
// Boost.Beast on one thread of its own that never blocks: the gRPC answer comes back to it.
#ifndef SLUICE_SERVICES_HTTP_DOOR_H_
#define SLUICE_SERVICES_HTTP_DOOR_H_

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "services/server_state.h"

namespace sluice {

struct HttpDoorOptions {
  std::string listen;  // HOST:PORT (port 0 picks one)
  size_t max_body_bytes = 16 << 20;
  // TLS, as the gRPC port's: a certificate chain and key (PEM files), and the CA that client
  // certificates must chain to (mutual TLS) when set.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
};

class HttpDoor {
 public:
  // Listens and serves until destroyed. `server` (started) answers the calls; `state` finds the
  // typed services' messages.
  static absl::StatusOr<std::unique_ptr<HttpDoor>> Start(const HttpDoorOptions& options, grpc::Server& server,
                                                         ServerState& state);
  ~HttpDoor();
  int port() const;

  class Impl;

 private:
  explicit HttpDoor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_HTTP_DOOR_H_
