#include "services/malformed_requests.h"

#include <google/protobuf/descriptor.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
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
  // Method path ("/sluice.v1.SchemaService/RegisterSchema") → its request message's full name.
  explicit Factory(absl::flat_hash_map<std::string, const std::string*> types) : types_(std::move(types)) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    if (info->method() == nullptr) return nullptr;
    auto it = types_.find(absl::string_view(info->method()));
    return it == types_.end() ? nullptr : new Interceptor(it->second);
  }

 private:
  const absl::flat_hash_map<std::string, const std::string*> types_;
};

}  // namespace

grpc::Status MalformedRequest(const std::string& type) {
  return ToGrpcStatus(WithErrorInfo(
      absl::InvalidArgumentError(absl::StrCat("the request is not a ", type, " message (its bytes do not decode)")),
      "MALFORMED_REQUEST", {{"type", type}}));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> MalformedRequestsInterceptor(
    const std::vector<std::string>& services, const std::vector<std::string>& decoded_elsewhere) {
  absl::flat_hash_map<std::string, const std::string*> types;
  for (const std::string& name : services) {
    const auto* service = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      const auto* method = service->method(i);
      // Client streams decode each message in Read (false: the stream ends); nothing to rewrite.
      if (method->client_streaming()) continue;
      types[absl::StrCat("/", name, "/", method->name())] = &method->input_type()->full_name();
    }
  }
  for (const std::string& path : decoded_elsewhere) types.erase(path);
  return std::make_unique<Factory>(std::move(types));
}

}  // namespace sluice
