// The database server goes away under load — restarted, stopped for 10 s, crashed — while
// writers insert and readers select through sluiced: no acknowledged insert is lost, no call
// outlives its deadline, calls succeed again once the server is back, and the pool and the
// server's connections are back within the pool's size. PostgreSQL and MariaDB (SQLite has no
// server); the servers are tools/test.sh's, driven through its control pipe.
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "tests/e2e/sluice_test.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using testing::FromJson;
using Clock = std::chrono::steady_clock;

constexpr int kPool = 4;
constexpr auto kDeadline = std::chrono::seconds(2);

std::vector<std::string> ServerDialects() {
  std::vector<std::string> out;
  for (const auto& d : testing::DialectsUnderTest()) {
    if (d != "sqlite") out.push_back(d);
  }
  return out;
}

class DatabaseFaults : public testing::DialectsTest {
 protected:
  DatabaseFaults() : DialectsTest({"--allow-raw-sql", "--pool-size", "4"}) {}

  void SetUp() override {
    DialectsTest::SetUp();
    RegisterAndMigrate(testing::kNumbersSchema);
  }

  std::string server() const { return GetParam() == "mysql" ? "mariadb" : "postgres"; }

  // Load while `fault()` runs: writers insert unique keys, readers count; what each saw.
  struct Load {
    std::mutex mu;
    std::set<int64_t> acknowledged;
    int64_t failed = 0, reads = 0, late = 0;
    Clock::time_point last_ok{};  // the last acknowledged insert
  };

  void Run(const std::function<void()>& fault) {
    Load load;
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int w = 0; w < 4; ++w) {
      threads.emplace_back([&, w] {
        auto stub = v1::QueryService::NewStub(server_->channel());
        for (int64_t i = 0; !stop; ++i) {
          const int64_t key = (w + 1) * 10000000 + i;
          v1::InsertRequest request =
              FromJson<v1::InsertRequest>(R"({"target": {"schema": "bulk"}, "insert": {"table": "numbers"}})");
          auto& values = *request.mutable_insert()->add_rows()->mutable_values();
          values["n"].set_int_value(key);
          values["label"].set_string_value("load");
          grpc::ClientContext context;
          const auto start = Clock::now();
          context.set_deadline(std::chrono::system_clock::now() + kDeadline);
          v1::InsertResponse response;
          const grpc::Status status = stub->Insert(&context, request, &response);
          const auto took = Clock::now() - start;
          std::lock_guard<std::mutex> lock(load.mu);
          if (took > kDeadline + std::chrono::milliseconds(500)) ++load.late;
          if (status.ok()) {
            load.acknowledged.insert(key);
            load.last_ok = Clock::now();
          } else {
            ++load.failed;
          }
          if (!status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      });
    }
    for (int r = 0; r < 2; ++r) {
      threads.emplace_back([&] {
        auto stub = v1::QueryService::NewStub(server_->channel());
        while (!stop) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + kDeadline);
          v1::SelectResponse response;
          const auto start = Clock::now();
          const grpc::Status status = stub->Select(
              &context, FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers",
                  "columns": [{"expression": {"aggregate": {"function": "COUNT"}}}]}})"),
              &response);
          std::lock_guard<std::mutex> lock(load.mu);
          if (Clock::now() - start > kDeadline + std::chrono::milliseconds(500)) ++load.late;
          if (status.ok()) ++load.reads;
          if (!status.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto fault_at = Clock::now();
    fault();
    const auto back_at = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(3));  // the load goes on once the server is back
    stop = true;
    for (auto& t : threads) t.join();

    // Every acknowledged insert is in the database.
    std::set<int64_t> stored;
    v1::QueryResult rows;
    grpc::ClientContext context;
    ASSERT_TRUE(testing::CallInto(&v1::QueryService::Stub::Select, &*queries_, &context,
                                  FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"},
                                      "select": {"table": "numbers", "columns": [{"expression": {"column": {"name": "n"}}}]}})"),
                                  &rows)
                    .ok());
    for (const auto& row : rows.rows()) stored.insert(row.values(0).int_value());
    int64_t missing = 0;
    for (int64_t key : load.acknowledged) missing += stored.count(key) == 0;
    std::cout << GetParam() << ": " << load.acknowledged.size() << " inserts acknowledged, " << load.failed
              << " failed, " << load.reads << " reads; the fault took "
              << std::chrono::duration_cast<std::chrono::milliseconds>(back_at - fault_at).count() << " ms"
              << std::endl;
    EXPECT_EQ(missing, 0) << "acknowledged inserts missing";
    EXPECT_EQ(load.late, 0) << "calls past their deadline";
    EXPECT_GT(load.acknowledged.size(), 0u);
    EXPECT_GT(load.last_ok, back_at) << "no insert succeeded once the server was back";
    // The pool is back within its size, and so are the server's connections.
    const std::string metrics = server_->metrics();
    for (const char* state : {"idle", "busy"}) {
      const std::string series = absl::StrCat("sluice_pool_connections{database=\"default\",state=\"", state, "\"} ");
      const size_t at = metrics.find(series);
      ASSERT_NE(at, std::string::npos);
      EXPECT_LE(std::stoi(metrics.substr(at + series.size())), kPool) << state;
    }
    v1::RawRequest count;
    count.set_sql(GetParam() == "postgres"
                      ? "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                      : "SELECT count(*) FROM information_schema.processlist WHERE db = database()");
    v1::QueryResult counted;
    grpc::ClientContext count_context;
    ASSERT_TRUE(testing::CallInto(&v1::QueryService::Stub::Raw, &*queries_, &count_context, count, &counted).ok());
    EXPECT_LE(counted.rows(0).values(0).int_value(), kPool) << "server connections";
  }
};

TEST_P(DatabaseFaults, ARestartLosesNoAcknowledgedInsert) {
  Run([&] { ASSERT_TRUE(testing::ControlTestServer("restart", server())); });
}

TEST_P(DatabaseFaults, ATenSecondStopLosesNoAcknowledgedInsert) {
  Run([&] {
    ASSERT_TRUE(testing::ControlTestServer("stop", server()));
    std::this_thread::sleep_for(std::chrono::seconds(10));
    ASSERT_TRUE(testing::ControlTestServer("resume", server()));
  });
}

TEST_P(DatabaseFaults, ACrashLosesNoAcknowledgedInsert) {
  Run([&] {
    ASSERT_TRUE(testing::ControlTestServer("crash", server()));
    ASSERT_TRUE(testing::ControlTestServer("resume", server()));
  });
}

INSTANTIATE_TEST_SUITE_P(Servers, DatabaseFaults, ::testing::ValuesIn(ServerDialects()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
