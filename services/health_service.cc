#include "services/health_service.h"

#include <chrono>

namespace sluice {

using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus HealthServiceImpl::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthServiceImpl::Check(grpc::ServerContext*,
                                      const grpc::health::v1::HealthCheckRequest* request,
                                      HealthCheckResponse* response) {
  if (!request->service().empty() && !services_.count(request->service())) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + request->service());
  }
  response->set_status(Current());
  return grpc::Status::OK;
}

grpc::Status HealthServiceImpl::Watch(grpc::ServerContext* context,
                                      const grpc::health::v1::HealthCheckRequest* request,
                                      grpc::ServerWriter<HealthCheckResponse>* writer) {
  HealthCheckResponse response;
  if (!request->service().empty() && !services_.count(request->service())) {
    response.set_status(HealthCheckResponse::SERVICE_UNKNOWN);
    writer->Write(response);
    return grpc::Status::OK;
  }
  std::unique_lock<std::mutex> lock(mu_);
  bool last = !serving_;
  while (!context->IsCancelled()) {
    if (last != serving_) {
      last = serving_;
      response.set_status(serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING);
      lock.unlock();
      if (!writer->Write(response)) return grpc::Status::OK;
      lock.lock();
      if (!serving_) return grpc::Status::OK;
    }
    changed_.wait_for(lock, std::chrono::milliseconds(500));
  }
  return grpc::Status::CANCELLED;
}

void HealthServiceImpl::SetNotServing() {
  std::lock_guard<std::mutex> lock(mu_);
  serving_ = false;
  changed_.notify_all();
}

}  // namespace sluice
