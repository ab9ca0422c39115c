// The PostgreSQL plugin's pipelining (dialect ABI 1.5 and 1.6, plugins/sluice_dialect.h), through
// the executor's Connection and Statement, against the real server tools/test.sh starts: several
// executions in flight on one connection, read in the order sent, each with its own values,
// rows and errors; and groups of statements sent as one transaction, all or none.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "executor/connection.h"
#include "plugins/plugin_registry.h"

namespace sluice {
namespace {

using Rows = std::vector<std::string>;

class PostgresPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dialects = std::getenv("SLUICE_TEST_DIALECTS");
    if (dialects == nullptr || !absl::StrContains(dialects, "postgres")) GTEST_SKIP() << "postgres is not under test";
    const char* url = std::getenv("SLUICE_TEST_POSTGRES_URL");
    ASSERT_NE(url, nullptr) << "SLUICE_TEST_DIALECTS names postgres: SLUICE_TEST_POSTGRES_URL must be set";
    // Loaded once and kept for the process, as sluiced does: libpq unloaded after each test would
    // leave what it allocates once per load to LeakSanitizer.
    static absl::StatusOr<PluginRegistry>* plugins =
        new absl::StatusOr<PluginRegistry>(PluginRegistry::LoadDirectory("lib/plugins"));
    ASSERT_TRUE(plugins->ok()) << plugins->status();
    auto plugin = (*plugins)->ForScheme("postgres");
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    auto conn = Connection::Open(*plugin, url);
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    ASSERT_TRUE(conn_->nonblocking());
    ASSERT_GT(conn_->pipeline_depth(), 1u);
    // Behind a transaction pooler (unnamed statements) one at a time: a pooler may hand the next
    // statement to another server connection at each sync point.
    auto unnamed = Connection::Open(
        *plugin, std::string(url) + (absl::StrContains(url, "?") ? "&" : "?") + "sluice_statements=unnamed");
    ASSERT_TRUE(unnamed.ok()) << unnamed.status();
    EXPECT_EQ((*unnamed)->pipeline_depth(), 1u);
    EXPECT_FALSE((*unnamed)->groups());
    unnamed_ = *std::move(unnamed);
    ASSERT_TRUE(conn_->groups());
  }

  // `sql` prepared (only while nothing is in flight, as the host does).
  Statement Prepare(const std::string& sql) {
    absl::StatusOr<Statement> stmt = conn_->Prepare(sql);
    EXPECT_TRUE(stmt.ok()) << stmt.status();
    return *stmt;
  }

  // `stmt` bound to `values` (text).
  static Statement Bound(Statement stmt, const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      sluice_value v{};
      v.kind = SLUICE_VALUE_TEXT;
      v.data = values[i].data();
      v.size = values[i].size();
      EXPECT_TRUE(stmt.Bind(static_cast<uint32_t>(i), v).ok());
    }
    return stmt;
  }

  // `stmt` bound to `values` (text) and sent.
  static Statement Send(Statement stmt, std::vector<std::string> values = {}) {
    Bound(stmt, values);
    EXPECT_TRUE(stmt.Send().ok());
    return stmt;
  }

  // `stmt` bound to `values` and sent as a member of a group (`last`: its last).
  static Statement SendGrouped(Statement stmt, std::vector<std::string> values, bool last) {
    Bound(stmt, values);
    absl::Status sent = stmt.SendGrouped(last);
    EXPECT_TRUE(sent.ok()) << sent;
    return stmt;
  }

  // The ids in the test's table, through the blocking path.
  Rows Ids() {
    Statement all = Prepare("SELECT id::text FROM grouped ORDER BY id");
    Rows ids;
    while (*all.Step()) {
      absl::StatusOr<sluice_value> v = all.ColumnValue(0);
      ids.push_back(std::string(v->data, v->size));
    }
    all.Reset();
    return ids;
  }

  // Every row's first column as text (polling until ready, as the event loop does), then reset:
  // or the execution's error.
  absl::StatusOr<std::vector<std::string>> Read(Statement stmt) {
    std::vector<std::string> rows;
    while (true) {
      absl::StatusOr<bool> ready = stmt.Poll();
      if (!ready.ok()) return ready.status();
      if (!*ready) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      absl::StatusOr<bool> row = stmt.Step();
      if (!row.ok()) {
        stmt.Reset();
        return row.status();
      }
      if (!*row) break;
      absl::StatusOr<sluice_value> v = stmt.ColumnValue(0);
      if (!v.ok()) return v.status();
      rows.push_back(v->kind == SLUICE_VALUE_INT64 ? std::to_string(v->num.i64) : std::string(v->data, v->size));
    }
    stmt.Reset();
    return rows;
  }

  std::unique_ptr<Connection> conn_;
  std::unique_ptr<Connection> unnamed_;
};

TEST_F(PostgresPipeline, ExecutionsComeBackInOrderEachWithItsOwnValues) {
  const Statement times_ten = Prepare("SELECT $1::int * 10");
  const Statement series_of = Prepare("SELECT generate_series(1, $1::int)");
  // The same statement three times, another between: each send is its own execution.
  Statement a = Send(times_ten, {"1"});
  Statement b = Send(times_ten, {"2"});
  Statement series = Send(series_of, {"3"});
  Statement c = Send(times_ten, {"4"});
  EXPECT_EQ(*Read(a), Rows{"10"});
  EXPECT_EQ(*Read(b), Rows{"20"});
  EXPECT_EQ(*Read(series), (Rows{"1", "2", "3"}));
  EXPECT_EQ(*Read(c), Rows{"40"});
  // Nothing in flight: the connection is usable by the blocking calls again.
  EXPECT_TRUE(conn_->Begin().ok());
  EXPECT_TRUE(conn_->Commit().ok());
  EXPECT_TRUE(conn_->Ping().ok());
}

