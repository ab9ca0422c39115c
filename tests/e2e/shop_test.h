// The shop example end to end: a fixture that registers examples/shop.schema.json on the
// dialect under test, runs queries given as request JSON, and shows rows compactly and exactly.
#ifndef SLUICE_TESTS_E2E_SHOP_TEST_H_
#define SLUICE_TESTS_E2E_SHOP_TEST_H_

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/sluice_test.h"
#include "tests/support/proto_json.h"

namespace sluice::testing {

using Rows = std::vector<std::vector<std::string>>;

template <typename Message>
Message Json(const std::string& json) {
  return FromJson<Message>(json);
}

// A compact, exact rendering of a value: `42`, `'text'`, `NULL`, `dec:12.50`, ...
inline std::string Show(const v1::Value& v) {
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

inline Rows RowsOf(const v1::QueryResult& result) {
  Rows rows;
  for (const auto& row : result.rows()) {
    rows.emplace_back();
    for (const auto& v : row.values()) rows.back().push_back(Show(v));
  }
  return rows;
}

class ShopTest : public DialectsTest {
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
    ASSERT_THAT(migrated.applied(), ::testing::ElementsAre("0000_initial_v1"));
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
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_SHOP_TEST_H_
