// The Prometheus text: sluice's own series, the standard gRPC server series stock dashboards
// read, process_* and the build info.
#include "services/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

TEST(Metrics, StandardGrpcServerSeriesSumOverDatabases) {
  Metrics metrics;
  metrics.RecordCall("QueryService/Select", "default", "0", 0.002);
  metrics.RecordCall("QueryService/Select", "analytics", "0", 0.2);
  metrics.RecordCall("QueryService/Select", "default", "5", 0.001);
  metrics.RecordCall("QueryService/Transaction", "default", "0", 1.5);
  const std::string text = metrics.Render(PluginRegistry(), nullptr);
  EXPECT_THAT(text,
              HasSubstr("sluice_calls_total{method=\"QueryService/Select\",database=\"default\",code=\"0\"} 1\n"));
  const std::string select = "grpc_type=\"unary\",grpc_service=\"sluice.v1.QueryService\",grpc_method=\"Select\"";
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{" + select + ",grpc_code=\"OK\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{" + select + ",grpc_code=\"NOT_FOUND\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handled_total{grpc_type=\"bidi_stream\",grpc_service=\"sluice.v1."
                              "QueryService\",grpc_method=\"Transaction\",grpc_code=\"OK\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + select + ",le=\"0.0025\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_bucket{" + select + ",le=\"0.25\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("grpc_server_handling_seconds_count{" + select + "} 3\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handling_seconds histogram\n"));
}

TEST(Metrics, ProcessSeriesAndBuildInfo) {
  const std::string text = Metrics().Render(PluginRegistry(), nullptr);
  EXPECT_THAT(text, ContainsRegex("\nprocess_resident_memory_bytes [1-9][0-9]{5,}\n"));
  EXPECT_THAT(text, ContainsRegex("\nprocess_cpu_seconds_total [0-9.e-]+\n"));
  EXPECT_THAT(text, ContainsRegex("\nprocess_open_fds [1-9][0-9]*\n"));
  EXPECT_THAT(text, ContainsRegex("\nprocess_max_fds [1-9][0-9]*\n"));
  EXPECT_THAT(text, ContainsRegex("\nprocess_virtual_memory_bytes [1-9][0-9]{6,}\n"));
  EXPECT_THAT(text, ContainsRegex("\nprocess_start_time_seconds 1[0-9]{9}\n"));
  EXPECT_THAT(text, HasSubstr("sluice_build_info{version=\"0.2.0\",api=\"sluice.v1\",abi=\"1.6\"} 1\n"));
}

}  // namespace
}  // namespace sluice
