// A fixture for one dialect's own tests: a fresh database on the test server, a sluiced serving
// it, a registered and migrated schema named `kinds` with a table `samples`.
#ifndef SLUICE_TESTS_E2E_DIALECT_FIXTURE_H_
#define SLUICE_TESTS_E2E_DIALECT_FIXTURE_H_

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/sluice_test.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/proto_json.h"

namespace sluice::testing {

// The base of each server dialect's own tests: the `kinds` schema (every type of the dialect)
// registered and migrated on a fresh database.
class DialectTest : public SluiceTest {
 protected:
  DialectTest(std::string dialect, std::string register_request)
      : SluiceTest(std::move(dialect), {"--pool-size", "2", "--allow-raw-sql"}),
        register_request_(std::move(register_request)) {}

  void SetUp() override {
    SluiceTest::SetUp();
    v1::RegisterSchemaResponse registered;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(),
                     FromJson<v1::RegisterSchemaRequest>(register_request_), &registered)
                    .ok())
        << last_.error_message();
    v1::MigrateResponse migrated;
    ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                     FromJson<v1::MigrateRequest>(R"({"target": {"schema": "kinds"}})"), &migrated)
                    .ok())
        << last_.error_message();
  }

  // Inserts one row (`values`: the InsertRow.values JSON) into `samples`.
  grpc::Status Insert(const std::string& values, v1::QueryResult* result,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    return testing::CallInto(
        &v1::QueryService::Stub::Insert, &*queries_, &context,
        FromJson<v1::InsertRequest>(absl::StrCat(
            R"({"target": {"schema": "kinds"}, "insert": {"table": "samples", "rows": [{"values": )", values, "}]}}")),
        result);
  }

  v1::QueryResult SelectAll() {
    grpc::ClientContext context;
    v1::QueryResult result;
    grpc::Status status = testing::CallInto(
        &v1::QueryService::Stub::Select, &*queries_, &context,
        FromJson<v1::SelectRequest>(R"({"target": {"schema": "kinds"}, "select": {"table": "samples"}})"), &result);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return result;
  }

  // What each server dialect's tests provide: a write lock on `samples`, held by a session of the
  // test's own until the returned handle is destroyed; how many INSERTs run in the server now;
  // how many connections the test database has.
  virtual std::shared_ptr<void> LockSamples() = 0;
  virtual int RunningInserts() = 0;
  virtual int Connections() = 0;
  // Raw SQL that runs for long (sleeps).
  virtual std::string SleepSql() = 0;

  // RunningInserts(), polled for up to 2.5 s until it is 0.
  int InsertsStillRunning() {
    int running = 1;
    for (int i = 0; i < 50 && running != 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      running = RunningInserts();
    }
    return running;
  }

  // A call whose deadline passes while its statement waits on a lock ends DEADLINE_EXCEEDED, the
  // statement stops in the server, and the pool's connections come back clean.
  void DeadlineStopsTheStatement() {
    v1::QueryResult result;
    {
      auto lock = LockSamples();
      const auto start = std::chrono::steady_clock::now();
      grpc::Status status = Insert("{}", &result, std::chrono::milliseconds(500));
      EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
      EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
      EXPECT_EQ(InsertsStillRunning(), 0);
    }
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(Insert("{}", &result).ok());  // both pooled connections
    EXPECT_EQ(SelectAll().rows_size(), 4);                                // the interrupted insert left nothing
  }

  // The same for a call the client cancels: CANCELLED.
  void CancelStopsTheStatement() {
    v1::QueryResult result;
    {
      auto lock = LockSamples();
      grpc::ClientContext context;
      std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        context.TryCancel();
      });
      grpc::Status status = testing::CallInto(
          &v1::QueryService::Stub::Insert, &*queries_, &context,
          FromJson<v1::InsertRequest>(
              R"({"target": {"schema": "kinds"}, "insert": {"table": "samples", "rows": [{"values": {}}]}})"),
          &result);
      canceller.join();
      EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
      EXPECT_EQ(InsertsStillRunning(), 0);
    }
    EXPECT_TRUE(Insert("{}", &result).ok());
    EXPECT_EQ(SelectAll().rows_size(), 1);
  }

  // A call in flight when the server restarts fails UNAVAILABLE; later calls succeed on new
  // connections (also the pooled one that sat idle through the restart); none leaks.
  void RestartIsSurvived(const std::string& server) {
    v1::QueryResult result;
    ASSERT_TRUE(Insert("{}", &result).ok());
    grpc::Status in_flight;
    std::thread call([&] {
      grpc::ClientContext context;
      v1::RawRequest request;
      request.set_sql(SleepSql());
      v1::QueryResult r;
      in_flight = testing::CallInto(&v1::QueryService::Stub::Raw, &*queries_, &context, request, &r);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const bool restarted = ControlTestServer("restart", server);
    call.join();
    ASSERT_TRUE(restarted);
    EXPECT_EQ(in_flight.error_code(), grpc::StatusCode::UNAVAILABLE) << in_flight.error_message();
    for (int i = 0; i < 5; ++i) {
      grpc::Status status = Insert("{}", &result);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    EXPECT_LE(Connections(), 3);  // the pool's two, and the one counting
  }

  std::string register_request_;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_DIALECT_FIXTURE_H_