TEST_F(PostgresPipeline, AnErrorEndsItsOwnExecutionOnly) {
  const Statement divide = Prepare("SELECT 100 / $1::int");
  Statement first = Send(divide, {"4"});
  Statement zero = Send(divide, {"0"});
  Statement last = Send(divide, {"5"});
  EXPECT_EQ(*Read(first), Rows{"25"});
  absl::StatusOr<Rows> failed = Read(zero);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInvalidArgument) << failed.status();
  EXPECT_TRUE(absl::StrContains(failed.status().message(), "division by zero")) << failed.status();
  EXPECT_EQ(*Read(last), Rows{"20"});
  EXPECT_FALSE(conn_->broken());
}

TEST_F(PostgresPipeline, OnlyTheOldestExecutionIsRead) {
  const Statement one = Prepare("SELECT 1"), two = Prepare("SELECT 2");
  Statement first = Send(one);
  Statement second = Send(two);
  // Preparing now would be a blocking call while executions are in flight: refused.
  absl::StatusOr<Statement> late = conn_->Prepare("SELECT 3");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition) << late.status();
  absl::StatusOr<bool> early = second.Step();
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(early.status().message(), "not the oldest")) << early.status();
  EXPECT_EQ(*Read(first), Rows{"1"});
  EXPECT_EQ(*Read(second), Rows{"2"});
}

TEST_F(PostgresPipeline, AResetMidResultDrainsThatExecutionAlone) {
  const Statement thousand = Prepare("SELECT generate_series(1, 1000)"), text = Prepare("SELECT 'after'::text");
  Statement many = Send(thousand);
  Statement after = Send(text);
  for (int i = 0; i < 3; ++i) {
    while (!*many.Poll()) std::this_thread::sleep_for(std::chrono::microseconds(100));
    ASSERT_TRUE(*many.Step());
  }
  many.Reset();  // stopped reading: its rows are drained, not the next execution's
  EXPECT_EQ(*Read(after), Rows{"after"});
}

TEST_F(PostgresPipeline, AnInterruptCancelsTheRunningExecutionAndNotTheNext) {
  const Statement sleep = Prepare("SELECT pg_sleep(5)::text"), text = Prepare("SELECT 'next'::text");
  Statement slow = Send(sleep);
  Statement next = Send(text);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the sleep is running
  const auto start = std::chrono::steady_clock::now();
  conn_->Interrupt();
  absl::StatusOr<Rows> cancelled = Read(slow);
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kCancelled) << cancelled.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(*Read(next), Rows{"next"});
}

TEST_F(PostgresPipeline, AGroupIsOneTransaction) {
  ASSERT_TRUE(conn_->ExecuteOnce("CREATE TEMP TABLE grouped (id int PRIMARY KEY)").ok());
  const Statement insert = Prepare("INSERT INTO grouped VALUES ($1::int)");
  const Statement count = Prepare("SELECT count(*)::text FROM grouped");
  // Two inserts and a read, sent together: the read sees both; a statement sent after the group
  // runs on its own, after the group's commit.
  Statement one = SendGrouped(insert, {"1"}, false);
  Statement two = SendGrouped(insert, {"2"}, false);
  Statement seen = SendGrouped(count, {}, true);
  Statement after = Send(count);
  EXPECT_EQ(*Read(one), Rows{});
  EXPECT_EQ(*Read(two), Rows{});
  EXPECT_EQ(*Read(seen), Rows{"2"});
  EXPECT_EQ(*Read(after), Rows{"2"});
  EXPECT_EQ(Ids(), (Rows{"1", "2"}));

  // A member that fails: it gets its error, the later members ABORTED, and nothing is kept; a
  // group and a statement sent behind the failed group run as usual.
  Statement three = SendGrouped(insert, {"3"}, false);
  Statement duplicate = SendGrouped(insert, {"1"}, false);
  Statement four = SendGrouped(insert, {"4"}, true);
  Statement five = SendGrouped(insert, {"5"}, true);
  Statement still = Send(count);
  EXPECT_EQ(*Read(three), Rows{});
  absl::StatusOr<Rows> failed = Read(duplicate);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kAlreadyExists) << failed.status();
  absl::StatusOr<Rows> skipped = Read(four);
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.status().code(), absl::StatusCode::kAborted) << skipped.status();
  EXPECT_TRUE(absl::StrContains(skipped.status().message(), "not run")) << skipped.status();
  EXPECT_EQ(*Read(five), Rows{});
  EXPECT_EQ(*Read(still), Rows{"3"});
  EXPECT_EQ(Ids(), (Rows{"1", "2", "5"}));
  EXPECT_FALSE(conn_->broken());
  EXPECT_TRUE(conn_->Begin().ok());
  EXPECT_TRUE(conn_->Commit().ok());
}

TEST_F(PostgresPipeline, NoGroupsBehindATransactionPooler) {
  absl::StatusOr<Statement> one = unnamed_->Prepare("SELECT 1");
  ASSERT_TRUE(one.ok()) << one.status();
  absl::Status sent = one->SendGrouped(true);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.code(), absl::StatusCode::kFailedPrecondition) << sent;
  EXPECT_TRUE(absl::StrContains(sent.message(), "one at a time")) << sent;
}

}  // namespace
}  // namespace sluice
