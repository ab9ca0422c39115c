// The plan cache binds a request to the plan of an earlier request of its shape: the result must
// be exactly what planning it would give (plan, parameters, result columns), and whatever the
// recipe cannot bind goes to the planner, errors and their field paths included.
#include "planner/plan_cache.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

using sluice::testing::FromJson;
using sluice::testing::ShopSchema;
using sluice::testing::ToJson;

// Everything a request's planning decides, as text.
std::string Dump(const PlannedFind& p) {
  std::string plan;
  {
    google::protobuf::io::StringOutputStream stream(&plan);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    p.statement.plan_ref().SerializeToCodedStream(&coded);
  }
  std::string out = absl::CEscape(plan) + "\nparams:";
  for (const v1::Value& v : p.statement.params) out += " " + ToJson(v);
  out += "\ncolumns:";
  for (const ResultColumn& c : p.statement.columns_ref()) out += " " + c.table + "." + c.name + ":" + ToJson(c.column);
  if (p.shape != nullptr) {
    out += "\nshape:";
    for (const FindShape::Field& f : p.shape->fields) out += " " + f.name;
  }
  return out;
}

class PlanCacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<const SchemaIndex> schema_ = std::make_shared<const SchemaIndex>(ShopSchema());
  PlanCache cache_;

  template <typename Request>
  absl::StatusOr<PlannedFind> Plan(char kind, const Request& request) {
    return cache_.Plan(schema_, kind, request, [&] { return Direct(kind, request); });
  }
  absl::StatusOr<PlannedFind> Direct(char kind, const v1::Select& r) { return Wrap(PlanSelect(*schema_, r, "select")); }
  absl::StatusOr<PlannedFind> Direct(char kind, const v1::Insert& r) { return Wrap(PlanInsert(*schema_, r, "insert")); }
  absl::StatusOr<PlannedFind> Direct(char kind, const v1::Update& r) { return Wrap(PlanUpdate(*schema_, r, "update")); }
  absl::StatusOr<PlannedFind> Direct(char kind, const v1::Delete& r) { return Wrap(PlanDelete(*schema_, r, "delete")); }
  absl::StatusOr<PlannedFind> Direct(char kind, const v1::Find& r) {
    return PlanFind(*schema_, r, kind == 'F', "find.");
  }
  static absl::StatusOr<PlannedFind> Wrap(absl::StatusOr<PlannedStatement> s) {
    if (!s.ok()) return s.status();
    PlannedFind out;
    out.statement = *std::move(s);
    return out;
  }

  // `json` with $1, $2... replaced by `values`.
  static std::string Fill(const std::string& json, const std::vector<std::string>& values) {
    std::string out = json;
    for (size_t i = values.size(); i-- > 0;) out = absl::StrReplaceAll(out, {{"$" + std::to_string(i + 1), values[i]}});
    return out;
  }

  // Plans `json` with `first` (a miss), then with `second` (a hit): each as planning gives it.
  template <typename Request>
  void ExpectReused(char kind, const std::string& json, const std::vector<std::string>& first,
                    const std::vector<std::string>& second) {
    const uint64_t hits = cache_.hits(), misses = cache_.misses();
    std::vector<const plan::Plan*> plans;  // one plan, shared: nothing planned or copied for the second
    std::vector<const std::vector<ResultColumn>*> columns;  // and its result columns
    for (const auto* values : {&first, &second}) {
      const Request request = FromJson<Request>(Fill(json, *values));
      auto cached = Plan(kind, request);
      auto direct = Direct(kind, request);
      ASSERT_TRUE(direct.ok()) << direct.status() << "\n" << Fill(json, *values);
      ASSERT_TRUE(cached.ok()) << cached.status();
      EXPECT_EQ(Dump(*cached), Dump(*direct)) << Fill(json, *values);
      plans.push_back(cached->statement.shared_plan.get());
      columns.push_back(cached->statement.shared_columns.get());
    }
    EXPECT_NE(plans[0], nullptr);
    EXPECT_EQ(plans[0], plans[1]);
    EXPECT_NE(columns[0], nullptr);
    EXPECT_EQ(columns[0], columns[1]);
    EXPECT_EQ(cache_.misses(), misses + 1) << json;
    EXPECT_EQ(cache_.hits(), hits + 1) << json;
  }
};

