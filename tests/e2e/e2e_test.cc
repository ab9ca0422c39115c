// End to end, over gRPC, against a real sluiced process and a real database of each dialect
// under test: schemas, migrations, typed queries, errors on the wire, persistence.
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "sluice/v1/admin_service.grpc.pb.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/sluice_test.h"
#include "tests/e2e/sluiced_process.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/captured_stderr.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::ErrorInfo;
using testing::FieldPaths;
using ::testing::HasSubstr;
using Rows = std::vector<std::vector<std::string>>;

template <typename Message>
Message Json(const std::string& json) {
  return testing::FromJson<Message>(json);
}

using testing::ReadFile;

// A compact, exact rendering of a value: `42`, `'text'`, `NULL`, `dec:12.50`, ...
std::string Show(const v1::Value& v) {
  switch (v.kind_case()) {
    case v1::Value::kNullValue:
      return "NULL";
    case v1::Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case v1::Value::kIntValue:
      return absl::StrCat(v.int_value());
    case v1::Value::kUintValue:
      return absl::StrCat("u", v.uint_value());
    case v1::Value::kDoubleValue:
      return absl::StrCat("d:", v.double_value());
    case v1::Value::kStringValue:
      return "'" + v.string_value() + "'";
    case v1::Value::kBytesValue:
      return "x:" + absl::BytesToHexString(v.bytes_value());
    case v1::Value::kDecimalValue:
      return "dec:" + v.decimal_value();
    case v1::Value::kDateValue:
      return "date:" + v.date_value();
    case v1::Value::kTimeValue:
      return "time:" + v.time_value();
    case v1::Value::kTimestampValue:
      return "ts:" + v.timestamp_value();
    case v1::Value::kJsonValue:
      return "json:" + v.json_value();
    case v1::Value::kUuidValue:
      return "uuid:" + v.uuid_value();
    default:
      return "?";
  }
}

Rows RowsOf(const v1::QueryResult& result) {
  Rows rows;
  for (const auto& row : result.rows()) {
    rows.emplace_back();
    for (const auto& v : row.values()) rows.back().push_back(Show(v));
  }
  return rows;
}

class EndToEnd : public testing::DialectsTest {
 protected:
  // Registers the example shop schema and creates its tables.
  void SetUpShop() {
    v1::RegisterSchemaRequest request;
    request.mutable_target()->set_database("default");
    *request.mutable_schema() = Json<v1::Schema>(ReadFile("examples/shop.schema.json"));
    v1::RegisterSchemaResponse response;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response).ok());
    v1::MigrateResponse migrated;
    ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                     Json<v1::MigrateRequest>(R"({"target": {"schema": "shop"}})"), &migrated)
                    .ok());
    ASSERT_THAT(migrated.applied(), ElementsAre("0000_initial_v1"));
  }

  // Each runs a query given as the request's JSON and returns the result; failures land in last_.
  v1::QueryResult Select(const std::string& json) {
    v1::QueryResult r;
    Call(&v1::QueryService::Stub::Select, queries_.get(), Json<v1::SelectRequest>(json), &r);
    return r;
  }
  v1::QueryResult Insert(const std::string& json) {
    v1::QueryResult r;
    Call(&v1::QueryService::Stub::Insert, queries_.get(), Json<v1::InsertRequest>(json), &r);
    return r;
  }
  v1::QueryResult Update(const std::string& json) {
    v1::QueryResult r;
    Call(&v1::QueryService::Stub::Update, queries_.get(), Json<v1::UpdateRequest>(json), &r);
    return r;
  }
  v1::QueryResult Delete(const std::string& json) {
    v1::QueryResult r;
    Call(&v1::QueryService::Stub::Delete, queries_.get(), Json<v1::DeleteRequest>(json), &r);
    return r;
  }

  Rows Users() {
    return RowsOf(Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
        "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "email"}}},
                    {"expression": {"column": {"name": "name"}}}, {"expression": {"column": {"name": "balance"}}}],
        "order_by": [{"expression": {"column": {"name": "id"}}}]}})"));
  }

  void InsertAdaAndBob() {
    v1::QueryResult r = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [
        {"values": {"email": {"string_value": "ada@example.com"}, "name": {"string_value": "Ada"}, "balance": {"decimal_value": "12.50"}}},
        {"values": {"email": {"string_value": "bob@example.com"}}}], "returning": ["id", "email", "role", "balance", "active"]}})");
    ASSERT_TRUE(last_.ok()) << last_.error_message();
    EXPECT_EQ(r.rows_affected(), 2u);
    EXPECT_EQ(RowsOf(r), (Rows{{"1", "'ada@example.com'", "'customer'", "dec:12.50", "true"},
                               {"2", "'bob@example.com'", "'customer'", "dec:0.00", "true"}}));
  }

  // An identifier quoted as the dialect under test writes it (for hand-written migrations).
  std::string Quoted(const std::string& name) const {
    return GetParam() == "mysql" ? "`" + name + "`" : "\\\"" + name + "\\\"";
  }
};

TEST_P(EndToEnd, InsertSelectUpdateDelete) {
  SetUpShop();
  InsertAdaAndBob();
  EXPECT_EQ(Users(),
            (Rows{{"1", "'ada@example.com'", "'Ada'", "dec:12.50"}, {"2", "'bob@example.com'", "NULL", "dec:0.00"}}));

  v1::QueryResult filtered = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"name": "email"}}, "alias": "mail"}],
      "where": {"or": {"conditions": [{"is_null": {"column": {"name": "name"}}}, {"gt": {"left": {"column": {"name": "balance"}}, "right": {"value": {"decimal_value": "100"}}}}]}},
      "order_by": [{"expression": {"column": {"name": "email"}}, "descending": true}], "limit": "1"}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  ASSERT_EQ(filtered.columns_size(), 1);
  EXPECT_EQ(filtered.columns(0).name(), "mail");
  EXPECT_EQ(filtered.columns(0).type(), v1::VARCHAR);
  EXPECT_EQ(RowsOf(filtered), (Rows{{"'bob@example.com'"}}));

  v1::QueryResult updated = Update(R"({"target": {"schema": "shop"}, "update": {"table": "users",
      "set": {"name": {"string_value": "Bob"}, "balance": {"decimal_value": "7.25"}},
      "where": {"eq": {"left": {"column": {"name": "email"}}, "right": {"value": {"string_value": "bob@example.com"}}}},
      "returning": ["id", "name", "balance"]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(updated.rows_affected(), 1u);
  EXPECT_EQ(RowsOf(updated), (Rows{{"2", "'Bob'", "dec:7.25"}}));

  v1::QueryResult deleted = Delete(R"({"target": {"schema": "shop"}, "delete": {"table": "users",
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(deleted.rows_affected(), 1u);
  EXPECT_EQ(Users(), (Rows{{"2", "'bob@example.com'", "'Bob'", "dec:7.25"}}));
}

TEST_P(EndToEnd, TypedValuesRoundTrip) {
  SetUpShop();
  InsertAdaAndBob();
  v1::QueryResult r = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "Zürich ☕"}, "rating": {"double_value": 4.25},
                  "published_on": {"date_value": "2024-02-29"}, "metadata": {"json_value": "{\"tags\":[\"a\",\"b\"],\"n\":1}"},
                  "cover": {"bytes_value": "AAEC/w=="}, "public_id": {"uuid_value": "0E5B2C1A-3D4F-4A6B-8C9D-0123456789AB"}}}],
      "returning": ["id", "title", "rating", "published_on", "metadata", "cover", "public_id", "body"]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(r), (Rows{{"1", "'Zürich ☕'", "d:4.25", "date:2024-02-29", "json:{\"tags\":[\"a\",\"b\"],\"n\":1}",
                              "x:000102ff", "uuid:0e5b2c1a-3d4f-4a6b-8c9d-0123456789ab", "NULL"}}));
  std::vector<v1::ColumnType> types;
  for (const auto& c : r.columns()) types.push_back(c.type());
  EXPECT_THAT(types,
              ElementsAre(v1::INTEGER, v1::VARCHAR, v1::DOUBLE, v1::DATE, v1::JSON, v1::BYTES, v1::UUID, v1::TEXT));

  // Defaults generated by the database: a random UUID and the creation time.
  v1::QueryResult generated = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "2"}, "title": {"string_value": "second"}}}], "returning": ["public_id"]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(generated.rows(0).values(0).uuid_value(),
              ::testing::MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  v1::QueryResult users = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"name": "created_at"}}}], "limit": "1"}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(users.rows(0).values(0).timestamp_value(),
              ::testing::MatchesRegex(
                  "20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})"));
}

