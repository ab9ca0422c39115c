#include "tests/support/status_details.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace sluice::testing {

namespace {
google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status rich;
  rich.ParseFromString(status.error_details());
  return rich;
}
}  // namespace

std::vector<std::string> FieldPaths(const grpc::Status& status) {
  std::vector<std::string> paths;
  const google::rpc::Status rich = Details(status);
  for (const auto& any : rich.details()) {
    google::rpc::BadRequest bad;
    if (any.UnpackTo(&bad)) {
      for (const auto& v : bad.field_violations()) paths.push_back(v.field());
    }
  }
  return paths;
}

std::string ErrorInfo(const grpc::Status& status, const std::string& key) {
  const google::rpc::Status rich = Details(status);
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      if (key == "reason") return info.reason();
      auto it = info.metadata().find(key);
      return it == info.metadata().end() ? "" : it->second;
    }
  }
  return "";
}

}  // namespace sluice::testing
