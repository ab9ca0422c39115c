#include "services/grpc_status.h"

#include "common/errors.h"
#include "google/rpc/status.pb.h"

namespace sluice {

grpc::Status ToGrpcStatus(const absl::Status& given) {
  if (given.ok()) return grpc::Status::OK;
  // Every error carries an ErrorInfo: a specific reason where a layer gave one, else the code's
  // name (INVALID_ARGUMENT, NOT_FOUND, ...).
  const absl::Status status = given.GetPayload(kErrorInfoUrl).has_value()
                                  ? given
                                  : WithErrorInfo(given, absl::StatusCodeToString(given.code()), {});
  google::rpc::Status rich;
  rich.set_code(static_cast<int>(status.code()));
  rich.set_message(std::string(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = rich.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      rich.SerializeAsString());
}

absl::Time DeadlineOf(const grpc::ServerContextBase* context) {
  const auto deadline = context->deadline();
  if (deadline >= std::chrono::system_clock::time_point::max() - std::chrono::hours(24 * 365)) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

}  // namespace sluice