// UPDATE SET to expressions of the row (Drizzle's sql`${col} + 1`): arithmetic on the row's
// own values, a scalar subquery, a value checked like `set`; with RETURNING on every dialect
// (MariaDB through its fallback).
TEST_P(EndToEnd, UpdateSetsColumnsToExpressions) {
  SetUpShop();
  InsertAdaAndBob();
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "a"}, "rating": {"double_value": 2}}},
      {"values": {"author_id": {"int_value": "2"}, "title": {"string_value": "b"}, "rating": {"double_value": 3}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  v1::QueryResult updated = Update(R"({"target": {"schema": "shop"}, "update": {"table": "posts",
      "set_expressions": {
        "rating": {"arithmetic": {"operator": "MULTIPLY", "left": {"column": {"name": "rating"}}, "right": {"value": {"double_value": 1.5}}}},
        "title": {"subquery": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
                               "where": {"eq": {"left": {"column": {"table": "users", "name": "id"}}, "right": {"column": {"table": "posts", "name": "author_id"}}}}}}},
      "set": {"body": {"string_value": "edited"}},
      "all_rows": true, "returning": ["author_id", "title", "rating", "body"]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(updated.rows_affected(), 2u);
  Rows rows = RowsOf(updated);
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows,
            (Rows{{"1", "'ada@example.com'", "d:3", "'edited'"}, {"2", "'bob@example.com'", "d:4.5", "'edited'"}}));
  // Mistakes: a column in both maps, an unknown column, null for a NOT NULL column.
  Update(R"({"target": {"schema": "shop"}, "update": {"table": "posts", "all_rows": true,
      "set": {"rating": {"double_value": 1}}, "set_expressions": {"rating": {"column": {"name": "rating"}}}}})");
  EXPECT_THAT(FieldPaths(last_), ElementsAre("update.set_expressions[\"rating\"]"));
  Update(R"({"target": {"schema": "shop"}, "update": {"table": "posts", "all_rows": true,
      "set_expressions": {"nope": {"column": {"name": "rating"}}}}})");
  EXPECT_THAT(FieldPaths(last_), ElementsAre("update.set_expressions[\"nope\"]"));
  Update(R"({"target": {"schema": "shop"}, "update": {"table": "posts", "all_rows": true,
      "set_expressions": {"title": {"value": {"null_value": null}}}}})");
  EXPECT_EQ(ErrorInfo(last_, "reason"), "NOT_NULL_VIOLATION");
}

TEST_P(EndToEnd, AggregatesAndGrouping) {
  SetUpShop();
  InsertAdaAndBob();
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "a"}, "rating": {"double_value": 4}}},
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "b"}, "rating": {"double_value": 5}}},
      {"values": {"author_id": {"int_value": "2"}, "title": {"string_value": "c"}, "rating": {"double_value": 3}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  v1::QueryResult r = Select(R"({"target": {"schema": "shop"}, "select": {"table": "posts",
      "columns": [{"expression": {"column": {"name": "author_id"}}}, {"expression": {"aggregate": {"function": "COUNT"}}, "alias": "n"},
                  {"expression": {"aggregate": {"function": "AVG", "argument": {"column": {"name": "rating"}}}}, "alias": "avg_rating"}],
      "group_by": [{"column": {"name": "author_id"}}],
      "having": {"gte": {"left": {"aggregate": {"function": "COUNT"}}, "right": {"value": {"int_value": "1"}}}},
      "order_by": [{"expression": {"column": {"name": "author_id"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(r), (Rows{{"1", "2", "d:4.5"}, {"2", "1", "d:3"}}));
  // The average of integers is the database's exact number (PostgreSQL numeric, MySQL DECIMAL
  // with 4 more digits of scale, SQLite's REAL as its shortest exact text), not a rounded double.
  v1::QueryResult average = Select(R"({"target": {"schema": "shop"}, "select": {"table": "posts",
      "columns": [{"expression": {"aggregate": {"function": "AVG", "argument": {"column": {"name": "author_id"}}}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(average.columns(0).type(), v1::DECIMAL);
  EXPECT_EQ(RowsOf(average), (Rows{{GetParam() == "mysql" ? "dec:1.3333" : "dec:1.3333333333333333"}}));
  // Over the distinct values (ratings 4, 5, 3; authors 1, 1, 2): sum 12 and 3, avg 4 and 1.5.
  v1::QueryResult distinct = Select(R"({"target": {"schema": "shop"}, "select": {"table": "posts", "columns": [
      {"expression": {"aggregate": {"function": "SUM_DISTINCT", "argument": {"column": {"name": "rating"}}}}},
      {"expression": {"aggregate": {"function": "SUM_DISTINCT", "argument": {"column": {"name": "author_id"}}}}},
      {"expression": {"aggregate": {"function": "AVG_DISTINCT", "argument": {"column": {"name": "rating"}}}}},
      {"expression": {"aggregate": {"function": "AVG_DISTINCT", "argument": {"column": {"name": "author_id"}}}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(distinct), (Rows{{"d:12", "3", "d:4",
                                     GetParam() == "postgres" ? "dec:1.5000000000000000"
                                     : GetParam() == "mysql"  ? "dec:1.5000"
                                                              : "dec:1.5"}}));
}

// A join without a condition pairs every row (ON TRUE); INTERSECT ALL and EXCEPT ALL keep
// duplicates where the dialect has them (SQLite: UNIMPLEMENTED naming them).
TEST_P(EndToEnd, JoinsWithoutAConditionAndSetOperationsThatKeepDuplicates) {
  SetUpShop();
  InsertAdaAndBob();
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "a"}}},
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "b"}}},
      {"values": {"author_id": {"int_value": "2"}, "title": {"string_value": "c"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  v1::QueryResult pairs = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"table": "users", "name": "id"}}}, {"expression": {"column": {"table": "posts", "name": "title"}}}],
      "joins": [{"type": "INNER", "table": "posts"}],
      "order_by": [{"expression": {"column": {"table": "users", "name": "id"}}}, {"expression": {"column": {"table": "posts", "name": "title"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(pairs), (Rows{{"1", "'a'"}, {"1", "'b'"}, {"1", "'c'"}, {"2", "'a'"}, {"2", "'b'"}, {"2", "'c'"}}));
  const auto authors = [&](const char* op) {
    return Select(absl::StrCat(
        R"({"target": {"schema": "shop"}, "select": {"table": "posts",
        "columns": [{"expression": {"column": {"name": "author_id"}}}],
        "set_operations": [{"operator": ")",
        op, R"(", "select": {"table": "posts", "columns": [{"expression": {"column": {"name": "author_id"}}}],
            "where": {"eq": {"left": {"column": {"name": "title"}}, "right": {"value": {"string_value": "a"}}}}}}],
        "order_by": [{"expression": {"column": {"name": "author_id"}}}]}})"));
  };
  v1::QueryResult intersect = authors("INTERSECT_ALL");  // {1, 1, 2} ∩all {1}
  v1::QueryResult except = authors("EXCEPT_ALL");        // {1, 1, 2} −all {1}
  if (GetParam() == "sqlite") {
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_THAT(last_.error_message(), HasSubstr("dialect sqlite does not support INTERSECT ALL and EXCEPT ALL"));
    return;
  }
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(intersect), (Rows{{"1"}}));
  EXPECT_EQ(RowsOf(except), (Rows{{"1"}, {"2"}}));
}

// A plan as deep as the planner allows compiles through every dialect (the limit keeps plans under
// the protobuf parsers' recursion limit).
TEST_P(EndToEnd, TheDeepestAllowedConditionCompilesEverywhere) {
  SetUpShop();
  std::string where = R"({"is_null": {"column": {"name": "name"}}})";
  for (int i = 0; i < 30; ++i) where = R"({"not": )" + where + "}";
  v1::QueryResult sql = Select(absl::StrCat(
      R"({"target": {"schema": "shop"}, "to_sql": true, "select": {"table": "users", "where": )", where, "}}"));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(sql.statement().sql(), HasSubstr("NOT"));
}

TEST_P(EndToEnd, ToSqlCompilesWithoutRunning) {
  SetUpShop();
  v1::QueryResult r = Insert(R"({"target": {"schema": "shop"}, "to_sql": true, "insert": {"table": "users",
      "rows": [{"values": {"email": {"string_value": "x@example.com"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(r.statement().sql(), HasSubstr("INSERT INTO"));
  ASSERT_EQ(r.statement().params_size(), 1);
  EXPECT_EQ(r.statement().params(0).string_value(), "x@example.com");
  EXPECT_EQ(r.rows_affected(), 0u);
  EXPECT_EQ(Users(), Rows{});  // nothing ran
}

TEST_P(EndToEnd, BadInputIsInvalidArgumentWithTheFieldPath) {
  SetUpShop();
  InsertAdaAndBob();
  Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "where": {"and": {"conditions": [{"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}},
                                      {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"string_value": "1"}}}}]}}}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.where.and.conditions[1].eq.right.value"));

  Insert(
      R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "c@x"}}},
      {"values": {"email": {"string_value": "d@x"}, "nickname": {"string_value": "d"}}}]}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("insert.rows[1].values[\"nickname\"]"));

  Delete(R"({"target": {"schema": "shop"}, "delete": {"table": "users"}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("delete.where"));

  v1::RegisterSchemaResponse registered;
  Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(),
       Json<v1::RegisterSchemaRequest>(R"({"schema": {"name": "bad",
      "tables": [{"name": "t", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true}]}]}})"),
       &registered);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("schema.tables[0].columns[0].not_null"));

  // Nothing above reached the database.
  EXPECT_EQ(Users().size(), 2u);
}

// An error echoing a huge name keeps its code and field path (the echo is clipped): it does not
// turn into RESOURCE_EXHAUSTED for overflowing gRPC's headers. A schema name longer than any
// registered one is refused as such (not as the registry's own query).
TEST_P(EndToEnd, HugeNamesAreEchoedClippedWithTheirOwnCode) {
  SetUpShop();
  const std::string name(300 * 1024, 't');
  Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": ")", name, R"("}})"));
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << last_.error_message().substr(0, 200);
  EXPECT_EQ(testing::FieldPaths(last_), std::vector<std::string>{"select.table"});
  EXPECT_LT(last_.error_message().size(), 1100u);
  Select(absl::StrCat(R"({"target": {"schema": ")", name, R"("}, "select": {"table": "users"}})"));
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << last_.error_message().substr(0, 200);
  EXPECT_EQ(testing::FieldPaths(last_), std::vector<std::string>{"target.schema"});
}

