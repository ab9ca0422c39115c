// The one place absl::Status becomes grpc::Status: the code, the message, and the rich details
// (google.rpc.BadRequest, google.rpc.ErrorInfo) in grpc-status-details-bin.
#ifndef SLUICE_SERVICES_GRPC_STATUS_H_
#define SLUICE_SERVICES_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "executor/call_watchdog.h"
#include "google/rpc/status.pb.h"

namespace sluice {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The same error as a google.rpc.Status message (what grpc-status-details-bin carries).
google::rpc::Status ToRpcStatus(const absl::Status& status);

// The call's deadline (InfiniteFuture when the client set none).
absl::Time DeadlineOf(const grpc::ServerContextBase* context);

}  // namespace sluice

#endif  // SLUICE_SERVICES_GRPC_STATUS_H_
