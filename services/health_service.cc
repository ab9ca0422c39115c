#include "services/health_service.h"

namespace sluice {

using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus HealthServiceImpl::Current() const {
  absl::MutexLock lock(&mu_);
  return serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthServiceImpl::Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                                      HealthCheckResponse* response) {
  if (request->service() == kReadiness) {
    const bool ready = Current() == HealthCheckResponse::SERVING && ready_ && ready_();
    response->set_status(ready ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }
  if (!request->service().empty() && !services_.count(request->service())) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + request->service());
  }
  response->set_status(Current());
  return grpc::Status::OK;
}

grpc::Status HealthServiceImpl::Watch(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                                      grpc::ServerWriter<HealthCheckResponse>* writer) {
  HealthCheckResponse response;
  if (!request->service().empty() && !services_.count(request->service())) {
    response.set_status(HealthCheckResponse::SERVICE_UNKNOWN);
    writer->Write(response);
    return grpc::Status::OK;
  }
  absl::MutexLock lock(&mu_);
  ++watchers_;
  struct Leave {
    HealthServiceImpl* self;
    ~Leave() ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {  // runs with the lock held
      --self->watchers_;
      self->changed_.SignalAll();
    }
  } leave{this};
  bool last = !serving_;
  while (!context->IsCancelled()) {
    if (last != serving_) {
      last = serving_;
      response.set_status(last ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING);
      mu_.Unlock();
      const bool written = writer->Write(response);
      mu_.Lock();
      // After NOT_SERVING the stream ends; a change while writing is sent next.
      if (!written || !last) return grpc::Status::OK;
      continue;
    }
    changed_.WaitWithTimeout(&mu_, absl::Milliseconds(500));
  }
  return grpc::Status::CANCELLED;
}

void HealthServiceImpl::SetNotServing() {
  absl::MutexLock lock(&mu_);
  serving_ = false;
  changed_.SignalAll();
  // Every Watch stream sends NOT_SERVING and ends before shutdown goes on (2 s at most).
  const absl::Time deadline = absl::Now() + absl::Seconds(2);
  while (watchers_ != 0 && !changed_.WaitWithDeadline(&mu_, deadline)) {
  }
}

}  // namespace sluice