// A call's W3C trace (its `traceparent` metadata) is in its log lines; a malformed one is left out.
TEST_P(EndToEnd, TheTraceOfACallIsInItsLogLines) {
  SetUpShop();
  auto failing_select = [&](const std::string& traceparent) {
    grpc::ClientContext context;
    context.AddMetadata("traceparent", traceparent);
    v1::SelectResponse response;
    EXPECT_EQ(queries_
                  ->Select(&context,
                           Json<v1::SelectRequest>(R"({"target": {"schema": "shop"}, "select": {"table": "nope"}})"),
                           &response)
                  .error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  };
  const std::string traced =
      testing::CapturedStderr([&] { failing_select("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"); });
  EXPECT_THAT(traced, HasSubstr("call failed method=QueryService/Select database=default code=INVALID_ARGUMENT"));
  EXPECT_THAT(traced, HasSubstr("trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7"));
  const std::string malformed = testing::CapturedStderr([&] { failing_select("00-not-a-trace-01"); });
  EXPECT_THAT(malformed, HasSubstr("call failed"));
  EXPECT_THAT(malformed, ::testing::Not(HasSubstr("trace_id")));
}

// A TIMESTAMPTZ value without an offset is taken as UTC on every dialect (sessions run in UTC),
// and comes back with its Z; one with an offset comes back in UTC.
TEST_P(EndToEnd, ATimestampWithoutOffsetIsUtc) {
  SetUpShop();
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [
      {"values": {"email": {"string_value": "utc@example.com"}, "created_at": {"timestamp_value": "2024-02-29T13:45:00"}}},
      {"values": {"email": {"string_value": "cet@example.com"}, "created_at": {"timestamp_value": "2024-02-29T13:45:00+01:00"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"name": "created_at"}}}], "order_by": [{"expression": {"column": {"name": "id"}}}]}})")),
            (Rows{{"ts:2024-02-29T13:45:00Z"}, {"ts:2024-02-29T12:45:00Z"}}))
      << last_.error_message();
}

TEST_P(EndToEnd, UnknownDatabaseAndSchemaAreNotFound) {
  SetUpShop();
  Select(R"({"target": {"database": "analytics", "schema": "shop"}, "select": {"table": "users"}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(last_.error_message(), HasSubstr("no database `analytics` is configured (default)"));
  Select(R"({"target": {"schema": "inventory"}, "select": {"table": "users"}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorInfo(last_, "reason"), "SCHEMA_NOT_FOUND");
}

TEST_P(EndToEnd, ConstraintViolationsMapToCodesAndLoseNoData) {
  SetUpShop();
  InsertAdaAndBob();
  // A unique violation in the second row keeps the first from being inserted too.
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [
      {"values": {"email": {"string_value": "carl@example.com"}}}, {"values": {"email": {"string_value": "ada@example.com"}}}]}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::ALREADY_EXISTS) << last_.error_message();
  EXPECT_EQ(ErrorInfo(last_, "reason"), "UNIQUE_VIOLATION");
  EXPECT_EQ(Users().size(), 2u);

  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "99"}, "title": {"string_value": "orphan"}}}]}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << last_.error_message();
  EXPECT_EQ(ErrorInfo(last_, "reason"), "FOREIGN_KEY_VIOLATION");

  Update(R"({"target": {"schema": "shop"}, "update": {"table": "users", "set": {"balance": {"decimal_value": "-1"}},
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << last_.error_message();
  EXPECT_EQ(ErrorInfo(last_, "reason"), "CHECK_VIOLATION");
  EXPECT_THAT(ErrorInfo(last_, "constraint"), HasSubstr("users_balance_not_negative"));
  // A null for a NOT NULL column is refused before any SQL, with the same class of reason.
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [
      {"values": {"email": {"null_value": null}}}]}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << last_.error_message();
  EXPECT_EQ(ErrorInfo(last_, "reason"), "NOT_NULL_VIOLATION");
  EXPECT_EQ(ErrorInfo(last_, "column"), "email");
  EXPECT_THAT(FieldPaths(last_), ElementsAre("insert.rows[0].values[\"email\"]"));
  EXPECT_EQ(Users(),
            (Rows{{"1", "'ada@example.com'", "'Ada'", "dec:12.50"}, {"2", "'bob@example.com'", "NULL", "dec:0.00"}}));

  // Deleting a user cascades to their posts (ON DELETE CASCADE).
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "p"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  Delete(
      R"({"target": {"schema": "shop"}, "delete": {"table": "users", "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(Select(R"({"target": {"schema": "shop"}, "select": {"table": "posts"}})")), Rows{});
}

TEST_P(EndToEnd, QueryingTablesNotCreatedYetIsAFailedPrecondition) {
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = Json<v1::Schema>(ReadFile("examples/shop.schema.json"));
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok());
  Select(R"({"target": {"schema": "shop"}, "select": {"table": "users"}})");  // no Migrate yet
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << last_.error_message();
  EXPECT_EQ(ErrorInfo(last_, "reason"), "UNDEFINED_TABLE");
  EXPECT_THAT(last_.error_message(), HasSubstr("apply the schema's migrations with Migrate"));
  // Creating a table twice is ALREADY_EXISTS (and rolls back).
  SetUpShop();
  v1::MigrateResponse response;
  Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
       Json<v1::MigrateRequest>(absl::StrCat(R"({"target": {"schema": "shop"},
      "migrations": [{"name": "0001_again", "statements": ["CREATE TABLE )",
                                             Quoted("users"), R"j( (id INTEGER)"]}]})j")),
       &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::ALREADY_EXISTS) << last_.error_message();
  // Not a unique violation. (MariaDB's DDL does not roll back: the migration is then dirty, which
  // is what its reason says.)
  EXPECT_EQ(ErrorInfo(last_, "reason"), GetParam() == "mysql" ? "MIGRATION_DIRTY" : "DUPLICATE_OBJECT");
}

TEST_P(EndToEnd, IdentifiersWithQuotesWork) {
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(),
                   Json<v1::RegisterSchemaRequest>(R"({"schema": {
      "name": "odd", "tables": [{"name": "we\"ird`t'able", "columns": [
        {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
        {"name": "a\"b`c", "type": "TEXT"}]}]}})"),
                   &registered)
                  .ok())
      << last_.error_message();
  v1::MigrateResponse migrated;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                   Json<v1::MigrateRequest>(R"({"target": {"schema": "odd"}})"), &migrated)
                  .ok())
      << last_.error_message();
  Insert(R"({"target": {"schema": "odd"}, "insert": {"table": "we\"ird`t'able", "rows": [
      {"values": {"id": {"int_value": "1"}, "a\"b`c": {"string_value": "x\"); DROP TABLE users; --"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  v1::QueryResult r = Select(R"({"target": {"schema": "odd"}, "select": {"table": "we\"ird`t'able",
      "where": {"like": {"left": {"column": {"name": "a\"b`c"}}, "right": {"value": {"string_value": "x\"%"}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(r), (Rows{{"1", "'x\"); DROP TABLE users; --'"}}));
  EXPECT_EQ(r.columns(1).name(), "a\"b`c");
}

TEST_P(EndToEnd, SchemasAreVersionedByContentAndSurviveRestarts) {
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = Json<v1::Schema>(ReadFile("examples/shop.schema.json"));
  v1::RegisterSchemaResponse first, again, changed;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &first).ok());
  EXPECT_TRUE(first.created());
  EXPECT_EQ(first.version().version(), 1u);
  EXPECT_EQ(first.version().hash().size(), 64u);
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &again).ok());
  EXPECT_FALSE(again.created());
  EXPECT_EQ(again.version().version(), 1u);
  EXPECT_EQ(again.version().hash(), first.version().hash());

  v1::MigrateResponse migrated;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                   Json<v1::MigrateRequest>(R"({"target": {"schema": "shop"}})"), &migrated)
                  .ok());
  InsertAdaAndBob();

  RestartServer();  // a new server sees the registered schema and the data in the database
  EXPECT_EQ(Users(),
            (Rows{{"1", "'ada@example.com'", "'Ada'", "dec:12.50"}, {"2", "'bob@example.com'", "NULL", "dec:0.00"}}));
  auto* column = request.mutable_schema()->mutable_tables(0)->add_columns();
  column->set_name("nickname");
  column->set_type(v1::TEXT);
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &changed).ok());
  EXPECT_TRUE(changed.created());
  EXPECT_EQ(changed.version().version(), 2u);
  EXPECT_NE(changed.version().hash(), first.version().hash());

  v1::ListSchemasResponse list;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::ListSchemas, schemas_.get(), v1::ListSchemasRequest(), &list).ok());
  ASSERT_EQ(list.schemas_size(), 1);
  EXPECT_EQ(list.schemas(0).version(), 2u);
  v1::GetSchemaResponse got;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::GetSchema, schemas_.get(),
                   Json<v1::GetSchemaRequest>(R"({"target": {"schema": "shop"}, "version": 1})"), &got)
                  .ok());
  EXPECT_EQ(got.schema().tables(0).columns_size(), 7);
  EXPECT_EQ(got.version().hash(), first.version().hash());
}

TEST_P(EndToEnd, ConcurrentMigrateAppliesOnce) {
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = Json<v1::Schema>(ReadFile("examples/shop.schema.json"));
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok());
  constexpr int kCallers = 8;
  std::vector<std::thread> callers;
  std::vector<grpc::Status> statuses(kCallers);
  std::vector<v1::MigrateResponse> responses(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      auto stub = v1::MigrationService::NewStub(server_->channel());
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      statuses[i] =
          stub->Migrate(&context, Json<v1::MigrateRequest>(R"({"target": {"schema": "shop"}})"), &responses[i]);
    });
  }
  for (auto& t : callers) t.join();
  int applied = 0;
  for (int i = 0; i < kCallers; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    applied += responses[i].applied_size();
  }
  EXPECT_EQ(applied, 1);
  v1::StatusResponse status;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Status, migrations_.get(),
                   Json<v1::StatusRequest>(R"({"target": {"schema": "shop"}})"), &status)
                  .ok());
  ASSERT_EQ(status.applied_size(), 1);
  EXPECT_EQ(status.applied(0).name(), "0000_initial_v1");
}

