#include "services/grpc_status.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace sluice {
namespace {

// gRPC sends the message and the details as headers, 8 KiB in all by default: an error that
// echoed a long input (a 1 MB table name) would come back RESOURCE_EXHAUSTED instead of itself.
// Echoed text is cut to these sizes, at a UTF-8 character boundary, saying how long it was.
constexpr size_t kMaxMessage = 1024;
constexpr size_t kMaxDetailText = 256;
constexpr size_t kMaxFieldPath = 768;
constexpr int kMaxViolations = 16;
constexpr size_t kMaxViolationBytes = 4096;

std::string Clip(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
  return absl::StrCat(text.substr(0, cut), "… (", text.size(), " bytes in all)");
}

// A payload with its echoed text clipped (the two kinds sluiced attaches).
std::string ClippedPayload(absl::string_view type_url, std::string payload) {
  if (type_url == kBadRequestUrl) {
    google::rpc::BadRequest bad;
    if (!bad.ParseFromString(payload)) return payload;
    // A field path may be long (relations 16 levels deep): its own, larger limit; the
    // violations kept fit kMaxViolationBytes together.
    int kept = 0;
    for (size_t bytes = 0; kept < std::min(bad.field_violations_size(), kMaxViolations); ++kept) {
      auto& v = *bad.mutable_field_violations(kept);
      v.set_field(Clip(v.field(), kMaxFieldPath));
      v.set_description(Clip(v.description(), kMaxDetailText));
      bytes += v.field().size() + v.description().size();
      if (kept > 0 && bytes > kMaxViolationBytes) break;
    }
    const int dropped = bad.field_violations_size() - kept;
    if (dropped > 0) bad.mutable_field_violations()->DeleteSubrange(kept, dropped);
    if (dropped > 0) {
      auto* more = bad.add_field_violations();
      more->set_description(absl::StrCat("and ", dropped, " more"));
    }
    return bad.SerializeAsString();
  }
  if (type_url == kErrorInfoUrl) {
    google::rpc::ErrorInfo info;
    if (!info.ParseFromString(payload)) return payload;
    for (auto& [key, value] : *info.mutable_metadata()) value = Clip(value, kMaxDetailText);
    return info.SerializeAsString();
  }
  return payload;
}

}  // namespace

google::rpc::Status ToRpcStatus(const absl::Status& given) {
  // Every error carries an ErrorInfo: a specific reason where a layer gave one, else the code's
  // name (INVALID_ARGUMENT, NOT_FOUND, ...).
  const absl::Status status = given.GetPayload(kErrorInfoUrl).has_value()
                                  ? given
                                  : WithErrorInfo(given, absl::StatusCodeToString(given.code()), {});
  const std::string message = Clip(status.message(), kMaxMessage);
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  rich.set_message(message);
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rich.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(ClippedPayload(type_url, std::string(payload)));
  });
  return rich;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const google::rpc::Status rich = ToRpcStatus(status);
  return grpc::Status(static_cast<grpc::StatusCode>(rich.code()), rich.message(), rich.SerializeAsString());
}

absl::Time DeadlineOf(const grpc::ServerContextBase* context) {
  const auto deadline = context->deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace sluice
