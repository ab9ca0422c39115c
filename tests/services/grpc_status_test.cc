// The one exit of errors to gRPC: codes kept, an ErrorInfo on every error, and echoed input
// clipped so that the error fits gRPC's headers and arrives as itself.
#include "services/grpc_status.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;

google::rpc::Status Rich(const grpc::Status& status) {
  google::rpc::Status rich;
  EXPECT_TRUE(rich.ParseFromString(status.error_details()));
  return rich;
}

TEST(GrpcStatus, EveryErrorCarriesAnErrorInfoNamingItsCode) {
  const grpc::Status status = ToGrpcStatus(absl::NotFoundError("schema `shop` is not registered"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "schema `shop` is not registered");
  google::rpc::Status rich = Rich(status);
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(rich.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "NOT_FOUND");
}

TEST(GrpcStatus, EchoedInputIsClippedToFitTheHeaders) {
  const std::string name(1 << 20, 'x');  // a 1 MB table name
  const grpc::Status status = ToGrpcStatus(WithErrorInfo(
      InvalidField("select.table", "schema `shop` has no table `" + name + "`"), "UNKNOWN_TABLE", {{"table", name}}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(status.error_message().size(), 1100u);
  EXPECT_THAT(status.error_message(), HasSubstr("schema `shop` has no table `xxx"));
  EXPECT_THAT(status.error_message(), EndsWith(" bytes in all)"));
  EXPECT_LT(status.error_details().size(), 2048u);
  google::rpc::Status rich = Rich(status);
  google::rpc::BadRequest bad;
  google::rpc::ErrorInfo info;
  for (const auto& any : rich.details()) {
    if (any.Is<google::rpc::BadRequest>()) ASSERT_TRUE(any.UnpackTo(&bad));
    if (any.Is<google::rpc::ErrorInfo>()) ASSERT_TRUE(any.UnpackTo(&info));
  }
  ASSERT_EQ(bad.field_violations_size(), 1);
  EXPECT_EQ(bad.field_violations(0).field(), "select.table");
  EXPECT_LT(bad.field_violations(0).description().size(), 300u);
  EXPECT_EQ(info.reason(), "UNKNOWN_TABLE");
  EXPECT_LT(info.metadata().at("table").size(), 300u);
}

TEST(GrpcStatus, ClippingNeverSplitsAUtf8Character) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "é";  // two bytes each
  const std::string message = ToGrpcStatus(absl::InvalidArgumentError("x" + text)).error_message();
  const std::string kept = message.substr(0, message.find("…"));
  EXPECT_EQ((kept.size() - 1) % 2, 0u) << "cut inside a character";
}

TEST(GrpcStatus, ManyViolationsAreListedUpToALimit) {
  std::vector<FieldViolation> violations;
  for (int i = 0; i < 100; ++i) violations.push_back({"rows[" + std::to_string(i) + "]", "bad"});
  google::rpc::Status rich = Rich(ToGrpcStatus(InvalidFields(violations)));
  google::rpc::BadRequest bad;
  for (const auto& any : rich.details()) {
    if (any.Is<google::rpc::BadRequest>()) ASSERT_TRUE(any.UnpackTo(&bad));
  }
  ASSERT_EQ(bad.field_violations_size(), 17);
  EXPECT_EQ(bad.field_violations(15).field(), "rows[15]");
  EXPECT_EQ(bad.field_violations(16).description(), "and 84 more");
}

}  // namespace
}  // namespace sluice