TEST_P(EndToEnd, AppliedMigrationThatChangedIsRefused) {
  SetUpShop();
  v1::MigrateRequest request = Json<v1::MigrateRequest>(R"json({"target": {"schema": "shop"}, "migrations": [
      {"name": "0000_initial_v1", "statements": ["CREATE TABLE \"other\" (\"id\" INTEGER)"]}]})json");
  v1::MigrateResponse response;
  Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(last_.error_message(), HasSubstr("changed after it was applied"));
}

TEST_P(EndToEnd, Upsert) {
  SetUpShop();
  InsertAdaAndBob();
  v1::QueryResult updated = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users",
      "rows": [{"values": {"email": {"string_value": "ada@example.com"}, "name": {"string_value": "ignored"}}}],
      "on_conflict": {"columns": ["email"], "set": {"name": {"string_value": "Ada Lovelace"}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  v1::QueryResult ignored = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users",
      "rows": [{"values": {"email": {"string_value": "bob@example.com"}, "name": {"string_value": "ignored"}}}],
      "on_conflict": {"columns": ["email"]}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(ignored.rows_affected(), 0u);
  EXPECT_EQ(Users(), (Rows{{"1", "'ada@example.com'", "'Ada Lovelace'", "dec:12.50"},
                           {"2", "'bob@example.com'", "NULL", "dec:0.00"}}));
}

// last_insert_id is the statement's own generated key: none for an upsert that inserted nothing
// (SQLite reported the rowid an earlier statement left on the pooled connection), none for a
// table without an auto-increment column, none for an update. PostgreSQL reports generated keys
// through `returning` only.
TEST_P(EndToEnd, LastInsertIdIsTheStatementsOwn) {
  SetUpShop();
  const bool reports = GetParam() != "postgres";
  v1::QueryResult ada = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users",
      "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(ada.has_last_insert_id(), reports);
  if (reports) {
    EXPECT_EQ(ada.last_insert_id(), 1);
  }
  v1::QueryResult nothing = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "users",
      "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}], "on_conflict": {"columns": ["email"]}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(nothing.rows_affected(), 0u);
  EXPECT_FALSE(nothing.has_last_insert_id()) << nothing.last_insert_id();
  v1::QueryResult post = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts",
      "rows": [{"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "Hello"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(post.has_last_insert_id(), reports);
  v1::QueryResult tag = Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "tags",
      "rows": [{"values": {"post_id": {"int_value": "1"}, "tag": {"string_value": "db"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(tag.rows_affected(), 1u);
  EXPECT_FALSE(tag.has_last_insert_id()) << tag.last_insert_id();  // tags has no auto-increment column
  v1::QueryResult updated = Update(R"({"target": {"schema": "shop"}, "update": {"table": "users",
      "set": {"name": {"string_value": "Ada"}}, "where": {"eq": {"left": {"column": {"name": "id"}},
      "right": {"value": {"int_value": "1"}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_FALSE(updated.has_last_insert_id());
}

TEST_P(EndToEnd, AFailedMigrationRollsBackOrIsDirtyAndResumes) {
  SetUpShop();
  const bool transactional = GetParam() != "mysql";
  auto migrate = [&](const std::string& name, const std::vector<std::string>& tables) {
    std::vector<std::string> statements;
    for (const auto& t : tables) statements.push_back(absl::StrCat("\"CREATE TABLE ", Quoted(t), " (id INTEGER)\""));
    v1::MigrateResponse response;
    Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
         Json<v1::MigrateRequest>(absl::StrCat(R"({"target": {"schema": "shop"}, "migrations": [{"name": ")", name,
                                               R"(", "statements": [)", absl::StrJoin(statements, ", "), "]}]}")),
         &response);
    return response;
  };
  auto status = [&] {
    v1::StatusResponse response;
    EXPECT_TRUE(Call(&v1::MigrationService::Stub::Status, migrations_.get(),
                     Json<v1::StatusRequest>(R"({"target": {"schema": "shop"}})"), &response)
                    .ok());
    return response;
  };
  auto names = [](const v1::StatusResponse& response) {
    std::vector<std::string> out;
    for (const auto& m : response.applied())
      out.push_back(
          absl::StrCat(m.name(), m.dirty() ? " dirty after " : "", m.dirty() ? absl::StrCat(m.statements_done()) : ""));
    return out;
  };
  migrate("0001_extra", {"extra", "users", "more"});  // the second statement fails: users exists
  EXPECT_FALSE(last_.ok());
  if (transactional) {
    // Rolled back entirely: "extra" can be created again, nothing is recorded.
    EXPECT_THAT(last_.error_message(),
                HasSubstr("migration `0001_extra` statement 2 failed (rolled back, nothing of it applied)"));
    EXPECT_THAT(names(status()), ElementsAre("0000_initial_v1"));
    v1::MigrateResponse response = migrate("0001_extra", {"extra", "more"});
    ASSERT_TRUE(last_.ok()) << last_.error_message();
    EXPECT_THAT(response.applied(), ElementsAre("0001_extra"));
    EXPECT_THAT(names(status()), ElementsAre("0000_initial_v1", "0001_extra"));
    return;
  }
  // MySQL: statement 1 stays applied; the migration is dirty, blocks the others, and resumes.
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(last_.error_message(),
              HasSubstr("migration `0001_extra` statement 2 failed; dialect mysql has no "
                        "transactional DDL, so statements 1 to 1 stay applied and the migration is dirty"));
  v1::StatusResponse dirty = status();
  EXPECT_TRUE(dirty.dirty());
  EXPECT_THAT(names(dirty), ElementsAre("0000_initial_v1", "0001_extra dirty after 1"));
  migrate("0002_other", {"other"});
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(last_.error_message(), HasSubstr("migration `0001_extra` is dirty"));
  // Fixed (its second statement edited): it resumes at statement 2.
  v1::MigrateResponse resumed = migrate("0001_extra", {"extra", "users_two", "more"});
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(resumed.applied(), ElementsAre("0001_extra"));
  v1::StatusResponse clean = status();
  EXPECT_FALSE(clean.dirty());
  EXPECT_THAT(names(clean), ElementsAre("0000_initial_v1", "0001_extra"));
}

TEST_P(EndToEnd, BatchIsAtomic) {
  SetUpShop();
  v1::BatchResponse response;
  Call(&v1::QueryService::Stub::Batch, queries_.get(),
       Json<v1::BatchRequest>(R"({"target": {"schema": "shop"}, "operations": [
      {"insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}]}},
      {"insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}]}}]})"),
       &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(last_.error_message(), HasSubstr("operations[1] failed, nothing was kept"));
  EXPECT_EQ(ErrorInfo(last_, "reason"), "UNIQUE_VIOLATION");  // the operation's details are kept
  EXPECT_EQ(Users(), Rows{});
  // A bad operation is refused before anything runs.
  Call(&v1::QueryService::Stub::Batch, queries_.get(),
       Json<v1::BatchRequest>(R"({"target": {"schema": "shop"}, "operations": [
      {"insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}]}},
      {"delete": {"table": "users"}}]})"),
       &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("operations[1].delete.where"));
  EXPECT_EQ(Users(), Rows{});

  ASSERT_TRUE(Call(&v1::QueryService::Stub::Batch, queries_.get(),
                   Json<v1::BatchRequest>(R"({"target": {"schema": "shop"}, "operations": [
      {"insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "ada@example.com"}}}]}},
      {"update": {"table": "users", "set": {"name": {"string_value": "Ada"}}, "all_rows": true, "returning": ["email", "name"]}},
      {"select": {"table": "users", "columns": [{"expression": {"aggregate": {"function": "COUNT"}}, "alias": "n"}]}}]})"),
                   &response)
                  .ok())
      << last_.error_message();
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).rows_affected(), 1u);
  // (Ids are not compared: PostgreSQL and MySQL do not roll their sequences back.)
  EXPECT_EQ(RowsOf(response.results(1)), (Rows{{"'ada@example.com'", "'Ada'"}}));
  EXPECT_EQ(RowsOf(response.results(2)), (Rows{{"1"}}));
}

TEST_P(EndToEnd, InteractiveTransactionWithSavepoints) {
  SetUpShop();
  auto insert = [](const std::string& email) {
    return Json<v1::TransactionRequest>(absl::StrCat(R"({"operation": {"insert": {"table": "users",
        "rows": [{"values": {"email": {"string_value": ")",
                                                     email, R"("}}}], "returning": ["email"]}}})"));
  };
  {
    grpc::ClientContext context;
    auto stream = queries_->Transaction(&context);
    v1::TransactionResponse response;
    ASSERT_TRUE(stream->Write(
        Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}, "isolation": "SERIALIZABLE"}})")));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(stream->Write(insert("ada@example.com")));
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(RowsOf(response.result()), (Rows{{"'ada@example.com'"}}));
    for (const char* step :
         std::initializer_list<const char*>{R"({"savepoint": "before_bob"})", nullptr,
                                            R"({"rollback_to_savepoint": "before_bob"})", R"({"commit": {}})"}) {
      ASSERT_TRUE(stream->Write(step ? Json<v1::TransactionRequest>(step) : insert("bob@example.com")));
      ASSERT_TRUE(stream->Read(&response));
    }
    stream->WritesDone();
    grpc::Status status = stream->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
  }
  EXPECT_EQ(Users(), (Rows{{"1", "'ada@example.com'", "NULL", "dec:0.00"}}));
  {
    // Ending the stream without commit rolls back.
    grpc::ClientContext context;
    auto stream = queries_->Transaction(&context);
    v1::TransactionResponse response;
    ASSERT_TRUE(stream->Write(Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}}})")));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(stream->Write(insert("carl@example.com")));
    ASSERT_TRUE(stream->Read(&response));
    stream->WritesDone();
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::ABORTED);
  }
  for (const bool cancel : {true, false}) {
    // A cancelled call, and one whose deadline passes, roll back.
    grpc::ClientContext context;
    if (!cancel) context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(800));
    auto stream = queries_->Transaction(&context);
    v1::TransactionResponse response;
    ASSERT_TRUE(stream->Write(Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}}})")));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(stream->Write(insert(cancel ? "cancelled@example.com" : "late@example.com")));
    ASSERT_TRUE(stream->Read(&response));
    if (cancel) {
      context.TryCancel();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    }
    EXPECT_EQ(stream->Finish().error_code(),
              cancel ? grpc::StatusCode::CANCELLED : grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  EXPECT_EQ(Users().size(), 1u);
  {
    // A failing operation ends the transaction with its error and rolls back.
    grpc::ClientContext context;
    auto stream = queries_->Transaction(&context);
    v1::TransactionResponse response;
    ASSERT_TRUE(stream->Write(Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}}})")));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(stream->Write(insert("dora@example.com")));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(stream->Write(insert("ada@example.com")));
    EXPECT_FALSE(stream->Read(&response));
    grpc::Status failed = stream->Finish();
    EXPECT_EQ(failed.error_code(), grpc::StatusCode::ALREADY_EXISTS) << failed.error_message();
  }
  EXPECT_EQ(Users().size(), 1u);
}

