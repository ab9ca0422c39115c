// sluiced as a production sidecar: tokens and scopes, loopback without them, TLS and mutual TLS,
// a unix socket and a config file, SIGTERM under load, readiness, limits, metrics and logs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/sluiced_process.h"
#include "tests/support/proto_json.h"
#include "tests/support/status_details.h"

namespace sluice {
namespace {

using testing::FromJson;
using ::testing::HasSubstr;
using testing::SluicedProcess;

// A SQLite statement that takes about a second (no sleep function in SQLite).
constexpr char kSlowSql[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000000) SELECT count(*) AS n FROM c";

// One that would take minutes: only a timeout or a cancel ends it.
constexpr char kEndlessSql[] =
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT count(*) AS n FROM c";

std::string Db() {
  static int n = 0;
  return absl::StrCat("default=sqlite:", ::testing::TempDir(), "/sidecar_", getpid(), "_", n++, ".db");
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A call with `token` (none when empty) in its metadata.
struct Client {
  explicit Client(std::shared_ptr<grpc::Channel> channel)
      : schemas(v1::SchemaService::NewStub(channel)),
        queries(v1::QueryService::NewStub(channel)),
        migrations(v1::MigrationService::NewStub(channel)),
        health(grpc::health::v1::Health::NewStub(channel)) {}

  void Prepare(grpc::ClientContext* context, const std::string& token, double seconds = 30) const {
    if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
  }
  grpc::Status Register(const std::string& token) const {
    grpc::ClientContext context;
    Prepare(&context, token);
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(testing::ReadFile("examples/shop.schema.json"));
    v1::RegisterSchemaResponse response;
    return schemas->RegisterSchema(&context, request, &response);
  }
  grpc::Status Migrate(const std::string& token) const {
    grpc::ClientContext context;
    Prepare(&context, token);
    v1::MigrateResponse response;
    return migrations->Migrate(&context, FromJson<v1::MigrateRequest>(R"({"target": {"schema": "shop"}})"), &response);
  }
  grpc::Status Insert(const std::string& token, const std::string& email) const {
    grpc::ClientContext context;
    Prepare(&context, token);
    v1::QueryResult result;
    return testing::CallInto(
        &v1::QueryService::Stub::Insert, &*queries, &context,
        FromJson<v1::InsertRequest>(absl::StrCat(
            R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [{"values": {"email": {"string_value": ")",
            email, R"("}}}]}})")),
        &result);
  }
  // `explain` / `analyze`: "", "explain" or "analyze" (which also sets explain).
  grpc::Status Select(const std::string& token, v1::QueryResult* result, const std::string& explain = "") const {
    grpc::ClientContext context;
    Prepare(&context, token);
    auto request = FromJson<v1::SelectRequest>(R"({"target": {"schema": "shop"}, "select": {"table": "users"}})");
    request.set_explain(!explain.empty());
    request.set_analyze(explain == "analyze");
    return testing::CallInto(&v1::QueryService::Stub::Select, &*queries, &context, request, result);
  }
  grpc::Status Raw(const std::string& token, const std::string& sql, v1::QueryResult* result,
                   double seconds = 30) const {
    grpc::ClientContext context;
    Prepare(&context, token, seconds);
    v1::RawRequest request;
    request.set_sql(sql);
    return testing::CallInto(&v1::QueryService::Stub::Raw, &*queries, &context, request, result);
  }
  grpc::health::v1::HealthCheckResponse::ServingStatus Health(const std::string& service) const {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    health->Check(&context, request, &response);
    return response.status();
  }

  std::unique_ptr<v1::SchemaService::Stub> schemas;
  std::unique_ptr<v1::QueryService::Stub> queries;
  std::unique_ptr<v1::MigrationService::Stub> migrations;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
};

TEST(Sidecar, TokensAndScopesRefuseWithoutTouchingData) {
  SluicedProcess server({"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--tokens",
                         "admin:the-admin-token, data:the-data-token", "--database", Db()});
  ASSERT_TRUE(server.ok());
  Client c(server.channel());
  ASSERT_TRUE(c.Register("the-admin-token").ok());
  ASSERT_TRUE(c.Migrate("the-admin-token").ok());
  const grpc::Status no_token = c.Insert("", "a@x");
  EXPECT_EQ(no_token.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(testing::ErrorInfo(no_token, "reason"), "UNAUTHENTICATED");  // refusals carry an ErrorInfo too
  EXPECT_EQ(c.Insert("not-a-token", "b@x").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(c.Insert("the-data-token-", "c@x").error_code(), grpc::StatusCode::UNAUTHENTICATED);  // a longer one
  EXPECT_EQ(c.Register("the-data-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(c.Migrate("the-data-token").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::QueryResult result;
  EXPECT_EQ(c.Raw("the-data-token", "DELETE FROM users", &result).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(c.Insert("the-data-token", "ok@x").ok());
  ASSERT_TRUE(c.Select("the-data-token", &result).ok());
  EXPECT_EQ(result.rows_size(), 1);  // only the allowed insert
  EXPECT_EQ(c.Select("", &result).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // EXPLAIN is a data call; EXPLAIN ANALYZE runs the statement: admin only (SQLite then has none).
  EXPECT_TRUE(c.Select("the-data-token", &result, "explain").ok());
  EXPECT_THAT(result.plan(), HasSubstr("SCAN users"));
  EXPECT_EQ(c.Select("the-data-token", &result, "analyze").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(c.Select("the-admin-token", &result, "analyze").error_code(), grpc::StatusCode::UNIMPLEMENTED);
  // Probes carry no token: Health answers without one.
  EXPECT_EQ(c.Health(""), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(Sidecar, WithoutTokensItServesOnlyOnLoopback) {
  const std::string log = ::testing::TempDir() + "/open.log";
  const int code = std::system(absl::StrCat("server/sluiced --plugin-dir lib/plugins --listen 0.0.0.0:0 --database ",
                                            Db(), " >/dev/null 2>", log)
                                   .c_str());
  EXPECT_EQ(WEXITSTATUS(code), 2);
  EXPECT_THAT(Read(log), HasSubstr("refusing to serve without authentication on a non-loopback address"));
  // The HTTP door too: gRPC on loopback does not open it elsewhere.
  const int http =
      std::system(absl::StrCat("server/sluiced --plugin-dir lib/plugins --http-listen 0.0.0.0:0 --database ", Db(),
                               " >/dev/null 2>", log)
                      .c_str());
  EXPECT_EQ(WEXITSTATUS(http), 2);
  EXPECT_THAT(Read(log), HasSubstr("(--listen and --http-listen)"));
  SluicedProcess loopback({"--plugin-dir", "lib/plugins", "--database", Db()});
  ASSERT_TRUE(loopback.ok());
  EXPECT_THAT(loopback.Log(), HasSubstr("NO TOKENS CONFIGURED"));
}

TEST(Sidecar, TlsAndMutualTls) {
  const std::string dir = ::testing::TempDir() + "/tls";
  const std::string script =
      absl::StrCat("set -e; mkdir -p ", dir, "; cd ", dir, "; ",
                   "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "
                   "/CN=sluice-test-ca 2>/dev/null; ",
                   "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext; ", "for who in server client; do ",
                   "openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj /CN=$who 2>/dev/null; ",
                   "openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $who.pem -days 2 "
                   "-extfile san.ext 2>/dev/null; ",
                   "done");
  ASSERT_EQ(std::system(("bash -c '" + script + "'").c_str()), 0);
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = Read(dir + "/ca.pem");
  {
    SluicedProcess server({"--plugin-dir", "lib/plugins", "--tls-cert", dir + "/server.pem", "--tls-key",
                           dir + "/server.key", "--database", Db()},
                          grpc::SslCredentials(tls));
    ASSERT_TRUE(server.ok());
    EXPECT_TRUE(Client(server.channel()).Register("").ok());
    // A plaintext client does not get through.
    Client plain(grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials()));
    EXPECT_NE(plain.Register("").error_code(), grpc::StatusCode::OK);
  }
  grpc::SslCredentialsOptions mutual = tls;
  mutual.pem_private_key = Read(dir + "/client.key");
  mutual.pem_cert_chain = Read(dir + "/client.pem");
  SluicedProcess server({"--plugin-dir", "lib/plugins", "--tls-cert", dir + "/server.pem", "--tls-key",
                         dir + "/server.key", "--tls-client-ca", dir + "/ca.pem", "--database", Db()},
                        grpc::SslCredentials(mutual));
  ASSERT_TRUE(server.ok());
  EXPECT_TRUE(Client(server.channel()).Register("").ok());
  Client no_certificate(grpc::CreateChannel(server.address(), grpc::SslCredentials(tls)));
  EXPECT_EQ(no_certificate.Register("").error_code(), grpc::StatusCode::UNAVAILABLE);
}

#ifndef __SANITIZE_ADDRESS__  // the sanitizer's build keeps the sanitizer's malloc
TEST(Sidecar, AllocatesWithMimalloc) {
  // The dynamic linker says where each library's `malloc` went: to mimalloc, every one (glibc's
  // would be a slower sluiced: docs/architecture.md, "Serving threads").
  const std::string out = absl::StrCat(::testing::TempDir(), "/bindings_", getpid());
  setenv("LD_DEBUG", "bindings", 1);
  setenv("LD_DEBUG_OUTPUT", out.c_str(), 1);
  SluicedProcess server({"--plugin-dir", "lib/plugins", "--database", Db()});
  unsetenv("LD_DEBUG");
  unsetenv("LD_DEBUG_OUTPUT");
  ASSERT_TRUE(server.ok());
  const std::string bindings = Read(absl::StrCat(out, ".", server.pid()));
  EXPECT_EQ(server.Stop(), 0);
  int to_mimalloc = 0;
  for (absl::string_view line : absl::StrSplit(bindings, '\n')) {
    if (!absl::StrContains(line, "normal symbol `malloc'")) continue;
    EXPECT_THAT(std::string(line), HasSubstr("libmimalloc.so.2 [0]: normal symbol `malloc'"));
    ++to_mimalloc;
  }
  // gRPC, protobuf, libpq, the MariaDB client, SQLite, ...
  EXPECT_GT(to_mimalloc, 10) << bindings.substr(0, 2000);
}
#endif

// CPU seconds (user + system) process `pid` has used.
double CpuSeconds(pid_t pid) {
  const std::string stat = Read(absl::StrCat("/proc/", pid, "/stat"));
  std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  return (std::stod(fields[11]) + std::stod(fields[12])) / sysconf(_SC_CLK_TCK);
}

TEST(Sidecar, BusyPollingEndsWhenTheCallsDo) {
  // --busy-poll-us (default 500): between calls one after another the serving thread polls rather
  // than sleeps; when the calls stop, so does the polling.
  for (const char* busy_poll : {"500", "0"}) {
    SluicedProcess server({"--plugin-dir", "lib/plugins", "--database", Db(), "--busy-poll-us", busy_poll});
    ASSERT_TRUE(server.ok());
    Client client(server.channel());
    ASSERT_TRUE(client.Register("").ok());
    ASSERT_TRUE(client.Migrate("").ok());
    ASSERT_TRUE(client.Insert("", "a@example.com").ok());
    for (int i = 0; i < 300; ++i) {
      v1::QueryResult result;
      ASSERT_TRUE(client.Select("", &result).ok());
      ASSERT_EQ(result.rows_size(), 1);
    }
    const double before = CpuSeconds(server.pid());
    absl::SleepFor(absl::Seconds(1));
    const double idle = CpuSeconds(server.pid()) - before;
    // A thread left polling would use the whole second; a sleeping sluiced uses about nothing.
    EXPECT_LT(idle, 0.1) << "--busy-poll-us " << busy_poll;
    EXPECT_EQ(server.Stop(), 0);
  }
}

TEST(Sidecar, UnixSocketAndConfigFile) {
  // Unix socket paths are short (108 bytes): not in the test's deep temporary folder.
  char folder[] = "/tmp/sluice-sock-XXXXXX";
  ASSERT_NE(mkdtemp(folder), nullptr);
  const std::string socket = std::string(folder) + "/sluice.sock";
  const std::string config = ::testing::TempDir() + "/sluiced.json";
  std::ofstream(config) << absl::StrCat(R"({"unix_socket": ")", socket,
                                        R"(", "pool_size": 2, "databases": {"default": ")", Db().substr(8),
                                        R"("}, "log_format": "json"})");
  SluicedProcess server({"--plugin-dir", "lib/plugins", "--config", config});
  ASSERT_TRUE(server.ok());
  Client over_socket(grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials()));
  EXPECT_EQ(over_socket.Health(""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_TRUE(over_socket.Register("").ok());
  // The file's log_format: every line is a JSON object.
  std::istringstream lines(server.Log());
  int json = 0;
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(absl::StartsWith(line, "{\"ts\":\"") && absl::EndsWith(line, "}")) << line;
    json += absl::StrContains(line, "\"msg\":\"serving\"") ? 1 : 0;
  }
  EXPECT_EQ(json, 1);
}

TEST(Sidecar, SigtermUnderLoadLosesNoCallInFlight) {
  // Generous limits: the test is about losing no call, not about speed (under ASan, on two
  // shared cores, the work below takes about 30 s).
  SluicedProcess server({"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--pool-size", "8", "--shutdown-grace",
                         "180", "--database", Db()});
  ASSERT_TRUE(server.ok());
  Client c(server.channel());
  // 50 calls in flight: 8 slow statements hold the pool's 8 connections, 42 shorter ones wait
  // for a connection.
  constexpr int kCalls = 50;
  constexpr char kShorterSql[] =
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT count(*) AS n FROM c";
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<v1::QueryResult> results(kCalls);
  std::atomic<int> started{0};
  std::vector<std::thread> calls;
  for (int i = 0; i < kCalls; ++i) {
    calls.emplace_back([&, i] {
      ++started;
      statuses[i] = c.Raw("", i < 8 ? kSlowSql : kShorterSql, &results[i], 180);
    });
  }
  while (started < kCalls) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.Terminate();
  for (auto& t : calls) t.join();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
    EXPECT_EQ(results[i].rows(0).values(0).int_value(), i < 8 ? 6000000 : 300000);
  }
  // After the drain, no new call is taken.
  v1::QueryResult after;
  EXPECT_NE(c.Raw("", "SELECT 1", &after, 2).error_code(), grpc::StatusCode::OK);
  EXPECT_EQ(server.Stop(), 0);
}

TEST(Sidecar, ReadinessFollowsTheDatabases) {
  SluicedProcess server(
      {"--plugin-dir", "lib/plugins", "--database", Db(), "--database", "gone=postgres://nobody@127.0.0.1:1/none"});
  ASSERT_TRUE(server.ok());
  Client c(server.channel());
  EXPECT_EQ(c.Health(""), grpc::health::v1::HealthCheckResponse::SERVING);                  // alive
  EXPECT_EQ(c.Health("sluice.ready"), grpc::health::v1::HealthCheckResponse::NOT_SERVING);  // a database is down
  SluicedProcess healthy({"--plugin-dir", "lib/plugins", "--database", Db()});
  ASSERT_TRUE(healthy.ok());
  EXPECT_EQ(Client(healthy.channel()).Health("sluice.ready"), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(Sidecar, LimitsOnRowsMessagesConcurrencyAndStatementTime) {
  SluicedProcess server({"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--max-rows", "3", "--max-message-bytes",
                         "4096", "--max-concurrent-calls", "2", "--statement-timeout", "1", "--database", Db()});
  ASSERT_TRUE(server.ok());
  Client c(server.channel());
  ASSERT_TRUE(c.Register("").ok());
  ASSERT_TRUE(c.Migrate("").ok());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(c.Insert("", absl::StrCat("u", i, "@x")).ok());
  v1::QueryResult result;
  grpc::Status rows = c.Select("", &result);
  EXPECT_EQ(rows.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(rows.error_message(), HasSubstr("SelectStream"));
  // SelectStream is not bound by it.
  {
    grpc::ClientContext context;
    auto reader = c.queries->SelectStream(
        &context, FromJson<v1::SelectStreamRequest>(R"({"target": {"schema": "shop"}, "select": {"table": "users"}})"));
    v1::SelectStreamResponse message;
    int n = 0;
    while (reader->Read(&message)) n += message.rows().rows_size();
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_EQ(n, 4);
  }
  EXPECT_EQ(c.Insert("", std::string(8000, 'x')).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);  // the message
  // The statement timeout stops a long statement although the call allows more. The statement
  // would run for minutes on any machine; the server, not the client's 60 s deadline, stops it.
  const auto started = std::chrono::steady_clock::now();
  grpc::Status slow = c.Raw("", kEndlessSql, &result, 60);
  EXPECT_EQ(slow.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << slow.error_message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  // Two calls at once are served (each runs until the one-second statement timeout, so the three
  // calls overlap); a third is refused.
  std::vector<grpc::Status> statuses(3);
  std::vector<std::thread> calls;
  for (int i = 0; i < 3; ++i) {
    calls.emplace_back([&, i] {
      v1::QueryResult r;
      statuses[i] = c.Raw("", kEndlessSql, &r, 60);
    });
  }
  for (auto& t : calls) t.join();
  int exhausted = 0, timed_out = 0;
  for (const auto& s : statuses) {
    exhausted += s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ? 1 : 0;
    timed_out += s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? 1 : 0;
  }
  EXPECT_EQ(exhausted, 1);
  EXPECT_EQ(timed_out, 2);
}

// GET a path from an HTTP server on 127.0.0.1.
std::string HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  (void)write(fd, request.data(), request.size());
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) response.append(buf, static_cast<size_t>(n));
  close(fd);
  return response;
}

TEST(Sidecar, PrometheusMetricsAndTheQueryLog) {
  SluicedProcess server(
      {"--plugin-dir", "lib/plugins", "--metrics-listen", "127.0.0.1:0", "--query-log", "--database", Db()});
  ASSERT_TRUE(server.ok());
  const std::string line = server.NextStdoutLine();
  ASSERT_TRUE(absl::StartsWith(line, "sluiced metrics on 127.0.0.1:")) << line;
  const int port = std::stoi(line.substr(line.rfind(':') + 1));
  Client c(server.channel());
  ASSERT_TRUE(c.Register("").ok());
  ASSERT_TRUE(c.Migrate("").ok());
  ASSERT_TRUE(c.Insert("", "m@x").ok());
  v1::QueryResult result;
  ASSERT_TRUE(c.Select("", &result).ok());
  EXPECT_EQ(c.Insert("", "m@x").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  const std::string metrics = HttpGet(port, "/metrics");
  EXPECT_THAT(metrics, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(metrics,
              HasSubstr("sluice_calls_total{method=\"QueryService/Select\",database=\"default\",code=\"0\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("sluice_calls_total{method=\"QueryService/Insert\",database=\"default\",code=\"6\"} 1"));
  EXPECT_THAT(metrics,
              HasSubstr("sluice_call_duration_seconds_count{method=\"QueryService/Insert\",database=\"default\"} 2"));
  EXPECT_THAT(
      metrics,
      HasSubstr(
          "sluice_call_duration_seconds_bucket{method=\"QueryService/Select\",database=\"default\",le=\"+Inf\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("sluice_pool_connections{database=\"default\",state=\"idle\"}"));
  EXPECT_THAT(metrics, HasSubstr("sluice_plugin_info{dialect=\"sqlite\""));
  EXPECT_THAT(HttpGet(port, "/other"), HasSubstr("404"));
  // The query log has the statements, with their SQL.
  EXPECT_THAT(server.Log(), HasSubstr("query sql=SELECT \"id\", \"email\""));
}

}  // namespace
}  // namespace sluice
