#include "common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace sluice {

absl::Status InvalidFields(const std::vector<FieldViolation>& violations) {
  google::rpc::BadRequest detail;
  std::string message;
  for (const FieldViolation& v : violations) {
    auto* out = detail.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
    if (!message.empty()) message += "; ";
    absl::StrAppend(&message, v.field.empty() ? "" : v.field + ": ", v.description);
  }
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(kBadRequestUrl, absl::Cord(detail.SerializeAsString()));
  return status;
}

absl::Status InvalidField(absl::string_view field, absl::string_view description) {
  return InvalidFields({{std::string(field), std::string(description)}});
}

absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           const std::map<std::string, std::string>& metadata) {
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (const auto& [key, value] : metadata) {
    if (!value.empty()) (*info.mutable_metadata())[key] = value;
  }
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status WithErrorMetadata(absl::Status status, absl::string_view key, absl::string_view value) {
  google::rpc::ErrorInfo info;
  auto payload = status.GetPayload(kErrorInfoUrl);
  if (!payload || !info.ParseFromString(std::string(*payload))) {
    info.set_reason(absl::StatusCodeToString(status.code()));
    info.set_domain(std::string(kErrorDomain));
  }
  (*info.mutable_metadata())[std::string(key)] = std::string(value);
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

std::string ErrorReason(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  auto payload = status.GetPayload(kErrorInfoUrl);
  return payload && info.ParseFromString(std::string(*payload)) ? info.reason() : "";
}

std::vector<FieldViolation> FieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kBadRequestUrl);
  google::rpc::BadRequest detail;
  if (payload && detail.ParseFromString(std::string(*payload))) {
    for (const auto& v : detail.field_violations()) out.push_back({v.field(), v.description()});
  }
  return out;
}

absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  absl::Status out(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) { out.SetPayload(url, payload); });
  return out;
}

}  // namespace sluice