TEST_P(EndToEnd, JoinsKeepEachColumnsTable) {
  SetUpShop();
  InsertAdaAndBob();
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "first"}}},
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "second"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  v1::QueryResult inner = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users", "alias": "u",
      "columns": [{"expression": {"column": {"table": "u", "name": "email"}}}, {"expression": {"column": {"table": "p", "name": "title"}}}],
      "joins": [{"type": "INNER", "table": "posts", "alias": "p",
                 "on": {"eq": {"left": {"column": {"table": "p", "name": "author_id"}}, "right": {"column": {"table": "u", "name": "id"}}}}}],
      "order_by": [{"expression": {"column": {"table": "p", "name": "id"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(inner), (Rows{{"'ada@example.com'", "'first'"}, {"'ada@example.com'", "'second'"}}));
  EXPECT_EQ(inner.columns(0).table(), "u");
  EXPECT_EQ(inner.columns(1).table(), "p");

  v1::QueryResult left = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"table": "users", "name": "email"}}},
                  {"expression": {"aggregate": {"function": "COUNT", "argument": {"column": {"table": "posts", "name": "id"}}}}, "alias": "posts"}],
      "joins": [{"type": "LEFT", "table": "posts",
                 "on": {"eq": {"left": {"column": {"table": "posts", "name": "author_id"}}, "right": {"column": {"table": "users", "name": "id"}}}}}],
      "group_by": [{"column": {"table": "users", "name": "email"}}],
      "order_by": [{"expression": {"column": {"table": "users", "name": "email"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(left), (Rows{{"'ada@example.com'", "2"}, {"'bob@example.com'", "0"}}));

  // A self join through aliases.
  v1::QueryResult pairs = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users", "alias": "a",
      "columns": [{"expression": {"column": {"table": "a", "name": "email"}}, "alias": "first"},
                  {"expression": {"column": {"table": "b", "name": "email"}}, "alias": "second"}],
      "joins": [{"type": "CROSS", "table": "users", "alias": "b"}],
      "where": {"lt": {"left": {"column": {"table": "a", "name": "id"}}, "right": {"column": {"table": "b", "name": "id"}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(pairs), (Rows{{"'ada@example.com'", "'bob@example.com'"}}));

  Select(R"({"target": {"schema": "shop"}, "select": {"table": "users", "joins": [{"type": "FULL", "table": "posts",
      "on": {"eq": {"left": {"column": {"table": "posts", "name": "author_id"}}, "right": {"column": {"table": "users", "name": "id"}}}}}]}})");
  if (GetParam() == "mysql") {
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_EQ(last_.error_message(), "dialect mysql does not support FULL JOIN");
  } else {
    EXPECT_TRUE(last_.ok()) << last_.error_message();
  }
}

TEST_P(EndToEnd, SetOperations) {
  SetUpShop();
  InsertAdaAndBob();
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "Ada's post"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  auto names = [&](const std::string& op) {
    v1::QueryResult r = Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users",
        "columns": [{"expression": {"column": {"name": "id"}}, "alias": "who"}],
        "set_operations": [{"operator": ")",
                                            op, R"(", "select": {"table": "posts",
            "columns": [{"expression": {"column": {"name": "author_id"}}}]}}],
        "order_by": [{"expression": {"column": {"name": "who"}}}]}})"));
    EXPECT_TRUE(last_.ok()) << op << ": " << last_.error_message();
    return RowsOf(r);
  };
  EXPECT_EQ(names("UNION"), (Rows{{"1"}, {"2"}}));
  EXPECT_EQ(names("UNION_ALL"), (Rows{{"1"}, {"1"}, {"2"}}));
  EXPECT_EQ(names("INTERSECT"), (Rows{{"1"}}));
  EXPECT_EQ(names("EXCEPT"), (Rows{{"2"}}));
  Select(
      R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [{"expression": {"column": {"name": "id"}}}],
      "set_operations": [{"operator": "UNION", "select": {"table": "posts"}}]}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.set_operations[0].select"));
  Select(
      R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [{"expression": {"column": {"name": "id"}}, "alias": "who"}],
      "set_operations": [{"operator": "UNION", "select": {"table": "posts", "columns": [{"expression": {"column": {"name": "id"}}}]}}],
      "order_by": [{"expression": {"column": {"name": "id"}}}]}})");
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.order_by[0].expression"));
}

TEST_P(EndToEnd, SubqueriesAndCommonTables) {
  SetUpShop();
  InsertAdaAndBob();
  Insert(
      R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "carl@example.com"}}}]}})");
  Insert(R"({"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "a1"}, "rating": {"double_value": 4}}},
      {"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "a2"}, "rating": {"double_value": 2}}},
      {"values": {"author_id": {"int_value": "2"}, "title": {"string_value": "b1"}, "rating": {"double_value": 5}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  auto emails = [&](const std::string& where) {
    v1::QueryResult r = Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users",
        "columns": [{"expression": {"column": {"name": "email"}}}], "where": )",
                                            where, R"(,
        "order_by": [{"expression": {"column": {"name": "id"}}}]}})"));
    EXPECT_TRUE(last_.ok()) << where << ": " << last_.error_message();
    return RowsOf(r);
  };
  const std::string has_posts = R"({"table": "posts", "columns": [{"expression": {"column": {"name": "id"}}}],
      "where": {"eq": {"left": {"column": {"name": "author_id"}}, "right": {"column": {"table": "users", "name": "id"}}}}})";
  EXPECT_EQ(emails(absl::StrCat(R"({"exists": )", has_posts, "}")),
            (Rows{{"'ada@example.com'"}, {"'bob@example.com'"}}));
  EXPECT_EQ(emails(absl::StrCat(R"({"not_exists": )", has_posts, "}")), (Rows{{"'carl@example.com'"}}));
  EXPECT_EQ(emails(R"({"in": {"left": {"column": {"name": "id"}}, "subquery": {"table": "posts",
      "columns": [{"expression": {"column": {"name": "author_id"}}}],
      "where": {"gte": {"left": {"column": {"name": "rating"}}, "right": {"value": {"double_value": 5}}}}}}})"),
            (Rows{{"'bob@example.com'"}}));
  EXPECT_EQ(emails(R"({"not_in": {"left": {"column": {"name": "id"}}, "subquery": {"table": "posts",
      "columns": [{"expression": {"column": {"name": "author_id"}}}]}}})"),
            (Rows{{"'carl@example.com'"}}));

  // Scalar subqueries: one compared with, one correlated in the select list.
  v1::QueryResult scalar = Select(R"({"target": {"schema": "shop"}, "select": {"table": "posts",
      "columns": [{"expression": {"column": {"name": "title"}}},
                  {"expression": {"subquery": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
                     "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"column": {"table": "posts", "name": "author_id"}}}}}},
                   "alias": "author"}],
      "where": {"gt": {"left": {"column": {"name": "rating"}},
                       "right": {"subquery": {"table": "posts", "alias": "p", "columns": [{"expression": {"aggregate": {"function": "AVG",
                                 "argument": {"column": {"table": "p", "name": "rating"}}}}}]}}}},
      "order_by": [{"expression": {"column": {"name": "title"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(scalar), (Rows{{"'a1'", "'ada@example.com'"}, {"'b1'", "'bob@example.com'"}}));
  EXPECT_EQ(scalar.columns(1).name(), "author");
  EXPECT_EQ(scalar.columns(1).type(), v1::VARCHAR);

  // A WITH table joined like a table of the schema.
  v1::QueryResult with = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "with": [{"name": "counts", "select": {"table": "posts", "columns": [{"expression": {"column": {"name": "author_id"}}},
                  {"expression": {"aggregate": {"function": "COUNT"}}, "alias": "n"}], "group_by": [{"column": {"name": "author_id"}}]}}],
      "columns": [{"expression": {"column": {"table": "users", "name": "email"}}}, {"expression": {"column": {"table": "counts", "name": "n"}}}],
      "joins": [{"type": "INNER", "table": "counts",
                 "on": {"eq": {"left": {"column": {"table": "counts", "name": "author_id"}}, "right": {"column": {"table": "users", "name": "id"}}}}}],
      "order_by": [{"expression": {"column": {"table": "users", "name": "email"}}}]}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(with), (Rows{{"'ada@example.com'", "2"}, {"'bob@example.com'", "1"}}));
  EXPECT_EQ(with.columns(1).table(), "counts");

  // Subqueries in the where of a delete and an update.
  v1::QueryResult deleted = Delete(R"({"target": {"schema": "shop"}, "delete": {"table": "posts",
      "where": {"in": {"left": {"column": {"name": "author_id"}}, "subquery": {"table": "users", "columns": [{"expression": {"column": {"name": "id"}}}],
                "where": {"eq": {"left": {"column": {"name": "email"}}, "right": {"value": {"string_value": "bob@example.com"}}}}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(deleted.rows_affected(), 1u);
  v1::QueryResult updated = Update(absl::StrCat(R"({"target": {"schema": "shop"}, "update": {"table": "users",
      "set": {"name": {"string_value": "writer"}}, "where": {"exists": )",
                                                has_posts, "}}}"));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(updated.rows_affected(), 1u);
  EXPECT_EQ(Users(), (Rows{{"1", "'ada@example.com'", "'writer'", "dec:12.50"},
                           {"2", "'bob@example.com'", "NULL", "dec:0.00"},
                           {"3", "'carl@example.com'", "NULL", "dec:0.00"}}));

  // MariaDB has no LIMIT inside an IN subquery.
  v1::QueryResult limited = Select(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"name": "email"}}}],
      "where": {"in": {"left": {"column": {"name": "id"}}, "subquery": {"table": "posts",
          "columns": [{"expression": {"column": {"name": "author_id"}}}], "order_by": [{"expression": {"column": {"name": "id"}}}],
          "limit": "1"}}}}})");
  if (GetParam() == "mysql") {
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_EQ(last_.error_message(), "dialect mysql does not support LIMIT in an IN subquery");
  } else {
    EXPECT_TRUE(last_.ok()) << last_.error_message();
    EXPECT_EQ(RowsOf(limited), (Rows{{"'ada@example.com'"}}));
  }
}

