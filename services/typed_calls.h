// The typed services of registered schemas (`sluice.schemas.<schema>.<Table>Service`), served
// through gRPC's generic API: their methods exist only at run time, so a call arrives as bytes
// with its path, is decoded with the schema's descriptors, translated into the generic request
// (typed/translate.h) and handed to QueryServiceImpl, whose answer is translated back. The same
// planner, dialects, auth scopes, limits and metrics as the generic API; unary calls never block
// the thread that reads them (as UnaryCalls), Stream runs on a thread of its own.
#ifndef SLUICE_SERVICES_TYPED_CALLS_H_
#define SLUICE_SERVICES_TYPED_CALLS_H_

#include <atomic>
#include <memory>
#include <thread>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include "services/query_service.h"
#include "services/server_state.h"

namespace sluice {

class TypedCalls {
 public:
  // Registers the generic service and its completion queue on `builder` (before BuildAndStart).
  TypedCalls(grpc::ServerBuilder& builder, ServerState& state, QueryServiceImpl& queries);
  ~TypedCalls();

  // After BuildAndStart.
  void Start();
  // After the server's Shutdown returned: waits for the calls still being answered and the
  // streams still running, then stops the queue and joins its thread.
  void Shutdown();

 private:
  class Call;

  ServerState& state_;
  QueryServiceImpl& queries_;
  grpc::AsyncGenericService service_;
  std::unique_ptr<grpc::ServerCompletionQueue> queue_;
  std::thread thread_;
  std::atomic<size_t> answering_{0};  // handled, not yet answered (streams included)
  bool shut_down_ = false;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_TYPED_CALLS_H_
