// gRPC statuses as the Connect protocol's unary errors (the HTTP/JSON door): the HTTP status
// Connect gives each code, and the JSON body `{"code", "message", "details"}` whose details are
// the status's own (google.rpc.BadRequest, ErrorInfo, ...): `type`, the protobuf bytes as
// `value` (base64), and `debug`, the same detail as JSON for people reading it.
#ifndef SLUICE_SERVICES_CONNECT_ERRORS_H_
#define SLUICE_SERVICES_CONNECT_ERRORS_H_

#include <string>

#include <grpcpp/grpcpp.h>

namespace sluice {

struct ConnectError {
  int http_status = 500;
  std::string json;  // the body
};

// `status` (not OK) as a Connect error.
ConnectError ToConnectError(const grpc::Status& status);

// Connect's name of a gRPC code: "invalid_argument", "not_found", ...
const char* ConnectCode(grpc::StatusCode code);

}  // namespace sluice

#endif  // SLUICE_SERVICES_CONNECT_ERRORS_H_
