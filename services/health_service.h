// grpc.health.v1.Health, implemented here (not gRPC's default service) so that reflection
// clients find its descriptor and the status follows the server's lifecycle.
#ifndef SLUICE_SERVICES_HEALTH_SERVICE_H_
#define SLUICE_SERVICES_HEALTH_SERVICE_H_

#include <functional>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace sluice {

class HealthServiceImpl final : public grpc::health::v1::Health::Service {
 public:
  // The readiness service: SERVING while `ready` says every database is reachable.
  static constexpr char kReadiness[] = "sluice.ready";

  // `services`: the fully-qualified service names Check answers for ("" is the server:
  // liveness); and kReadiness, asked of `ready`.
  HealthServiceImpl(std::set<std::string> services, std::function<bool()> ready)
      : services_(std::move(services)), ready_(std::move(ready)) {}

  grpc::Status Check(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
  grpc::Status Watch(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

  // NOT_SERVING from now on (shutdown); returns once every Watch stream has sent the change
  // and ended (2 s at most).
  void SetNotServing();

 private:
  grpc::health::v1::HealthCheckResponse::ServingStatus Current() const;

  const std::set<std::string> services_;
  const std::function<bool()> ready_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;  // signalled when serving_ or watchers_ changes
  bool serving_ ABSL_GUARDED_BY(mu_) = true;
  int watchers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_HEALTH_SERVICE_H_
