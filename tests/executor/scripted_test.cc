// The executor, the pool and the watchdog against the scripted plugin (tests/plugins/
// scripted_plugin.cc): rows and errors as each test scripts them, and what ran read back from
// the plugin's log. Fast, in process, no database server.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "executor/executor.h"
#include "executor/transaction.h"
#include "google/rpc/error_details.pb.h"
#include "tests/support/scratch_database.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ScriptedTest : public testing::ScratchDatabaseTest {
 protected:
  void SetUp() override {
    script_ = TestFile(".json");
    std::remove((script_ + ".log").c_str());
    Script(R"({"rules": []})");
    Open("tests/plugins", "scripted:" + script_);
  }

  void Script(const std::string& json) { std::ofstream(script_) << json; }

  // The plugin's log: one line per event.
  std::vector<std::string> Events() {
    std::ifstream in(script_ + ".log");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  PlannedStatement Select(const std::string& json) {
    auto planned = PlanSelect(schema_, testing::FromJson<v1::Select>(json), "select");
    EXPECT_TRUE(planned.ok()) << planned.status();
    return *planned;
  }

  std::string script_;
  SchemaIndex schema_{testing::ShopSchema()};
};

TEST_F(ScriptedTest, RowsAreTypedByTheDeclaredColumnsAndStatementsPreparedOnce) {
  Script(R"({"rules": [{"match": "SELECT", "columns": ["id", "balance", "active"],
                       "rows": [[1, "12.50", 1], [2, "0", 0]]}]})");
  const PlannedStatement statement = Select(R"({"table": "users", "columns": [
      {"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "balance"}}},
      {"expression": {"column": {"name": "active"}}}],
      "where": {"gt": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "0"}}}}})");
  for (int i = 0; i < 2; ++i) {
    auto result = Execute(*db_, statement, false, Within(absl::Seconds(5)));
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->rows_size(), 2);
    EXPECT_EQ(result->columns(1).type(), v1::DECIMAL);
    EXPECT_EQ(result->rows(0).values(0).int_value(), 1);
    EXPECT_EQ(result->rows(0).values(1).decimal_value(), "12.50");
    EXPECT_TRUE(result->rows(0).values(2).bool_value());
    EXPECT_FALSE(result->rows(1).values(2).bool_value());
  }
  const std::vector<std::string> events = Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0], "connect");
  EXPECT_THAT(events[1], HasSubstr("prepare SELECT"));
  EXPECT_EQ(events[2], "execute" + events[1].substr(7) + " [0]");  // the bound value
  EXPECT_EQ(events[3], events[2]);                                 // the same prepared statement, again
}

TEST_F(ScriptedTest, DriverErrorsKeepTheirCodeAndConstraint) {
  Script(R"({"rules": [{"match": "SELECT", "error": {"code": 6, "message": "duplicate key",
             "sqlstate": "23505", "constraint": "users_email_key"}}]})");
  auto result = Execute(*db_, Select(R"({"table": "users"})"), false, Within(absl::Seconds(5)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(result.status().message(), "duplicate key");
  auto payload = result.status().GetPayload("type.googleapis.com/google.rpc.ErrorInfo");
  ASSERT_TRUE(payload.has_value());
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(info.ParseFromString(std::string(*payload)));
  EXPECT_EQ(info.metadata().at("constraint"), "users_email_key");
  EXPECT_EQ(info.metadata().at("sqlstate"), "23505");
  EXPECT_EQ(info.metadata().at("dialect"), "scripted");
}

TEST_F(ScriptedTest, AnUnavailableConnectionIsReplaced) {
  Script(R"({"rules": [{"match": "SELECT", "error": {"code": 14, "message": "server closed the connection"}}]})");
  EXPECT_EQ(Execute(*db_, Select(R"({"table": "users"})"), false, Within(absl::Seconds(5))).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(db_->pool().open_connections(), 0u);  // the broken one was not pooled again
  Script(R"({"rules": [{"match": "SELECT", "columns": ["id"], "rows": [[7]]}]})");
  auto result = Execute(*db_, Select(R"({"table": "users", "columns": [{"expression": {"column": {"name": "id"}}}]})"),
                        false, Within(absl::Seconds(5)));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->rows(0).values(0).int_value(), 7);
  std::vector<std::string> connects;
  for (const std::string& e : Events()) {
    if (e == "connect" || e == "disconnect") connects.push_back(e);
  }
  EXPECT_THAT(connects, ElementsAre("connect", "disconnect", "connect"));
}

TEST_F(ScriptedTest, TheWatchdogStopsAStatementAtTheDeadlineAndTheConnectionServesOn) {
  Script(R"({"rules": [{"match": "SELECT", "block_ms": 60000}]})");
  const absl::Time start = absl::Now();
  auto result = Execute(*db_, Select(R"({"table": "users"})"), false, Within(absl::Milliseconds(200)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_THAT(Events(), ::testing::Contains("interrupt"));
  Script(R"({"rules": [{"match": "SELECT", "columns": ["id"], "rows": []}]})");
  EXPECT_TRUE(Execute(*db_, Select(R"({"table": "users"})"), false, Within(absl::Seconds(5))).ok());
  EXPECT_EQ(db_->pool().open_connections(), 1u);  // the same connection
}

TEST_F(ScriptedTest, AFailedCommitLeavesNothingBehindAndTheLeaseRollsBack) {
  Script(R"({"rules": [{"match": "COMMIT", "error": {"code": 10, "message": "could not serialize access"}}]})");
  {
    auto transaction = Transaction::Begin(*db_, Isolation::kSerializable, Within(absl::Seconds(5)));
    ASSERT_TRUE(transaction.ok()) << transaction.status();
    EXPECT_EQ(transaction->Commit().code(), absl::StatusCode::kAborted);
  }
  {
    auto transaction = Transaction::Begin(*db_, Isolation::kDefault, Within(absl::Seconds(5)));
    ASSERT_TRUE(transaction.ok());
  }  // left open: rolled back when it goes away
  std::vector<std::string> control;
  for (const std::string& e : Events()) {
    if (e == "begin" || e == "commit" || e == "rollback") control.push_back(e);
  }
  EXPECT_THAT(control, ElementsAre("begin", "commit", "rollback", "begin", "rollback"));
}

}  // namespace
}  // namespace sluice
