// The executor in this process, against a real SQLite file through the real plugin: typed rows,
// transactions and the pool's limit, errors by their code. No sluiced is forked (the statement
// cache is counted with the scripted plugin: scripted_test).
#include "executor/executor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "executor/database.h"
#include "executor/transaction.h"
#include "tests/support/scratch_database.h"

namespace sluice {
namespace {

class ExecutorTest : public testing::ScratchDatabaseTest {
 protected:
  void SetUp() override {
    Open("lib/plugins", "sqlite:" + TestFile(".db"));
    ASSERT_TRUE(Raw("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL)").ok());
  }

  absl::StatusOr<v1::QueryResult> Raw(const std::string& sql, std::vector<v1::Value> params = {}) {
    return ExecuteRaw(*db_, sql, params, Within(absl::Seconds(5)));
  }

  static v1::Value Text(const std::string& s) {
    v1::Value v;
    v.set_string_value(s);
    return v;
  }
  static v1::Value Int(int64_t i) {
    v1::Value v;
    v.set_int_value(i);
    return v;
  }

  int64_t Count() {
    auto result = Raw("SELECT count(*) AS n FROM items");
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->rows(0).values(0).int_value() : -1;
  }
};

TEST_F(ExecutorTest, RowsComeBackTypedWithBoundParameters) {
  auto inserted =
      Raw("INSERT INTO items (id, name, price) VALUES (?, ?, ?)", {Int(7), Text("x'); DROP TABLE items; --"), [] {
                                                                     v1::Value v;
                                                                     v.set_double_value(2.5);
                                                                     return v;
                                                                   }()});
  ASSERT_TRUE(inserted.ok()) << inserted.status();
  EXPECT_EQ(inserted->rows_affected(), 1u);
  auto rows = Raw("SELECT id, name, price FROM items WHERE id = ?", {Int(7)});
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->columns_size(), 3);
  EXPECT_EQ(rows->columns(1).name(), "name");
  ASSERT_EQ(rows->rows_size(), 1);
  EXPECT_EQ(rows->rows(0).values(0).int_value(), 7);
  EXPECT_EQ(rows->rows(0).values(1).string_value(), "x'); DROP TABLE items; --");
  EXPECT_EQ(rows->rows(0).values(2).double_value(), 2.5);
}

TEST_F(ExecutorTest, ConstraintViolationsKeepTheirCodeAndConstraint) {
  ASSERT_TRUE(Raw("INSERT INTO items (id, name) VALUES (1, 'a')").ok());
  auto duplicate = Raw("INSERT INTO items (id, name) VALUES (2, 'a')");
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kAlreadyExists) << duplicate.status();
  auto null_name = Raw("INSERT INTO items (id) VALUES (3)");
  EXPECT_EQ(null_name.status().code(), absl::StatusCode::kFailedPrecondition) << null_name.status();
  auto syntax = Raw("SELEC 1");
  EXPECT_FALSE(syntax.ok());
  EXPECT_EQ(Count(), 1);  // nothing else was written
}

TEST_F(ExecutorTest, TransactionsCommitOrRollBackAndHoldTheirConnection) {
  const CallContext call = Within(absl::Seconds(5));
  {
    auto transaction = Transaction::Begin(*db_, Isolation::kDefault, call);
    ASSERT_TRUE(transaction.ok()) << transaction.status();
    ASSERT_TRUE(transaction->Savepoint(Transaction::SavepointAction::kCreate, "s1").ok());
    // The pool has one connection, and the transaction holds it.
    auto waiting = db_->pool().Acquire(absl::Now() + absl::Milliseconds(100));
    EXPECT_EQ(waiting.status().code(), absl::StatusCode::kDeadlineExceeded) << waiting.status();
    EXPECT_TRUE(transaction->Rollback().ok());
  }
  {
    // Left without commit: the lease rolls it back. The raw insert runs on the transaction's
    // connection only after it is given back.
    auto transaction = Transaction::Begin(*db_, Isolation::kSerializable, call);
    ASSERT_TRUE(transaction.ok()) << transaction.status();
  }
  EXPECT_EQ(Count(), 0);
  // The connection came back to the pool usable.
  ASSERT_TRUE(Raw("INSERT INTO items (id, name) VALUES (1, 'kept')").ok());
  EXPECT_EQ(Count(), 1);
}

TEST_F(ExecutorTest, AnExpiredDeadlineStopsWaitingForAConnection) {
  auto held = db_->pool().Acquire(absl::Now() + absl::Seconds(1));
  ASSERT_TRUE(held.ok());
  auto result = ExecuteRaw(*db_, "SELECT 1", {}, Within(absl::Milliseconds(50)));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
}

}  // namespace
}  // namespace sluice