TEST_P(EndToEnd, ExpressionsAndFunctions) {
  SetUpShop();
  InsertAdaAndBob();
  auto column = [](const std::string& name) { return absl::StrCat(R"({"column": {"name": ")", name, R"("}})"); };
  auto arithmetic = [](const std::string& op, const std::string& left, const std::string& right) {
    return absl::StrCat(R"({"arithmetic": {"operator": ")", op, R"(", "left": )", left, R"(, "right": )", right, "}}");
  };
  auto function = [](const std::string& fn, const std::string& args) {
    return absl::StrCat(R"({"function": {"function": ")", fn, R"(", "args": [)", args, "]}}");
  };
  const std::string name = function("COALESCE", column("name") + R"(, {"value": {"string_value": "anonymous"}})");
  std::vector<std::string> items = {
      function("UPPER", column("email")),
      function("LENGTH", column("email")),
      arithmetic("CONCAT", name,
                 arithmetic("CONCAT", R"({"value": {"string_value": " <"}})",
                            arithmetic("CONCAT", column("email"), R"({"value": {"string_value": ">"}})"))),
      arithmetic("MULTIPLY", column("balance"), R"({"value": {"decimal_value": "1.5"}})"),
      arithmetic("ADD", column("balance"), R"({"value": {"int_value": "1"}})"),
      function("ABS", arithmetic("SUBTRACT", column("balance"), R"({"value": {"int_value": "20"}})")),
      arithmetic("ADD", arithmetic("MULTIPLY", column("id"), R"({"value": {"int_value": "10"}})"),
                 R"({"value": {"int_value": "1"}})"),
      arithmetic("DIVIDE", column("id"), R"({"value": {"int_value": "2"}})"),
      arithmetic("MODULO", column("id"), R"({"value": {"int_value": "2"}})"),
  };
  std::string columns;
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StrAppend(&columns, i ? ", " : "", R"({"expression": )", items[i], R"(, "alias": "c)", i, R"("})");
  }
  v1::QueryResult r = Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [)",
                                          columns, R"(], "order_by": [{"expression": )", function("LENGTH", name),
                                          R"(, "descending": true}]}})"));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(r), (Rows{{"'BOB@EXAMPLE.COM'", "15", "'anonymous <bob@example.com>'", "dec:0.000", "dec:1.00",
                              "dec:20.00", "21", "d:1", "0"},
                             {"'ADA@EXAMPLE.COM'", "15", "'Ada <ada@example.com>'", "dec:18.750", "dec:13.50",
                              "dec:7.50", "11", "d:0.5", "1"}}));
  EXPECT_EQ(r.columns(1).type(), v1::BIGINT);
  EXPECT_EQ(r.columns(3).type(), v1::DECIMAL);
  EXPECT_EQ(r.columns(7).type(), v1::DOUBLE);

  // In where and in aggregates.
  v1::QueryResult where =
      Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"name": "id"}}}], "where": {"gt": {"left": )",
                          arithmetic("MULTIPLY", column("balance"), R"({"value": {"int_value": "2"}})"),
                          R"(, "right": {"value": {"decimal_value": "10"}}}}}})"));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(where), (Rows{{"1"}}));
  v1::QueryResult sum = Select(absl::StrCat(
      R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [
      {"expression": {"aggregate": {"function": "SUM", "argument": )",
      arithmetic("MULTIPLY", column("balance"), R"({"value": {"int_value": "2"}})"), R"(}}, "alias": "doubled"}]}})"));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(RowsOf(sum), (Rows{{"dec:25.00"}}));

  // Types are checked: text functions on numbers, numbers on text, two values.
  Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [{"expression": )",
                      arithmetic("ADD", column("email"), R"({"value": {"int_value": "1"}})"), "}]}}"));
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.columns[0].expression.arithmetic.left"));
  Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [{"expression": )",
                      function("LOWER", column("balance")), "}]}}"));
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.columns[0].expression.function.args[0]"));
  Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users", "columns": [{"expression": )",
                      arithmetic("ADD", R"({"value": {"int_value": "1"}})", R"({"value": {"int_value": "1"}})"),
                      "}]}}"));
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.columns[0].expression.arithmetic.right"));
}

TEST_P(EndToEnd, KeysetPagination) {
  SetUpShop();
  for (int i = 0; i < 5; ++i) {
    Insert(absl::StrCat(
        R"({"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "u)",
        i, R"(@example.com"}}}]}})"));
    ASSERT_TRUE(last_.ok()) << last_.error_message();
  }
  // Page after page: the rows after the last id seen, in id order, two at a time.
  std::vector<std::vector<std::string>> pages;
  int64_t after = 0;
  while (true) {
    v1::QueryResult page = Select(absl::StrCat(R"({"target": {"schema": "shop"}, "select": {"table": "users",
        "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "email"}}}],
        "where": {"gt": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": ")",
                                               after, R"("}}}},
        "order_by": [{"expression": {"column": {"name": "id"}}}], "limit": "2"}})"));
    ASSERT_TRUE(last_.ok()) << last_.error_message();
    if (page.rows().empty()) break;
    pages.emplace_back();
    for (const auto& row : page.rows()) pages.back().push_back(row.values(1).string_value());
    after = page.rows(page.rows_size() - 1).values(0).int_value();
  }
  EXPECT_EQ(pages,
            (std::vector<std::vector<std::string>>{
                {"u0@example.com", "u1@example.com"}, {"u2@example.com", "u3@example.com"}, {"u4@example.com"}}));
  // DISTINCT ON belongs to PostgreSQL.
  Select(R"({"target": {"schema": "shop"}, "select": {"table": "users", "distinct_on": [{"column": {"name": "role"}}],
      "order_by": [{"expression": {"column": {"name": "role"}}}]}})");
  if (GetParam() == "postgres") {
    EXPECT_TRUE(last_.ok()) << last_.error_message();
  } else {
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_EQ(last_.error_message(), absl::StrCat("dialect ", GetParam(), " does not support DISTINCT ON"));
  }
}

