// gRPC server reflection (grpc.reflection.v1 and v1alpha), served by sluiced itself: gRPC's own
// plugin answers from the compiled-in descriptors only, and the typed services of registered
// schemas (typed/) are made at run time. grpcurl, `buf curl` and Postman find both.
#ifndef SLUICE_SERVICES_REFLECTION_SERVICE_H_
#define SLUICE_SERVICES_REFLECTION_SERVICE_H_

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "services/server_state.h"

namespace sluice {

// One reflection service over grpc.reflection.v1 or v1alpha (their generated Service, request and
// response): the two differ in package only.
template <typename Service, typename Request, typename Response>
class ReflectionService final : public Service {
 public:
  // `services`: the compiled-in services the server serves (full names).
  ReflectionService(ServerState& state, std::vector<std::string> services)
      : state_(state), services_(std::move(services)) {}

  grpc::Status ServerReflectionInfo(grpc::ServerContext* context,
                                    grpc::ServerReaderWriter<Response, Request>* stream) override;

 private:
  ServerState& state_;
  std::vector<std::string> services_;
};

using ReflectionV1 =
    ReflectionService<grpc::reflection::v1::ServerReflection::Service, grpc::reflection::v1::ServerReflectionRequest,
                      grpc::reflection::v1::ServerReflectionResponse>;
using ReflectionV1Alpha = ReflectionService<grpc::reflection::v1alpha::ServerReflection::Service,
                                            grpc::reflection::v1alpha::ServerReflectionRequest,
                                            grpc::reflection::v1alpha::ServerReflectionResponse>;

extern template class ReflectionService<grpc::reflection::v1::ServerReflection::Service,
                                        grpc::reflection::v1::ServerReflectionRequest,
                                        grpc::reflection::v1::ServerReflectionResponse>;
extern template class ReflectionService<grpc::reflection::v1alpha::ServerReflection::Service,
                                        grpc::reflection::v1alpha::ServerReflectionRequest,
                                        grpc::reflection::v1alpha::ServerReflectionResponse>;

}  // namespace sluice

#endif  // SLUICE_SERVICES_REFLECTION_SERVICE_H_
