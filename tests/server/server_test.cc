// sluiced as a library, in this process: started on port 0 with the embedded SQLite default,
// called over a real gRPC channel, shut down. No process is forked.
#include "server/server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"

namespace sluice {
namespace {

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &message).ok()) << json;
  return message;
}

ServerOptions TestOptions(const std::string& name) {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.plugin_dir = "lib/plugins";
  const std::string file = std::string(std::getenv("TEST_TMPDIR")) + "/" + name + ".db";
  std::remove(file.c_str());
  options.databases = {"default=sqlite:" + file};
  options.shutdown_grace_seconds = 1;
  return options;
}

TEST(ServerTest, ServesOnAFreePortAndShutsDown) {
  auto server = Server::Start(TestOptions("serves"));
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = (*server)->address();
  EXPECT_EQ(address.rfind("127.0.0.1:", 0), 0u) << address;
  EXPECT_NE(address, "127.0.0.1:0");
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());

  grpc::ClientContext health_context;
  grpc::health::v1::HealthCheckResponse health;
  ASSERT_TRUE(grpc::health::v1::Health::NewStub(channel)
                  ->Check(&health_context, grpc::health::v1::HealthCheckRequest(), &health)
                  .ok());
  EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  std::ifstream in("examples/shop.schema.json");
  std::stringstream schema;
  schema << in.rdbuf();
  v1::RegisterSchemaRequest register_request;
  *register_request.mutable_schema() = FromJson<v1::Schema>(schema.str());
  v1::RegisterSchemaResponse registered;
  grpc::ClientContext c1;
  ASSERT_TRUE(v1::SchemaService::NewStub(channel)->RegisterSchema(&c1, register_request, &registered).ok());
  EXPECT_EQ(registered.version().version(), 1u);
  v1::MigrateResponse migrated;
  grpc::ClientContext c2;
  ASSERT_TRUE(v1::MigrationService::NewStub(channel)
                  ->Migrate(&c2, FromJson<v1::MigrateRequest>(R"({"target": {"schema": "shop"}})"), &migrated)
                  .ok());
  auto queries = v1::QueryService::NewStub(channel);
  v1::InsertResponse inserted;
  grpc::ClientContext c3;
  ASSERT_TRUE(queries
                  ->Insert(&c3,
                           FromJson<v1::InsertRequest>(R"({"target": {"schema": "shop"}, "insert": {"table": "users",
                       "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}], "returning": ["email"]}})"),
                           &inserted)
                  .ok());
  ASSERT_EQ(inserted.result().rows_size(), 1);
  EXPECT_EQ(inserted.result().rows(0).values(0).string_value(), "ada@example.com");

  // A bad request: INVALID_ARGUMENT with the field path, and an ErrorInfo like every error.
  v1::SelectResponse selected;
  grpc::ClientContext c4;
  grpc::Status bad = queries->Select(
      &c4, FromJson<v1::SelectRequest>(R"({"target": {"schema": "shop"}, "select": {"table": "users", "limit": -1}})"),
      &selected);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(bad.error_message(), "select.limit: must not be negative (got -1)");
  EXPECT_NE(bad.error_details().find("INVALID_ARGUMENT"), std::string::npos);  // the ErrorInfo's reason

  (*server)->Shutdown();
  (*server)->Shutdown();  // a second call returns at once
  grpc::ClientContext c5;
  c5.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(
      queries
          ->Select(&c5, FromJson<v1::SelectRequest>(R"({"target": {"schema": "shop"}, "select": {"table": "users"}})"),
                   &selected)
          .ok());
}