TEST_F(PlanCacheTest, ARepeatedShapeIsBoundToTheSameResultAsPlanning) {
  ExpectReused<v1::Select>('S', R"({"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
      "where": {"and": {"conditions": [{"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": $1}}}},
      {"ilike": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "$2"}}}}]}},
      "limit": $3, "offset": $4})",
                           {"1", "%a%", "10", "0"}, {"7", "b%", "3", "40"});
  // An in list: its values and the array parameter made of them.
  ExpectReused<v1::Select>('S', R"({"table": "users", "where": {"in": {"left": {"column": {"name": "id"}},
      "values": [{"value": {"int_value": $1}}, {"value": {"int_value": $2}}, {"value": {"int_value": $3}}]}}})",
                           {"1", "2", "3"}, {"30", "20", "10"});
  // Values of several column types, a plain string taking its column's kind.
  ExpectReused<v1::Select>('S', R"({"table": "posts", "where": {"and": {"conditions": [
      {"eq": {"left": {"column": {"name": "public_id"}}, "right": {"value": {"string_value": "$1"}}}},
      {"gte": {"left": {"column": {"name": "rating"}}, "right": {"value": {"int_value": $2}}}},
      {"between": {"left": {"column": {"name": "published_on"}}, "low": {"value": {"date_value": "$3"}},
                   "high": {"value": {"string_value": "$4"}}}}]}}})",
                           {"8B2C0D8E-1F6B-4C9A-9A57-0C3F1E2D4B5A", "3", "2024-01-01", "2024-12-31"},
                           {"00000000-0000-4000-8000-000000000001", "-2", "2020-02-29", "2021-01-01"});
  ExpectReused<v1::Update>('U', R"({"table": "users", "set": {"name": {"string_value": "$1"},
      "balance": {"decimal_value": "$2"}, "role": {"string_value": "$3"}},
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": $4}}}}})",
                           {"Ann", "1.50", "admin", "1"}, {"Bob", "-20", "customer", "2"});
  ExpectReused<v1::Delete>('D', R"({"table": "tags", "where": {"eq": {"left": {"column": {"name": "tag"}},
      "right": {"value": {"string_value": "$1"}}}}})",
                           {"x"}, {"y"});
  // Rows leaving out columns that others set: the declared defaults are constants of the plan.
  ExpectReused<v1::Insert>('I', R"({"table": "users", "rows": [
      {"values": {"email": {"string_value": "$1"}, "balance": {"decimal_value": "$2"}}},
      {"values": {"email": {"string_value": "$3"}, "role": {"string_value": "admin"}, "active": {"bool_value": $4}}}],
      "on_conflict": {"columns": ["email"], "set": {"name": {"string_value": "$5"}}}})",
                           {"a@example.com", "1", "b@example.com", "true", "n"},
                           {"c@example.com", "2.25", "d@example.com", "false", "m"});
  // A relational read: values and counts at every level.
  ExpectReused<v1::Find>('M', R"({"table": "users", "where": {"gt": {"left": {"column": {"name": "id"}},
      "right": {"value": {"int_value": $1}}}}, "limit": $2,
      "with": {"posts": {"where": {"like": {"left": {"column": {"name": "title"}}, "right": {"value": {"string_value": "$3"}}}},
               "limit": $4, "with": {"tags": {"offset": $5}, "author": {}}}}})",
                         {"1", "5", "a%", "2", "0"}, {"9", "50", "%", "0", "7"});
  ExpectReused<v1::Find>('F', R"({"table": "posts", "where": {"eq": {"left": {"column": {"name": "id"}},
      "right": {"value": {"int_value": $1}}}}, "with": {"author": {}}})",
                         {"1"}, {"2"});
}

// Map entries are walked by key: the order a client wrote them in makes no other shape.
TEST_F(PlanCacheTest, MapsOfAnyOrderAreOneShape) {
  ExpectReused<v1::Update>('U', R"({"table": "users", "all_rows": true, "set": {"name": {"string_value": "$1"},
      "email": {"string_value": "$2"}}})",
                           {"a", "b"}, {"c", "d"});
  v1::Update reordered;
  reordered.set_table("users");
  reordered.set_all_rows(true);
  (*reordered.mutable_set())["email"].set_string_value("e");
  (*reordered.mutable_set())["name"].set_string_value("f");
  auto cached = Plan('U', reordered);
  ASSERT_TRUE(cached.ok()) << cached.status();
  EXPECT_EQ(cache_.hits(), 2u);
  EXPECT_EQ(Dump(*cached), Dump(*Direct('U', reordered)));
}