TEST_P(EndToEnd, PreparedStatementsRunWithNewValues) {
  SetUpShop();
  InsertAdaAndBob();
  v1::PrepareResponse prepared;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Prepare, queries_.get(),
                   Json<v1::PrepareRequest>(R"({"target": {"schema": "shop"},
      "operation": {"select": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
        "where": {"or": {"conditions": [{"eq": {"left": {"column": {"name": "id"}}, "right": {"param": "id"}}},
                                        {"like": {"left": {"column": {"name": "email"}}, "right": {"param": "pattern"}}}]}},
        "order_by": [{"expression": {"column": {"name": "id"}}}]}}})"),
                   &prepared)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(prepared.params(), ElementsAre("id", "pattern"));
  EXPECT_THAT(prepared.statement().sql(), HasSubstr("SELECT"));
  auto execute = [&](const std::string& params) {
    v1::QueryResult result;
    Call(&v1::QueryService::Stub::ExecutePrepared, queries_.get(),
         Json<v1::ExecutePreparedRequest>(absl::StrCat(R"({"id": ")", prepared.id(), R"(", "params": )", params, "}")),
         &result);
    return result;
  };
  EXPECT_EQ(RowsOf(execute(R"({"id": {"int_value": "1"}, "pattern": {"string_value": "nobody%"}})")),
            (Rows{{"'ada@example.com'"}}));
  EXPECT_EQ(RowsOf(execute(R"({"id": {"int_value": "0"}, "pattern": {"string_value": "bob%"}})")),
            (Rows{{"'bob@example.com'"}}));
  execute(R"({"id": {"string_value": "1"}, "pattern": {"string_value": "x"}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("params[\"id\"]"));
  execute(R"({"id": {"int_value": "1"}})");
  EXPECT_THAT(FieldPaths(last_), ElementsAre("params[\"pattern\"]"));

  // A prepared update, on every dialect (MariaDB through its returning fallback).
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Prepare, queries_.get(),
                   Json<v1::PrepareRequest>(R"({"target": {"schema": "shop"},
      "operation": {"update": {"table": "users", "set": {"name": {"string_value": "renamed"}},
        "where": {"eq": {"left": {"column": {"name": "email"}}, "right": {"param": "email"}}}, "returning": ["email", "name"]}}})"),
                   &prepared)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(RowsOf(execute(R"({"email": {"string_value": "bob@example.com"}})")),
            (Rows{{"'bob@example.com'", "'renamed'"}}));

  // Placeholders for limit and offset: one page after another, with the same statement.
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Prepare, queries_.get(),
                   Json<v1::PrepareRequest>(R"({"target": {"schema": "shop"},
      "operation": {"select": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
        "order_by": [{"expression": {"column": {"name": "id"}}}], "limit_param": "size", "offset_param": "skip"}}})"),
                   &prepared)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(prepared.params(), ElementsAre("size", "skip"));
  EXPECT_EQ(RowsOf(execute(R"({"size": {"int_value": "1"}, "skip": {"int_value": "0"}})")),
            (Rows{{"'ada@example.com'"}}));
  EXPECT_EQ(RowsOf(execute(R"({"size": {"int_value": "1"}, "skip": {"int_value": "1"}})")),
            (Rows{{"'bob@example.com'"}}));
  EXPECT_EQ(RowsOf(execute(R"({"size": {"int_value": "5"}, "skip": {"int_value": "2"}})")), Rows{});
  execute(R"({"size": {"int_value": "-1"}, "skip": {"int_value": "0"}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("params[\"size\"]"));
  v1::PrepareResponse both;
  Call(&v1::QueryService::Stub::Prepare, queries_.get(), Json<v1::PrepareRequest>(R"({"target": {"schema": "shop"},
      "operation": {"select": {"table": "users", "limit": 1, "limit_param": "size"}}})"),
       &both);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("operation.select.limit_param"));

  // Placeholders outside Prepare are refused; an unknown id is NOT_FOUND.
  Select(
      R"({"target": {"schema": "shop"}, "select": {"table": "users", "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"param": "id"}}}}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::QueryResult result;
  Call(&v1::QueryService::Stub::ExecutePrepared, queries_.get(), Json<v1::ExecutePreparedRequest>(R"({"id": "nope"})"),
       &result);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_P(EndToEnd, SelectStreamSendsBatchesAndKeepsTheServersMemoryFlat) {
  // A million rows, which every driver streams from the database.
  const int rows = 1000000;
  RegisterAndMigrate(testing::kNumbersSchema);
  // One connection: the stream stopped early below leaves it clean for the next call.
  testing::SluicedProcess server(
      {"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--pool-size", "1", "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  {
    grpc::ClientContext context;
    v1::RawRequest fill;
    fill.set_sql(testing::FillNumbersSql(GetParam(), rows));
    v1::QueryResult filled;
    grpc::Status status = testing::CallInto(&v1::QueryService::Stub::Raw, &*stub, &context, fill, &filled);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  const long before = server.StatusKb("VmHWM");
  grpc::ClientContext context;
  auto reader = stub->SelectStream(&context, Json<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"},
      "select": {"table": "numbers", "order_by": [{"expression": {"column": {"name": "n"}}}]}})"));
  v1::SelectStreamResponse batch;
  ASSERT_TRUE(reader->Read(&batch));  // the header first
  ASSERT_TRUE(batch.has_header());
  ASSERT_EQ(batch.header().columns_size(), 2);
  EXPECT_EQ(batch.header().columns(1).name(), "label");
  int batches = 0, seen = 0;
  bool in_order = true;
  while (reader->Read(&batch)) {
    ++batches;
    ASSERT_TRUE(batch.has_rows());
    EXPECT_LE(batch.rows().rows_size(), 1000);
    for (const auto& row : batch.rows().rows()) in_order &= row.values(0).int_value() == ++seen;
  }
  grpc::Status status = reader->Finish();
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(seen, rows);
  EXPECT_TRUE(in_order);
  EXPECT_EQ(batches, rows / 1000);
  // Holding every row would take at least 25 MB (about 1 MB grows here); streaming keeps the peak
  // near where it was.
  std::cout << "peak RSS " << before << " kB before, " << server.StatusKb("VmHWM") << " kB after" << std::endl;
#ifndef __SANITIZE_ADDRESS__  // AddressSanitizer keeps freed memory in quarantine: RSS says nothing
  EXPECT_LT(server.StatusKb("VmHWM") - before, 16 * 1024) << "peak RSS grew from " << before << " kB";
#endif

  // A client that stops reading after the first batch: the rest is dropped, and the connection
  // serves the next call.
  {
    grpc::ClientContext early;
    auto partial = stub->SelectStream(&early, Json<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"},
        "select": {"table": "numbers", "order_by": [{"expression": {"column": {"name": "n"}}}]}})"));
    ASSERT_TRUE(partial->Read(&batch));  // the header
    ASSERT_TRUE(partial->Read(&batch));  // the first rows
    early.TryCancel();
    while (partial->Read(&batch)) {
    }
    EXPECT_EQ(partial->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  grpc::ClientContext after;
  v1::QueryResult counted;
  status = testing::CallInto(&v1::QueryService::Stub::Select, &*stub, &after,
                             Json<v1::SelectRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers",
      "columns": [{"expression": {"aggregate": {"function": "COUNT"}}}]}})"),
                             &counted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(RowsOf(counted), (Rows{{"1000000"}}));
  stub.reset();
}

// Statements the event loop finished (sent without a thread waiting for the database).
uint64_t NonblockingStatements(const testing::InProcessServer& server) {
  const std::string metrics = server.metrics();
  const std::string name = "sluice_nonblocking_statements_total{database=\"default\"} ";
  const size_t at = metrics.find(name);
  return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + name.size()));
}

