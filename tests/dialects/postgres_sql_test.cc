// The SQL the PostgreSQL plugin renders through the ABI (the real .so): numbered placeholders,
// ILIKE and NULLS ordering natively, upserts, UPDATE ... RETURNING, DISTINCT ON, and
// relational reads through json_agg (numbered by row_number() so that an order survives).
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "planner/planner.h"
#include "plugins/dialect_plugin.h"
#include "tests/dialects/dialect_sql_test.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

using sluice::testing::FromJson;
using sluice::testing::ShopSchema;

class PostgresSqlTest : public testing::DialectSqlTest {
 protected:
  PostgresSqlTest() : DialectSqlTest("postgres") {}
};

TEST_F(PostgresSqlTest, SelectWithNumberedPlaceholders) {
  EXPECT_EQ(
      Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users",
      "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "email"}}, "alias": "mail"}],
      "where": {"and": {"conditions": [
        {"ilike": {"left": {"column": {"name": "email"}}, "right": {"value": {"string_value": "%@example.com"}}}},
        {"gt": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}]}},
      "order_by": [{"expression": {"column": {"name": "name"}}, "nulls": "NULLS_LAST"}], "limit": 10, "offset": 20})"),
                     "select")),
      "SELECT \"id\" AS \"id\", \"email\" AS \"mail\" FROM \"users\" WHERE ((\"email\" ILIKE $1) AND (\"id\" > $2)) "
      "ORDER BY \"name\" ASC NULLS LAST LIMIT $3 OFFSET $4");
}

// An IN list of values is one array parameter: the same statement for any length (prepared once
// per connection), and no limit on the values. Placeholders and expressions stay a list.
TEST_F(PostgresSqlTest, InListsOfValuesBindOneArray) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users", "where": {"and": {"conditions": [
      {"in": {"left": {"column": {"name": "id"}}, "values": [{"value": {"int_value": "1"}}, {"value": {"int_value": "2"}},
                                                             {"value": {"int_value": "3"}}]}},
      {"not_in": {"left": {"column": {"name": "email"}}, "values": [{"value": {"string_value": "a@x"}},
                                                                    {"value": {"string_value": "b@x"}}]}},
      {"in": {"left": {"column": {"name": "name"}}, "values": [{"value": {"string_value": "Ada"}}]}}]}}})"),
                           "select")),
            "SELECT \"id\", \"email\", \"name\", \"role\", \"balance\", \"active\", \"created_at\" FROM \"users\" "
            "WHERE ((\"id\" = ANY($1)) AND "
            "(\"email\" <> ALL($2)) AND (\"name\" IN ($3)))");
  EXPECT_THAT(params_, ::testing::ElementsAre(3, 6, 7));  // the arrays, then the single value
}

TEST_F(PostgresSqlTest, DistinctOn) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "posts",
      "columns": [{"expression": {"column": {"name": "author_id"}}}, {"expression": {"column": {"name": "title"}}}],
      "distinct_on": [{"column": {"name": "author_id"}}],
      "order_by": [{"expression": {"column": {"name": "author_id"}}}, {"expression": {"column": {"name": "id"}}, "descending": true}]})"),
                           "select")),
            "SELECT DISTINCT ON (\"author_id\") \"author_id\" AS \"author_id\", \"title\" AS \"title\" FROM \"posts\" "
            "ORDER BY \"author_id\" ASC, \"id\" DESC");
}

TEST_F(PostgresSqlTest, UpsertAndReturning) {
  EXPECT_EQ(
      Sql(PlanInsert(schema_, FromJson<v1::Insert>(R"({"table": "users",
      "rows": [{"values": {"email": {"string_value": "a@example.com"}, "name": {"string_value": "A"}}}],
      "on_conflict": {"columns": ["email"], "set": {"name": {"string_value": "B"}}}, "returning": ["id"]})"),
                     "insert")),
      "INSERT INTO \"users\" (\"email\", \"name\") VALUES ($1, $2) ON CONFLICT (\"email\") DO UPDATE SET \"name\" = $3 "
      "RETURNING \"id\"");
  EXPECT_EQ(Sql(PlanUpdate(schema_, FromJson<v1::Update>(R"({"table": "users", "set": {"name": {"string_value": "C"}},
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "3"}}}}, "returning": ["name"]})"),
                           "update")),
            "UPDATE \"users\" SET \"name\" = $1 WHERE (\"id\" = $2) RETURNING \"name\"");
}

TEST_F(PostgresSqlTest, RelatedRowsThroughJsonAgg) {
  auto find = PlanFind(schema_, FromJson<v1::Find>(R"({"table": "users", "columns": ["id"],
      "with": {"posts": {"columns": ["title"], "order_by": [{"expression": {"column": {"name": "id"}}, "descending": true}],
                         "limit": 2}}})"),
                       false, "");
  ASSERT_TRUE(find.ok()) << find.status();
  EXPECT_EQ(
      Sql(find->statement),
      "SELECT \"users\".\"id\" AS \"id\", (SELECT COALESCE(json_agg(\"_rows\".\"row\" ORDER BY \"_rows\".\"n\"), "
      "'[]'::json) FROM (SELECT json_build_array(\"posts\".\"title\") AS \"row\", row_number() OVER ( ORDER BY "
      "\"posts\".\"id\" DESC) AS \"n\" FROM \"posts\" WHERE ((\"posts\".\"author_id\" = \"users\".\"id\")) ORDER BY "
      "\"posts\".\"id\" DESC LIMIT $1) AS \"_rows\") AS \"posts\" FROM \"users\"");

  // Related rows in no order are not numbered: the aggregate takes them as they come.
  find = PlanFind(schema_, FromJson<v1::Find>(R"({"table": "users", "columns": ["id"],
      "with": {"posts": {"columns": ["title"], "limit": 2}}})"),
                  false, "");
  ASSERT_TRUE(find.ok()) << find.status();
  EXPECT_EQ(Sql(find->statement),
            "SELECT \"users\".\"id\" AS \"id\", (SELECT COALESCE(json_agg(\"_rows\".\"row\"), '[]'::json) FROM "
            "(SELECT json_build_array(\"posts\".\"title\") AS \"row\" FROM \"posts\" WHERE ((\"posts\".\"author_id\" "
            "= \"users\".\"id\")) LIMIT $1) AS \"_rows\") AS \"posts\" FROM \"users\"");
}

}  // namespace
}  // namespace sluice
