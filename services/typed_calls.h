// The typed services of registered schemas (`sluice.schemas.<schema>.<Table>Service`). Their
// methods exist only at run time: the unary methods of the schemas loaded at start are
// registered with gRPC as raw methods (the request arrives with the call), and every other path
// (Stream, schemas registered later) comes through gRPC's generic service (the request is read
// in a second step). Either way a call arrives as bytes with its path, is decoded with the
// schema's descriptors, translated into the generic request (typed/translate.h) and handed to
// QueryServiceImpl, whose answer is encoded as the typed one. The same planner, dialects, auth
// scopes, limits and metrics as the generic API; the calls come on UnaryCalls' completion queues
// and threads (a queue and thread of their own cost a thread hand-off per call), never blocking
// them; Stream runs on a session worker, as SelectStream does.
#ifndef SLUICE_SERVICES_TYPED_CALLS_H_
#define SLUICE_SERVICES_TYPED_CALLS_H_

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "services/query_service.h"
#include "services/server_state.h"
#include "services/unary_calls.h"

namespace sluice {

// NOT_FOUND for a typed service path (`/sluice.schemas.…`) no loaded schema serves: its table or
// schema is not in the latest registered version. The gRPC and HTTP doors answer it alike.
absl::Status TypedServiceNotFound(const std::string& path);

class TypedCalls {
 public:
  // Registers the loaded schemas' unary methods and the generic service on `builder` (before
  // BuildAndStart).
  TypedCalls(grpc::ServerBuilder& builder, ServerState& state, QueryServiceImpl& queries);
  ~TypedCalls();

  // After BuildAndStart, before `calls` starts: the typed calls are requested on its queues, and
  // its Shutdown waits for their answers and streams too.
  void ServeOn(UnaryCalls& calls);

 private:
  class Call;
  class Registered;

  ServerState& state_;
  QueryServiceImpl& queries_;
  std::unique_ptr<Registered> registered_;  // null when no schema was loaded at start
  grpc::AsyncGenericService service_;
  UnaryCalls* calls_ = nullptr;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_TYPED_CALLS_H_
