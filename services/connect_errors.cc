#include "services/connect_errors.h"

#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/common.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace sluice {

const char* ConnectCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::CANCELLED:
      return "canceled";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "not_found";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "already_exists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "permission_denied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "failed_precondition";
    case grpc::StatusCode::ABORTED:
      return "aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "out_of_range";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "data_loss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "unknown";
  }
}

namespace {

// The HTTP status of a code, as the Connect protocol maps them.
int HttpStatus(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    default:
      return 500;
  }
}

// `text` as a JSON string, quoted (bytes that are not UTF-8, which JSON cannot hold, as `?`).
std::string Quoted(const std::string& text) {
  if (!google::protobuf::internal::IsStructurallyValidUTF8(text.data(), static_cast<int>(text.size()))) {
    std::string ascii = text;
    for (char& c : ascii) c = static_cast<unsigned char>(c) < 0x80 ? c : '?';
    return Quoted(ascii);
  }
  google::protobuf::Value value;
  value.set_string_value(text);
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(value, &out);
  return out;
}

// A detail (google.protobuf.Any) as Connect writes it; its `debug` when its type is compiled in.
std::string Detail(const google::protobuf::Any& any) {
  std::string type = any.type_url();
  if (const size_t slash = type.rfind('/'); slash != std::string::npos) type = type.substr(slash + 1);
  std::string value;
  absl::Base64Escape(any.value(), &value);
  while (!value.empty() && value.back() == '=') value.pop_back();  // Connect writes it unpadded
  std::string out = absl::StrCat("{\"type\":", Quoted(type), ",\"value\":", Quoted(value));
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
  if (descriptor != nullptr) {
    std::unique_ptr<google::protobuf::Message> message(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
    std::string json;
    if (message->ParseFromString(any.value()) && google::protobuf::util::MessageToJsonString(*message, &json).ok()) {
      absl::StrAppend(&out, ",\"debug\":", json);
    }
  }
  return out + "}";
}

}  // namespace

ConnectError ToConnectError(const grpc::Status& status) {
  // Written in this order (code, message, details), each detail's `debug` in its fields' order.
  std::string json = absl::StrCat("{\"code\":", Quoted(ConnectCode(status.error_code())));
  if (!status.error_message().empty()) absl::StrAppend(&json, ",\"message\":", Quoted(status.error_message()));
  google::rpc::Status rich;
  if (!status.error_details().empty() && rich.ParseFromString(status.error_details()) && rich.details_size() > 0) {
    std::vector<std::string> details;
    for (const google::protobuf::Any& any : rich.details()) details.push_back(Detail(any));
    absl::StrAppend(&json, ",\"details\":[", absl::StrJoin(details, ","), "]");
  }
  return ConnectError{HttpStatus(status.error_code()), json + "}"};
}

}  // namespace sluice