// The kind of a value is part of the shape: null, an int and a string are planned apart.
TEST_F(PlanCacheTest, AValueOfAnotherKindIsAnotherShape) {
  const std::string json = R"({"table": "users", "all_rows": true, "set": {"name": $1}})";
  for (const char* value : {R"({"string_value": "a"})", R"({"null_value": null})", R"({"string_value": "b"})"}) {
    auto request = FromJson<v1::Update>(Fill(json, {value}));
    auto cached = Plan('U', request);
    ASSERT_TRUE(cached.ok()) << cached.status();
    EXPECT_EQ(Dump(*cached), Dump(*Direct('U', request)));
  }
  EXPECT_EQ(cache_.misses(), 2u);
  EXPECT_EQ(cache_.hits(), 1u);
  // Comparing with null is refused however often the shape was planned with a value.
  auto refused = Plan('S', FromJson<v1::Select>(R"({"table": "users", "where": {"eq": {"left": {"column":
      {"name": "id"}}, "right": {"value": {"null_value": null}}}}})"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(FieldViolations(refused.status())[0].field, "select.where.eq.right.value");
}

// A value the recipe cannot bind is planned, and refused with its exact field path.
TEST_F(PlanCacheTest, ABadValueInAKnownShapeIsRefusedWithItsPath) {
  const std::string json = R"({"table": "posts", "where": {"eq": {"left": {"column": {"name": "public_id"}},
      "right": {"value": {"uuid_value": "$1"}}}}, "limit": $2})";
  ASSERT_TRUE(Plan('S', FromJson<v1::Select>(Fill(json, {"8b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a", "1"}))).ok());
  auto bad_uuid = Plan('S', FromJson<v1::Select>(Fill(json, {"not-a-uuid", "1"})));
  ASSERT_FALSE(bad_uuid.ok());
  EXPECT_EQ(bad_uuid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolations(bad_uuid.status())[0].field, "select.where.eq.right.value");
  auto negative = Plan('S', FromJson<v1::Select>(Fill(json, {"8b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a", "-1"})));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(FieldViolations(negative.status())[0].field, "select.limit");
  EXPECT_EQ(cache_.hits(), 0u);
  // Refusals are not kept: the good request afterwards is still bound.
  ASSERT_TRUE(Plan('S', FromJson<v1::Select>(Fill(json, {"00000000-0000-4000-8000-000000000001", "3"}))).ok());
  EXPECT_EQ(cache_.hits(), 1u);
}

// A decimal standing alone is typed by its digits: a plan is reused only for the same digits.
TEST_F(PlanCacheTest, ValuesThatTypeTheStatementMustMatch) {
  const std::string json = R"({"table": "users", "columns": [{"expression": {"value": {"decimal_value": "$1"}},
      "alias": "d"}]})";
  for (const char* value : {"12.34", "1.5", "12.34"}) {  // 1.5 would fit DECIMAL(4, 2)
    auto request = FromJson<v1::Select>(Fill(json, {value}));
    auto cached = Plan('S', request);
    ASSERT_TRUE(cached.ok()) << cached.status();
    EXPECT_EQ(Dump(*cached), Dump(*Direct('S', request))) << value;
  }
  EXPECT_EQ(cache_.misses(), 2u);
  EXPECT_EQ(cache_.hits(), 1u);
}

// Plans belong to the schema they were made in: a newly registered schema plans again.
TEST_F(PlanCacheTest, ANewSchemaPlansAgain) {
  const auto request = FromJson<v1::Select>(R"({"table": "users", "where": {"eq": {"left": {"column":
      {"name": "id"}}, "right": {"value": {"int_value": 1}}}}})");
  ASSERT_TRUE(Plan('S', request).ok());
  v1::Schema wider = ShopSchema();
  wider.mutable_tables(0)->mutable_columns(0)->set_type(v1::BIGINT);
  schema_ = std::make_shared<const SchemaIndex>(wider);
  auto planned = Plan('S', request);
  ASSERT_TRUE(planned.ok());
  EXPECT_EQ(cache_.misses(), 2u);
  EXPECT_EQ(Dump(*planned), Dump(*Direct('S', request)));
  EXPECT_EQ(planned->statement.columns_ref()[0].column.type(), v1::BIGINT);
}

// FindMany and FindFirst read one message planned two ways: kept apart by kind.
TEST_F(PlanCacheTest, KindsOfOneMessageAreKeptApart) {
  const auto request = FromJson<v1::Find>(R"({"table": "users"})");
  auto many = Plan('M', request);
  auto first = Plan('F', request);
  ASSERT_TRUE(many.ok() && first.ok());
  EXPECT_EQ(Dump(*first), Dump(*Direct('F', request)));
  EXPECT_NE(Dump(*many), Dump(*first));
  EXPECT_EQ(cache_.misses(), 2u);
}

}  // namespace
}  // namespace sluice