// A second server on an address in use fails to start, naming it (gRPC's SO_REUSEPORT would
// have let it bind, and calls would alternate between the two); the same for the metrics port.
// IPv6 loopback for both listeners (no tokens needed: it is loopback), the metrics served there.
TEST(ServerTest, ServesOnIpv6Loopback) {
  ServerOptions options = TestOptions("ipv6");
  options.listen = "[::1]:0";
  options.metrics_listen = "[::1]:0";
  auto server = Server::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_EQ((*server)->address().rfind("[::1]:", 0), 0u) << (*server)->address();
  EXPECT_EQ((*server)->metrics_address().rfind("[::1]:", 0), 0u) << (*server)->metrics_address();
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(
      grpc::health::v1::Health::NewStub(grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials()))
          ->Check(&context, grpc::health::v1::HealthCheckRequest(), &health)
          .ok());
  const std::string metrics = (*server)->metrics_address();
  const std::string curl = "curl -sf http://" + metrics + "/metrics | grep -q '^sluice_build_info'";
  EXPECT_EQ(std::system(curl.c_str()), 0) << curl;
}

TEST(ServerTest, ASecondServerOnTheSameAddressDoesNotStart) {
  ServerOptions first_options = TestOptions("first");
  first_options.metrics_listen = "127.0.0.1:0";
  auto first = Server::Start(first_options);
  ASSERT_TRUE(first.ok()) << first.status();

  ServerOptions same_port = TestOptions("second");
  same_port.listen = (*first)->address();
  auto second = Server::Start(same_port);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find((*first)->address()), absl::string_view::npos) << second.status();

  ServerOptions same_metrics = TestOptions("third");
  same_metrics.metrics_listen = (*first)->metrics_address();
  auto third = Server::Start(same_metrics);
  EXPECT_FALSE(third.ok());
  EXPECT_NE(
      third.status().message().find((*first)->metrics_address().substr((*first)->metrics_address().rfind(':') + 1)),
      absl::string_view::npos)
      << third.status();

  // The first still answers.
  auto channel = grpc::CreateChannel((*first)->address(), grpc::InsecureChannelCredentials());
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckResponse health;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(channel)
                  ->Check(&context, grpc::health::v1::HealthCheckRequest(), &health)
                  .ok());
}

TEST(ServerTest, MistakesInTheOptionsAreRefusedAtStart) {
  ServerOptions no_plugins = TestOptions("no_plugins");
  no_plugins.plugin_dir = "no/such/folder";
  auto missing = Server::Start(no_plugins);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("no/such/folder"), absl::string_view::npos) << missing.status();
  EXPECT_NE(missing.status().message().find("--plugin-dir"), absl::string_view::npos) << missing.status();

  ServerOptions open = TestOptions("open");
  open.listen = "0.0.0.0:0";  // not loopback, and no tokens
  auto refused = Server::Start(open);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);

  // The metrics endpoint may listen beyond loopback without tokens (the gRPC port may not).
  ServerOptions metrics_anywhere = TestOptions("metrics_anywhere");
  metrics_anywhere.metrics_listen = "0.0.0.0:0";
  EXPECT_TRUE(Server::Start(metrics_anywhere).ok());

  ServerOptions unknown = TestOptions("unknown");
  unknown.databases = {"default=nosuchdialect://x"};
  EXPECT_FALSE(Server::Start(unknown).ok());

  // Replicas: of a database that is configured, that has replicas, in its dialect.
  const auto refused_replica = [](const std::string& database, const std::string& replica) {
    ServerOptions options = TestOptions("replicas");
    options.databases = {database};
    options.replicas = {replica};
    return std::string(Server::Start(options).status().message());
  };
  EXPECT_EQ(refused_replica("main=postgres://postgres@127.0.0.1:1/app", "mian=postgres://postgres@127.0.0.1:2/app"),
            "--replica mian: no --database mian is configured (main)");
  EXPECT_EQ(refused_replica("main=sqlite:main.db", "main=sqlite:copy.db"),
            "--replica main: database main is SQLite, a file: it has no replicas");
  EXPECT_EQ(refused_replica("main=postgres://postgres@127.0.0.1:1/app", "main=mysql://u:secret@127.0.0.1:2/app"),
            "--replica main: `mysql://u:***@127.0.0.1:2/app` is not a URL of database main's dialect (postgres)");
  EXPECT_EQ(refused_replica("main=postgres://postgres@127.0.0.1:1/app", "main"),
            "--replica `main`: expected NAME=URL[,URL...] (e.g. main=postgres://reader@replica:5432/app)");
}

}  // namespace
}  // namespace sluice
