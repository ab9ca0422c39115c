// Statements larger than a dialect binds in one go: an insert of more rows than fit runs in parts
// inside one transaction and answers as one statement; a long IN list is one array on PostgreSQL,
// and INVALID_ARGUMENT naming the limit before anything reaches the database elsewhere.
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "tests/e2e/sluice_test.h"
#include "tests/support/proto_json.h"
#include "tests/support/status_details.h"

namespace sluice {
namespace {

using testing::FromJson;
using ::testing::HasSubstr;

// The values one statement binds: libpq's limit on describing a statement, MariaDB's protocol,
// and Debian's SQLite build (SQLITE_MAX_VARIABLE_NUMBER).
const std::map<std::string, int> kLimits = {{"postgres", 7498}, {"mysql", 65535}, {"sqlite", 250000}};

class LargeStatements : public testing::DialectsTest {
 protected:
  void SetUp() override {
    DialectsTest::SetUp();
    RegisterAndMigrate(testing::kNumbersSchema);
  }

  int limit() const { return kLimits.at(GetParam()); }

  // An insert of rows first..last (two values each), returning n.
  static v1::InsertRequest InsertNumbers(int first, int last) {
    v1::InsertRequest request =
        FromJson<v1::InsertRequest>(R"({"target": {"schema": "bulk"}, "insert": {"table": "numbers"}})");
    for (int n = first; n <= last; ++n) {
      auto& values = *request.mutable_insert()->add_rows()->mutable_values();
      values["n"].set_int_value(n);
      values["label"].set_string_value(absl::StrCat("n", n));
    }
    request.mutable_insert()->add_returning("n");
    return request;
  }

  grpc::Status Insert(const v1::InsertRequest& request, v1::QueryResult* result) {
    grpc::ClientContext context;
    return testing::CallInto(&v1::QueryService::Stub::Insert, &*queries_, &context, request, result);
  }

  int64_t Count() {
    v1::QueryResult result;
    grpc::ClientContext context;
    grpc::Status status =
        testing::CallInto(&v1::QueryService::Stub::Select, &*queries_, &context,
                          FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers",
            "columns": [{"expression": {"aggregate": {"function": "COUNT"}}}]}})"),
                          &result);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return result.rows_size() == 1 ? result.rows(0).values(0).int_value() : -1;
  }
};

TEST_P(LargeStatements, AnInsertBeyondTheLimitRunsInPartsAndAnswersAsOne) {
  const int rows = limit() / 2 + 7;  // two values a row: just over the limit
  v1::QueryResult result;
  grpc::Status status = Insert(InsertNumbers(1, rows), &result);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(result.rows_affected(), static_cast<uint64_t>(rows));
  ASSERT_EQ(result.rows_size(), rows);
  bool in_order = true;
  for (int i = 0; i < rows; ++i) in_order &= result.rows(i).values(0).int_value() == i + 1;
  EXPECT_TRUE(in_order);
  EXPECT_EQ(Count(), rows);
}

TEST_P(LargeStatements, APartThatFailsKeepsNoneOfTheInsert) {
  const int rows = limit() / 2 + 7;
  v1::InsertRequest request = InsertNumbers(1, rows);
  // The last row repeats the first key: the second part fails after the first ran.
  (*request.mutable_insert()->mutable_rows(rows - 1)->mutable_values())["n"].set_int_value(1);
  v1::QueryResult result;
  grpc::Status status = Insert(request, &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS) << status.error_message();
  EXPECT_EQ(Count(), 0);
}

// An IN list of more values than the dialect binds: one array parameter on PostgreSQL (`= ANY`),
// so it is served with its rows; refused with the limit on MySQL and SQLite.
TEST_P(LargeStatements, AnInListBeyondTheLimit) {
  v1::QueryResult inserted;
  ASSERT_TRUE(Insert(InsertNumbers(1, 5), &inserted).ok());
  v1::SelectRequest request = FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"}, "select": {
      "table": "numbers", "where": {"in": {"left": {"column": {"name": "n"}}}},
      "order_by": [{"expression": {"column": {"name": "n"}}}]}})");
  auto* in = request.mutable_select()->mutable_where()->mutable_in();
  for (int i = 0; i <= limit(); ++i) in->add_values()->mutable_value()->set_int_value(i * 2);  // 0, 2, 4, ...
  v1::QueryResult result;
  grpc::ClientContext context;
  grpc::Status status = testing::CallInto(&v1::QueryService::Stub::Select, &*queries_, &context, request, &result);
  if (GetParam() == "postgres") {
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(result.rows_size(), 2);
    EXPECT_EQ(result.rows(0).values(0).int_value(), 2);
    EXPECT_EQ(result.rows(1).values(0).int_value(), 4);
    return;
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("binds at most ", limit(), " in one statement")));
  EXPECT_EQ(testing::ErrorInfo(status, "reason"), "TOO_MANY_PARAMETERS");
  // One value less is served, and the connections are fine.
  in->mutable_values()->RemoveLast();
  grpc::ClientContext again;
  status = testing::CallInto(&v1::QueryService::Stub::Select, &*queries_, &again, request, &result);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(result.rows_size(), 2);
}

INSTANTIATE_TEST_SUITE_P(Dialects, LargeStatements, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
