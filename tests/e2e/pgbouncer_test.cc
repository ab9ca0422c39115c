// sluiced behind PgBouncer in transaction pooling mode (tools/test.sh starts it in front of the
// test PostgreSQL server with fewer server connections than sluiced opens): with
// `?sluice_statements=unnamed` every call succeeds under concurrency, and the same load with
// named prepared statements fails, as it would in production (a statement prepared on one server
// connection is missing on the next, already there, or another statement under the same name). The parameterised suites
// also run through it (tools/test.sh).
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/in_process_server.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using testing::FromJson;

// The PgBouncer URL tools/test.sh started, with `database` instead of its database.
std::string BouncerUrl(const std::string& database) {
  const char* url = std::getenv("SLUICE_TEST_PGBOUNCER_URL");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "SLUICE_TEST_PGBOUNCER_URL is not set: run the tests through tools/test.sh";
    return "";
  }
  const std::string base(url);
  return base.substr(0, base.rfind('/') + 1) + database;
}

// Sixteen clients, each making 60 calls of five statement shapes (selects, an update, a batch of
// an update and a select), through a sluiced of eight connections: the number that failed, and
// their messages.
int FailedCalls(const std::string& database_url, std::vector<std::string>* messages) {
  testing::InProcessServer server(
      {"--plugin-dir", "lib/plugins", "--pool-size", "8", "--database", "default=" + database_url});
  EXPECT_TRUE(server.ok());
  auto schemas = v1::SchemaService::NewStub(server.channel());
  auto migrations = v1::MigrationService::NewStub(server.channel());
  auto queries = v1::QueryService::NewStub(server.channel());
  {
    grpc::ClientContext context;
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(testing::kNumbersSchema);
    v1::RegisterSchemaResponse response;
    grpc::Status status = schemas->RegisterSchema(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  {
    grpc::ClientContext context;
    v1::MigrateResponse response;
    grpc::Status status =
        migrations->Migrate(&context, FromJson<v1::MigrateRequest>(R"({"target": {"schema": "bulk"}})"), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  {
    v1::InsertRequest insert =
        FromJson<v1::InsertRequest>(R"({"target": {"schema": "bulk"}, "insert": {"table": "numbers"}})");
    for (int n = 1; n <= 100; ++n) {
      auto& values = *insert.mutable_insert()->add_rows()->mutable_values();
      values["n"].set_int_value(n);
      values["label"].set_string_value(absl::StrCat("n", n));
    }
    grpc::ClientContext context;
    v1::InsertResponse response;
    grpc::Status status = queries->Insert(&context, insert, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  const std::string eq = R"({"eq": {"left": {"column": {"name": "n"}}, "right": {"value": {"int_value": "7"}}}})";
  const std::vector<std::string> selects = {
      absl::StrCat(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers", "where": )", eq, "}}"),
      R"({"target": {"schema": "bulk"}, "select": {"table": "numbers", "limit": 5}})",
      R"({"target": {"schema": "bulk"}, "select": {"table": "numbers", "columns": [{"expression": {"aggregate": {"function": "COUNT"}}}]}})"};
  std::atomic<int> failed{0};
  std::mutex mu;
  std::vector<std::thread> clients;
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 60; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        grpc::Status status;
        if ((c + i) % 8 == 7) {
          v1::BatchResponse response;
          status = queries->Batch(&context,
                                  FromJson<v1::BatchRequest>(absl::StrCat(
                                      R"({"target": {"schema": "bulk"}, "operations": [{"update": {"table": "numbers",
                     "set": {"label": {"string_value": "y"}}, "where": )",
                                      eq, R"(}}, {"select": {"table": "numbers", "where": )", eq, "}}]}")),
                                  &response);
          if (status.ok() && (response.results_size() != 2 || response.results(0).rows_affected() != 1 ||
                              response.results(1).rows_size() != 1)) {
            status = grpc::Status(grpc::StatusCode::INTERNAL, "the batch's results are not an update and a row");
          }
        } else if ((c + i) % 4 == 3) {
          v1::UpdateResponse response;
          status = queries->Update(&context,
                                   FromJson<v1::UpdateRequest>(absl::StrCat(
                                       R"({"target": {"schema": "bulk"}, "update": {"table": "numbers",
                     "set": {"label": {"string_value": "x"}}, "where": )",
                                       eq, "}}")),
                                   &response);
        } else {
          v1::SelectResponse response;
          status = queries->Select(&context, FromJson<v1::SelectRequest>(selects[(c + i) % 4]), &response);
        }
        if (!status.ok()) {
          ++failed;
          std::lock_guard<std::mutex> lock(mu);
          messages->push_back(status.error_message());
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  return failed.load();
}

// A new database on the test server, reached through PgBouncer: its name.
std::string FreshDatabase() {
  const std::string url = testing::LibpqUrl(testing::FreshDatabaseUrl("postgres"));
  return url.substr(url.rfind('/') + 1);
}

TEST(PgBouncer, UnnamedStatementsServeEveryCallUnderConcurrency) {
  std::vector<std::string> messages;
  EXPECT_EQ(FailedCalls(BouncerUrl(FreshDatabase()) + "?sluice_statements=unnamed", &messages), 0)
      << (messages.empty() ? "" : messages.front());
}

// What the option is for: the same load with named prepared statements breaks on the pooler.
TEST(PgBouncer, NamedStatementsBreakBehindATransactionPooler) {
  std::vector<std::string> messages;
  EXPECT_GT(FailedCalls(BouncerUrl(FreshDatabase()), &messages), 0);
  // Missing, already there, or another statement under the name (its parameters or columns are
  // not the call's). Which failures come, and in which order, varies: another statement's rows
  // may even make the schema lookup miss ("no schema `bulk` is registered"). Some are the names'.
  EXPECT_THAT(messages, ::testing::Contains(::testing::MatchesRegex(".*(prepared statement \"sluice_[0-9]+\"|"
                                                                    "the statement has [0-9]+ parameters, not [0-9]+|"
                                                                    "returned [0-9]+ columns; expected [0-9]+).*")));
}

TEST(PgBouncer, AnUnknownStatementsOptionIsRefused) {
  testing::InProcessServer server({"--plugin-dir", "lib/plugins", "--database",
                                   "default=" + BouncerUrl(FreshDatabase()) + "?sluice_statements=sometimes"});
  ASSERT_TRUE(server.ok());
  auto schemas = v1::SchemaService::NewStub(server.channel());
  grpc::ClientContext context;
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = FromJson<v1::Schema>(testing::kNumbersSchema);
  v1::RegisterSchemaResponse response;
  grpc::Status status = schemas->RegisterSchema(&context, request, &response);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("sluice_statements is `named` (the default) or `unnamed`"));
}

}  // namespace
}  // namespace sluice
