// gRPC statuses as Connect errors (the HTTP door): Connect's HTTP status per code, and the body
// with the status's details (type, unpadded base64 bytes, debug JSON).
#include "services/connect_errors.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/grpc_status.h"

namespace sluice {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ConnectErrors, CodesMapToConnectsHttpStatuses) {
  const std::pair<grpc::StatusCode, int> expected[] = {{grpc::StatusCode::CANCELLED, 499},
                                                       {grpc::StatusCode::UNKNOWN, 500},
                                                       {grpc::StatusCode::INVALID_ARGUMENT, 400},
                                                       {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
                                                       {grpc::StatusCode::NOT_FOUND, 404},
                                                       {grpc::StatusCode::ALREADY_EXISTS, 409},
                                                       {grpc::StatusCode::PERMISSION_DENIED, 403},
                                                       {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
                                                       {grpc::StatusCode::FAILED_PRECONDITION, 400},
                                                       {grpc::StatusCode::ABORTED, 409},
                                                       {grpc::StatusCode::OUT_OF_RANGE, 400},
                                                       {grpc::StatusCode::UNIMPLEMENTED, 501},
                                                       {grpc::StatusCode::INTERNAL, 500},
                                                       {grpc::StatusCode::UNAVAILABLE, 503},
                                                       {grpc::StatusCode::DATA_LOSS, 500},
                                                       {grpc::StatusCode::UNAUTHENTICATED, 401}};
  for (const auto& [code, http] : expected) {
    EXPECT_EQ(ToConnectError(grpc::Status(code, "x")).http_status, http) << ConnectCode(code);
  }
  EXPECT_STREQ(ConnectCode(grpc::StatusCode::CANCELLED), "canceled");  // Connect's spelling
  EXPECT_EQ(ToConnectError(grpc::Status(grpc::StatusCode::NOT_FOUND, "")).json, R"({"code":"not_found"})");
}

TEST(ConnectErrors, TheBodyCarriesTheDetails) {
  const std::string json = ToConnectError(ToGrpcStatus(InvalidField("rows[0].balance", "too \"precise\""))).json;
  // The code and message first; the details in the status's order (which its map gives).
  EXPECT_THAT(json,
              StartsWith(R"({"code":"invalid_argument","message":"rows[0].balance: too \"precise\"","details":[)"));
  EXPECT_THAT(
      json, HasSubstr(R"({"type":"google.rpc.BadRequest","value":"CiAKD3Jvd3NbMF0uYmFsYW5jZRINdG9vICJwcmVjaXNlIg",)"
                      R"("debug":{"fieldViolations":[{"field":"rows[0].balance","description":"too \"precise\""}]}})"));
  EXPECT_THAT(json, HasSubstr(R"({"type":"google.rpc.ErrorInfo","value":"ChBJTlZBTElEX0FSR1VNRU5UEgpzbHVpY2UuZGV2",)"
                              R"("debug":{"reason":"INVALID_ARGUMENT","domain":"sluice.dev"}})"));
  EXPECT_THAT(json, EndsWith("}]}"));
}

TEST(ConnectErrors, AMessageThatIsNotUtf8StillMakesJson) {
  EXPECT_EQ(ToConnectError(grpc::Status(grpc::StatusCode::INTERNAL, "bad \xff byte")).json,
            R"({"code":"internal","message":"bad ? byte"})");
}

}  // namespace
}  // namespace sluice
