// Request bytes that are not the method's message: INVALID_ARGUMENT naming the message type
// (reason MALFORMED_REQUEST), where gRPC alone answers INTERNAL with an empty message. The
// completion-queue methods decode their requests themselves (UnaryCalls); for the synchronous
// ones an interceptor rewrites gRPC's answer.
#ifndef SLUICE_SERVICES_MALFORMED_REQUESTS_H_
#define SLUICE_SERVICES_MALFORMED_REQUESTS_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

namespace sluice {

grpc::Status MalformedRequest(const std::string& type);

// For ServerBuilder::experimental().SetInterceptorCreators: the synchronous methods of
// `services` (full names) that take one request message, but `decoded_elsewhere` (method paths);
// what it intercepts is looked up once, here, not per call.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MalformedRequestsInterceptor(
    const std::vector<std::string>& services, const std::vector<std::string>& decoded_elsewhere);

}  // namespace sluice

#endif  // SLUICE_SERVICES_MALFORMED_REQUESTS_H_
