#include "services/malformed_requests.h"

#include <google/protobuf/descriptor.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/errors.h"
#include "services/grpc_status.h"

namespace sluice {

namespace {

using grpc::experimental::InterceptionHookPoints;

// gRPC's answer to request bytes its generated handler could not decode: INTERNAL, and the
// message's InitializationErrorString, empty for proto3. sluiced's own INTERNAL errors always
// have a message.
class Interceptor final : public grpc::experimental::Interceptor {
 public:
  explicit Interceptor(const std::string* type) : type_(type) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL && status.error_message().empty()) {
        methods->ModifySendStatus(MalformedRequest(*type_));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string* type_;  // the descriptor pool's, which outlives every call
};

class Factory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    // "/sluice.v1.QueryService/Select" → sluice.v1.QueryService.Select
    const char* method = info->method();
    if (method == nullptr || *method != '/') return nullptr;
    const auto* descriptor = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
        absl::StrReplaceAll(method + 1, {{"/", "."}}));
    // Client streams decode each message in Read (false: the stream ends); nothing to rewrite.
    if (descriptor == nullptr || descriptor->client_streaming()) return nullptr;
    return new Interceptor(&descriptor->input_type()->full_name());
  }
};

}  // namespace

grpc::Status MalformedRequest(const std::string& type) {
  return ToGrpcStatus(WithErrorInfo(
      absl::InvalidArgumentError(absl::StrCat("the request is not a ", type, " message (its bytes do not decode)")),
      "MALFORMED_REQUEST", {{"type", type}}));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MalformedRequestsInterceptor() {
  return std::make_unique<Factory>();
}

}  // namespace sluice