// The calls that run one statement are sent without blocking where the plugin can (PostgreSQL:
// ABI 1.3's send / poll) and finished by the event loop; elsewhere a worker runs them. The same
// rows either way, with eight callers at once too.
TEST_P(EndToEnd, OneStatementCallsRunOnTheEventLoopWhereThePluginCan) {
  SetUpShop();
  InsertAdaAndBob();
  const std::string bob = R"({"target": {"schema": "shop"}, "select": {"table": "users",
      "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "email"}}}],
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "2"}}}}}})";
  const uint64_t before = NonblockingStatements(*server_);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(RowsOf(Select(bob)), (Rows{{"2", "'bob@example.com'"}})) << last_.error_message();
  }
  const uint64_t sent = NonblockingStatements(*server_) - before;
  if (GetParam() == "postgres") {
    // All but the first (which prepares the statement on its connection, on a worker) and any
    // that found the cached schema due for its once-a-second check.
    EXPECT_GE(sent, 17u);
  } else {
    EXPECT_EQ(sent, 0u);
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        grpc::ClientContext context;
        v1::SelectResponse response;
        const grpc::Status status = queries_->Select(&context, Json<v1::SelectRequest>(bob), &response);
        if (!status.ok() || RowsOf(response.result()) != Rows{{"2", "'bob@example.com'"}}) ++wrong;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A call waiting for a row another transaction holds ends at its deadline, on either path: the
// statement is cancelled in the database (it does not apply once the lock is released).
TEST_P(EndToEnd, AStatementWaitingOnALockEndsAtTheCallsDeadline) {
  SetUpShop();
  InsertAdaAndBob();
  auto update = [](const std::string& name, int id) {
    return Json<v1::UpdateRequest>(absl::StrCat(R"({"target": {"schema": "shop"}, "update": {"table": "users",
        "set": {"name": {"string_value": ")",
                                                name, R"("}},
        "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": ")",
                                                id, R"("}}}}}})"));
  };
  grpc::ClientContext holder_context;
  auto holder = queries_->Transaction(&holder_context);
  v1::TransactionResponse held;
  ASSERT_TRUE(holder->Write(Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}}})")));
  ASSERT_TRUE(holder->Read(&held));
  v1::TransactionRequest hold;
  *hold.mutable_operation()->mutable_update() = update("Held", 1).update();
  ASSERT_TRUE(holder->Write(hold));
  ASSERT_TRUE(holder->Read(&held));
  ASSERT_EQ(held.result().rows_affected(), 1u);
  // With a pool of one, the transaction holds the only connection: the call waits for one.
  const bool pool_of_one = std::getenv("SLUICE_TEST_POOL_SIZE") != nullptr;
  if (GetParam() != "sqlite" && !pool_of_one) {  // SQLite's writer holds the whole database
    // The same statement on another row first: it is then prepared on an idle connection, and
    // the next runs on the event loop (PostgreSQL).
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::UpdateResponse response;
    ASSERT_TRUE(queries_->Update(&context, update("Bobby", 2), &response).ok());
  }
  const uint64_t before = NonblockingStatements(*server_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  v1::UpdateResponse response;
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(queries_->Update(&context, update("Late", 1), &response).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  if (GetParam() == "postgres" && !pool_of_one) EXPECT_EQ(NonblockingStatements(*server_) - before, 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server had time to cancel it
  ASSERT_TRUE(holder->Write(Json<v1::TransactionRequest>(R"({"rollback": {}})")));
  ASSERT_TRUE(holder->Read(&held));
  holder->WritesDone();
  EXPECT_TRUE(holder->Finish().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Had the statement kept waiting, it would have renamed Ada once the lock was released.
  const std::string bob = GetParam() != "sqlite" && !pool_of_one ? "'Bobby'" : "NULL";
  EXPECT_EQ(Users(),
            (Rows{{"1", "'ada@example.com'", "'Ada'", "dec:12.50"}, {"2", "'bob@example.com'", bob, "dec:0.00"}}));
}

TEST_P(EndToEnd, RawSqlIsOffUnlessAllowed) {
  v1::QueryResult result;
  Call(&v1::QueryService::Stub::Raw, queries_.get(), Json<v1::RawRequest>(R"({"sql": "SELECT 1"})"), &result);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  testing::InProcessServer allowed({"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--database", "default=" + url_});
  ASSERT_TRUE(allowed.ok());
  auto raw = v1::QueryService::NewStub(allowed.channel());
  grpc::ClientContext context;
  const std::string sql =
      GetParam() == "postgres" ? "SELECT $1::int + 1 AS n, $2::text AS s" : "SELECT ? + 1 AS n, ? AS s";
  v1::RawRequest request;
  request.set_sql(sql);
  request.add_params()->set_int_value(41);
  request.add_params()->set_string_value("x'); DROP TABLE users; --");
  grpc::Status status = testing::CallInto(&v1::QueryService::Stub::Raw, &*raw, &context, request, &result);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(result.columns_size(), 2);
  EXPECT_EQ(result.columns(0).name(), "n");
  EXPECT_EQ(RowsOf(result), (Rows{{"42", "'x'); DROP TABLE users; --'"}}));
  raw.reset();
}

// A statement with nothing to run (white space, a comment, a lone `;`, a NUL byte) is the
// client's mistake on every dialect, not a crash (SQLite prepared nothing and was stepped) nor a
// lost connection; so is a second statement after the first where the database would run only
// one. The single pooled connection serves the next call.
// A client's own mistakes that only the database catches are INVALID_ARGUMENT, never INTERNAL
// (which means a bug in sluiced): a syntax error in raw SQL, an unknown savepoint.
TEST_P(EndToEnd, ClientMistakesTheDatabaseCatchesAreInvalidArguments) {
  SetUpShop();
  testing::InProcessServer allowed({"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--database", "default=" + url_});
  ASSERT_TRUE(allowed.ok());
  auto queries = v1::QueryService::NewStub(allowed.channel());
  v1::RawRequest request;
  request.set_sql("SELEC 1");
  v1::QueryResult result;
  grpc::ClientContext raw_context;
  const grpc::Status syntax =
      testing::CallInto(&v1::QueryService::Stub::Raw, &*queries, &raw_context, request, &result);
  EXPECT_EQ(syntax.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << syntax.error_message();
  grpc::ClientContext context;
  auto stream = queries->Transaction(&context);
  v1::TransactionResponse response;
  ASSERT_TRUE(stream->Write(Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}}})")));
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(stream->Write(Json<v1::TransactionRequest>(R"({"rollback_to_savepoint": "nope"})")));
  stream->Read(&response);
  stream->WritesDone();
  const grpc::Status savepoint = stream->Finish();
  EXPECT_EQ(savepoint.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << savepoint.error_message();
  // A savepoint name with a NUL never reaches the SQL: refused with its path.
  grpc::ClientContext nul_context;
  auto nul_stream = queries->Transaction(&nul_context);
  ASSERT_TRUE(nul_stream->Write(Json<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "shop"}}})")));
  ASSERT_TRUE(nul_stream->Read(&response));
  ASSERT_TRUE(nul_stream->Write(Json<v1::TransactionRequest>(R"({"savepoint": "s\u0000p"})")));
  nul_stream->Read(&response);
  nul_stream->WritesDone();
  const grpc::Status nul = nul_stream->Finish();
  EXPECT_EQ(nul.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << nul.error_message();
  EXPECT_THAT(nul.error_message(), HasSubstr("a name holds no NUL character"));
  queries.reset();
}

TEST_P(EndToEnd, EmptyRawStatementsAreInvalidArguments) {
  testing::InProcessServer allowed(
      {"--plugin-dir", "lib/plugins", "--allow-raw-sql", "--pool-size", "1", "--database", "default=" + url_});
  ASSERT_TRUE(allowed.ok());
  auto raw = v1::QueryService::NewStub(allowed.channel());
  std::vector<std::string> empty = {"   ", "-- only a comment", ";", std::string("\0", 1)};
  if (GetParam() == "sqlite") empty.push_back("SELECT 1; SELECT 2");
  for (const std::string& sql : empty) {
    v1::RawRequest request;
    request.set_sql(sql);
    v1::QueryResult result;
    grpc::ClientContext context;
    grpc::Status status = testing::CallInto(&v1::QueryService::Stub::Raw, &*raw, &context, request, &result);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << "`" << sql << "`: " << status.error_message();
  }
  v1::RawRequest request;
  request.set_sql("SELECT 7 AS n");
  v1::QueryResult result;
  grpc::ClientContext context;
  grpc::Status status = testing::CallInto(&v1::QueryService::Stub::Raw, &*raw, &context, request, &result);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(RowsOf(result), (Rows{{"7"}}));
  raw.reset();
}

TEST_P(EndToEnd, ASecondReplicaSeesNewSchemaVersions) {
  SetUpShop();
  testing::InProcessServer replica({"--plugin-dir", "lib/plugins", "--database", "default=" + url_});
  ASSERT_TRUE(replica.ok());
  auto replica_queries = v1::QueryService::NewStub(replica.channel());
  auto select_nickname = [&] {
    grpc::ClientContext context;
    v1::QueryResult result;
    return testing::CallInto(&v1::QueryService::Stub::Select, &*replica_queries, &context,
                             Json<v1::SelectRequest>(R"({"target": {"schema": "shop"}, "select": {
        "table": "users", "columns": [{"expression": {"column": {"name": "nickname"}}}]}})"),
                             &result);
  };
  EXPECT_EQ(select_nickname().error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // not in version 1

  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = Json<v1::Schema>(ReadFile("examples/shop.schema.json"));
  auto* column = request.mutable_schema()->mutable_tables(0)->add_columns();
  column->set_name("nickname");
  column->set_type(v1::TEXT);
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok());
  ASSERT_EQ(registered.version().version(), 2u);
  // Planning against version 2 succeeds on the replica within its one-second refresh (the
  // column does not exist in the database yet, so the statement itself may fail there).
  grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
  for (int i = 0; i < 40 && code == grpc::StatusCode::INVALID_ARGUMENT; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    code = select_nickname().error_code();
  }
  EXPECT_NE(code, grpc::StatusCode::INVALID_ARGUMENT);
  replica_queries.reset();
}

TEST(Lifecycle, HealthTurnsNotServingOnSigtermAndTheProcessExitsZero) {
  const std::string path = ::testing::TempDir() + "/lifecycle.db";
  testing::SluicedProcess server(
      {"--plugin-dir", "lib/plugins", "--shutdown-delay", "1", "--database", "default=sqlite:" + path});
  ASSERT_TRUE(server.ok());
  auto health = grpc::health::v1::Health::NewStub(server.channel());
  grpc::ClientContext watch_context;
  auto watch = health->Watch(&watch_context, grpc::health::v1::HealthCheckRequest());
  grpc::health::v1::HealthCheckResponse response;
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  server.Terminate();
  // The watcher hears of it, and a probe during the shutdown delay too.
  ASSERT_TRUE(watch->Read(&response));
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(watch->Read(&response));
  watch->Finish().IgnoreError();
  grpc::ClientContext check_context;
  ASSERT_TRUE(health->Check(&check_context, grpc::health::v1::HealthCheckRequest(), &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  health.reset();
  EXPECT_EQ(server.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Dialects, EndToEnd, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

TEST(Sqlite, TheDeadlineStopsAStatementWaitingForALock) {
  const std::string path = ::testing::TempDir() + "/sqlite_deadline.db";
  std::remove(path.c_str());
  testing::InProcessServer server({"--plugin-dir", "lib/plugins", "--database", "default=sqlite:" + path});
  ASSERT_TRUE(server.ok());
  auto register_and_migrate = [&] {
    grpc::ClientContext c1, c2;
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = Json<v1::Schema>(ReadFile("examples/shop.schema.json"));
    v1::RegisterSchemaResponse registered;
    v1::MigrateResponse migrated;
    return v1::SchemaService::NewStub(server.channel())->RegisterSchema(&c1, request, &registered).ok() &&
           v1::MigrationService::NewStub(server.channel())
               ->Migrate(&c2, Json<v1::MigrateRequest>(R"({"target": {"schema": "shop"}})"), &migrated)
               .ok();
  };
  ASSERT_TRUE(register_and_migrate());
  auto queries = v1::QueryService::NewStub(server.channel());
  auto insert = [&](std::chrono::milliseconds timeout) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    v1::QueryResult result;
    return testing::CallInto(&v1::QueryService::Stub::Insert, &*queries, &context,
                             Json<v1::InsertRequest>(R"({"target": {"schema": "shop"}, "insert": {
        "table": "users", "rows": [{"values": {"email": {"string_value": "late@example.com"}}}]}})"),
                             &result);
  };
  // Another writer holds the database's write lock.
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &locker), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(insert(std::chrono::milliseconds(400)).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the server had time to finish it
  ASSERT_EQ(sqlite3_exec(locker, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // Had the statement kept waiting, it would have inserted the row once the lock was released.
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(locker, "SELECT count(*) FROM users", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), 0);
  sqlite3_finalize(count);
  sqlite3_close(locker);
  EXPECT_TRUE(insert(std::chrono::seconds(5)).ok());  // the connection is usable
  queries.reset();
}

TEST(Unreachable, ADatabaseThatCannotBeOpenedIsUnavailable) {
  testing::SluicedProcess server(
      {"--plugin-dir", "lib/plugins", "--database", "default=sqlite:/nonexistent-folder/for/sluice.db"});
  ASSERT_TRUE(server.ok());
  EXPECT_THAT(server.Log(), HasSubstr("not reachable yet"));
  auto stub = v1::SchemaService::NewStub(server.channel());
  grpc::ClientContext context;
  v1::ListSchemasResponse response;
  grpc::Status status = stub->ListSchemas(&context, v1::ListSchemasRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(ErrorInfo(status, "reason"), "DATABASE_UNAVAILABLE");
}

}  // namespace
}  // namespace sluice
