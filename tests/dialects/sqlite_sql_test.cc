// The SQL the SQLite plugin renders through the ABI (the real .so) for planned requests: exact
// text, identifiers quoted, values only as placeholders.
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

class SqliteSqlTest : public testing::DialectSqlTest {
 protected:
  SqliteSqlTest() : DialectSqlTest("sqlite") {}
};

TEST_F(SqliteSqlTest, Select) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users",
      "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "email"}}, "alias": "mail"}],
      "where": {"or": {"conditions": [{"ilike": {"left": {"column": {"name": "email"}}, "right": {"value": {"string_value": "%@x.org"}}}},
                                     {"in": {"left": {"column": {"name": "id"}}, "values": [{"value": {"int_value": "1"}}, {"value": {"int_value": "2"}}]}}]}},
      "order_by": [{"expression": {"column": {"name": "name"}}, "descending": true, "nulls": "NULLS_LAST"}],
      "limit": "10", "offset": "20"})"),
                           "select")),
            "SELECT \"id\" AS \"id\", \"email\" AS \"mail\" FROM \"users\" WHERE ((lower(\"email\") LIKE lower(?)) OR "
            "(\"id\" IN (?, ?))) ORDER BY \"name\" DESC NULLS LAST LIMIT ? OFFSET ?");
  // Parameter 3 is the IN list as one array, which only PostgreSQL binds.
  EXPECT_THAT(params_, ::testing::ElementsAre(0, 1, 2, 4, 5));
}

TEST_F(SqliteSqlTest, SelectAllWithOffsetOnlyAndAggregates) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "tags", "offset": "5"})"), "select")),
            "SELECT \"post_id\", \"tag\" FROM \"tags\" LIMIT -1 OFFSET ?");
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "posts",
      "columns": [{"expression": {"column": {"name": "author_id"}}}, {"expression": {"aggregate": {"function": "COUNT"}}, "alias": "n"}],
      "group_by": [{"column": {"name": "author_id"}}],
      "having": {"gt": {"left": {"aggregate": {"function": "COUNT"}}, "right": {"value": {"int_value": "1"}}}}})"),
                           "select")),
            "SELECT \"author_id\" AS \"author_id\", count(*) AS \"n\" FROM \"posts\" GROUP BY \"author_id\" HAVING "
            "(count(*) > ?)");
}

TEST_F(SqliteSqlTest, DistinctColumnComparisonsAndEveryAggregate) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "posts", "distinct": true,
      "columns": [{"expression": {"column": {"name": "author_id"}}}],
      "where": {"ne": {"left": {"column": {"name": "title"}}, "right": {"column": {"name": "body"}}}}})"),
                           "select")),
            "SELECT DISTINCT \"author_id\" AS \"author_id\" FROM \"posts\" WHERE (\"title\" <> \"body\")");
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "posts", "columns": [
      {"expression": {"aggregate": {"function": "COUNT_DISTINCT", "argument": {"column": {"name": "author_id"}}}}},
      {"expression": {"aggregate": {"function": "SUM", "argument": {"column": {"name": "rating"}}}}},
      {"expression": {"aggregate": {"function": "MIN", "argument": {"column": {"name": "title"}}}}},
      {"expression": {"aggregate": {"function": "MAX", "argument": {"column": {"name": "published_on"}}}}}]})"),
                           "select")),
            "SELECT count(DISTINCT \"author_id\") AS \"count_distinct\", sum(\"rating\") AS \"sum\", "
            "min(\"title\") AS \"min\", max(\"published_on\") AS \"max\" FROM \"posts\"");
}

TEST_F(SqliteSqlTest, EveryConditionOperator) {
  EXPECT_EQ(
      Sql(PlanSelect(schema_,
                     FromJson<v1::Select>(R"({"table": "posts", "columns": [{"expression": {"column": {"name": "id"}}}],
      "where": {"and": {"conditions": [
        {"lt": {"left": {"column": {"name": "rating"}}, "right": {"value": {"double_value": 5}}}},
        {"lte": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "9"}}}},
        {"not_like": {"left": {"column": {"name": "title"}}, "right": {"value": {"string_value": "a%"}}}},
        {"not_ilike": {"left": {"column": {"name": "title"}}, "right": {"value": {"string_value": "b%"}}}},
        {"not_in": {"left": {"column": {"name": "author_id"}}, "values": [{"value": {"int_value": "3"}}]}},
        {"not_between": {"left": {"column": {"name": "published_on"}}, "low": {"value": {"date_value": "2024-01-01"}},
                         "high": {"value": {"date_value": "2024-12-31"}}}},
        {"is_not_null": {"column": {"name": "body"}}}]}}})"),
                     "select")),
      "SELECT \"id\" AS \"id\" FROM \"posts\" WHERE ((\"rating\" < ?) AND (\"id\" <= ?) AND (\"title\" NOT LIKE ?) AND "
      "(lower(\"title\") NOT LIKE lower(?)) AND (\"author_id\" NOT IN (?)) AND "
      "(\"published_on\" NOT BETWEEN ? AND ?) AND (\"body\" IS NOT NULL))");
}

TEST_F(SqliteSqlTest, WhatSqliteLacksIsUnimplemented) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(2)->mutable_columns(1)->set_type(v1::INTERVAL);
  SchemaIndex schema(s);
  bool refused = false;
  for (const plan::Plan& p : PlanCreateSchema(schema, false)) {
    auto sql = plugin_->Compile(p);
    if (sql.ok()) continue;
    refused = true;
    EXPECT_EQ(sql.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_EQ(sql.status().message(), "dialect sqlite does not support INTERVAL columns");
  }
  EXPECT_TRUE(refused);
  plan::Plan sequence;
  sequence.mutable_create_sequence()->set_name("s");
  EXPECT_EQ(plugin_->Compile(sequence).status().message(), "dialect sqlite does not support sequences");
}

TEST_F(SqliteSqlTest, JoinsQualifyEveryColumn) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users", "alias": "u",
      "joins": [{"type": "LEFT", "table": "posts", "alias": "p", "on": {"eq": {"left": {"column": {"table": "p", "name": "author_id"}},
                                                                               "right": {"column": {"table": "u", "name": "id"}}}}},
                {"type": "CROSS", "table": "tags"}],
      "columns": [{"expression": {"column": {"name": "email"}}}, {"expression": {"column": {"table": "p", "name": "title"}}}, {"expression": {"column": {"name": "tag"}}}]})"),
                           "select")),
            "SELECT \"u\".\"email\" AS \"email\", \"p\".\"title\" AS \"title\", \"tags\".\"tag\" AS \"tag\" FROM "
            "\"users\" AS \"u\" "
            "LEFT JOIN \"posts\" AS \"p\" ON (\"p\".\"author_id\" = \"u\".\"id\") CROSS JOIN \"tags\"");
}

TEST_F(SqliteSqlTest, InsertFillsCellsLeftOutWithTheirDefaults) {
  EXPECT_EQ(Sql(PlanInsert(schema_, FromJson<v1::Insert>(R"({"table": "users", "rows": [
      {"values": {"email": {"string_value": "a@x.org"}, "role": {"string_value": "admin"}}},
      {"values": {"email": {"string_value": "b@x.org"}, "name": {"string_value": "B"}}}],
      "returning": ["id", "created_at"]})"),
                           "insert")),
            "INSERT INTO \"users\" (\"email\", \"name\", \"role\") VALUES (?, NULL, ?), (?, ?, ?) RETURNING \"id\", "
            "\"created_at\"");
  EXPECT_THAT(params_, ::testing::ElementsAre(0, 1, 2, 3, 4));
}

TEST_F(SqliteSqlTest, Upsert) {
  EXPECT_EQ(Sql(PlanInsert(schema_, FromJson<v1::Insert>(R"({"table": "tags",
      "rows": [{"values": {"post_id": {"int_value": "1"}, "tag": {"string_value": "a"}}}], "on_conflict": {}})"),
                           "insert")),
            "INSERT INTO \"tags\" (\"post_id\", \"tag\") VALUES (?, ?) ON CONFLICT DO NOTHING");
  EXPECT_EQ(
      Sql(PlanInsert(schema_, FromJson<v1::Insert>(R"({"table": "users",
      "rows": [{"values": {"email": {"string_value": "a@x.org"}, "name": {"string_value": "A"}}}],
      "on_conflict": {"columns": ["email"], "set": {"name": {"string_value": "A2"}}}})"),
                     "insert")),
      "INSERT INTO \"users\" (\"email\", \"name\") VALUES (?, ?) ON CONFLICT (\"email\") DO UPDATE SET \"name\" = ?");
}

TEST_F(SqliteSqlTest, UpdateAndDelete) {
  EXPECT_EQ(
      Sql(PlanUpdate(schema_,
                     FromJson<v1::Update>(
                         R"({"table": "users", "set": {"name": {"string_value": "x"}, "active": {"bool_value": false}},
      "where": {"between": {"left": {"column": {"name": "id"}}, "low": {"value": {"int_value": "1"}}, "high": {"value": {"int_value": "9"}}}},
      "returning": ["id"]})"),
                     "update")),
      "UPDATE \"users\" SET \"name\" = ?, \"active\" = ? WHERE (\"id\" BETWEEN ? AND ?) RETURNING \"id\"");
  EXPECT_EQ(Sql(PlanDelete(schema_,
                           FromJson<v1::Delete>(
                               R"({"table": "posts", "where": {"not": {"is_null": {"column": {"name": "body"}}}}})"),
                           "delete")),
            "DELETE FROM \"posts\" WHERE (NOT (\"body\" IS NULL))");
  EXPECT_EQ(Sql(PlanDelete(schema_, FromJson<v1::Delete>(R"({"table": "tags", "all_rows": true})"), "delete")),
            "DELETE FROM \"tags\"");
}

TEST_F(SqliteSqlTest, QuotesInIdentifiersCannotBreakOut) {
  v1::Schema s = ShopSchema();
  s.mutable_tables(2)->set_name("t\"; DROP TABLE users; --");
  s.mutable_tables(2)->mutable_columns(1)->set_name("a`b\"c");
  s.clear_relations();
  SchemaIndex schema(s);
  EXPECT_EQ(Sql(PlanSelect(schema, FromJson<v1::Select>(R"({"table": "t\"; DROP TABLE users; --"})"), "select")),
            "SELECT \"post_id\", \"a`b\"\"c\" FROM \"t\"\"; DROP TABLE users; --\"");
}

TEST_F(SqliteSqlTest, SubqueriesAndCommonTables) {
  // EXISTS with a correlated subquery: the outer column is written qualified.
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users",
      "columns": [{"expression": {"column": {"name": "email"}}}],
      "where": {"and": {"conditions": [
        {"exists": {"table": "posts", "columns": [{"expression": {"column": {"name": "id"}}}],
                    "where": {"eq": {"left": {"column": {"name": "author_id"}}, "right": {"column": {"table": "users", "name": "id"}}}}}},
        {"not_exists": {"table": "tags", "where": {"eq": {"left": {"column": {"name": "tag"}}, "right": {"value": {"string_value": "x"}}}}}},
        {"in": {"left": {"column": {"name": "id"}}, "subquery": {"table": "posts", "columns": [{"expression": {"column": {"name": "author_id"}}}],
                                                                  "limit": "3"}}}]}}})"),
                           "select")),
            "SELECT \"email\" AS \"email\" FROM \"users\" WHERE ((EXISTS (SELECT \"id\" AS \"id\" FROM \"posts\" WHERE "
            "(\"author_id\" = \"users\".\"id\"))) AND (NOT EXISTS (SELECT \"post_id\", \"tag\" FROM \"tags\" WHERE "
            "(\"tag\" = ?))) AND "
            "(\"id\" IN (SELECT \"author_id\" AS \"author_id\" FROM \"posts\" LIMIT ?)))");
  EXPECT_THAT(params_, ::testing::ElementsAre(0, 1));
  // A scalar subquery on the right of a comparison and in the select list.
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "posts",
      "columns": [{"expression": {"column": {"name": "title"}}},
                  {"expression": {"subquery": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}],
                     "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"column": {"table": "posts", "name": "author_id"}}}}}},
                   "alias": "author"}],
      "where": {"gt": {"left": {"column": {"name": "rating"}},
                       "right": {"subquery": {"table": "posts", "alias": "p", "columns": [{"expression": {"aggregate": {"function": "AVG",
                                 "argument": {"column": {"name": "rating"}}}}}]}}}}})"),
                           "select")),
            "SELECT \"title\" AS \"title\", (SELECT \"email\" AS \"email\" FROM \"users\" WHERE (\"id\" = "
            "\"posts\".\"author_id\")) AS "
            "\"author\" FROM \"posts\" WHERE (\"rating\" > (SELECT avg(\"p\".\"rating\") AS \"avg\" FROM \"posts\" AS "
            "\"p\"))");
  // WITH tables, the second reading the first, the select reading both.
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "counts",
      "with": [{"name": "counts", "select": {"table": "posts", "columns": [{"expression": {"column": {"name": "author_id"}}},
                  {"expression": {"aggregate": {"function": "COUNT"}}, "alias": "n"}], "group_by": [{"column": {"name": "author_id"}}]}},
               {"name": "busy", "select": {"table": "counts", "where": {"gte": {"left": {"column": {"name": "n"}}, "right": {"value": {"int_value": "2"}}}}}}],
      "columns": [{"expression": {"column": {"name": "author_id"}}}],
      "where": {"in": {"left": {"column": {"name": "author_id"}}, "subquery": {"table": "busy", "columns": [{"expression": {"column": {"name": "author_id"}}}]}}}})"),
                           "select")),
            "WITH \"counts\" AS (SELECT \"author_id\" AS \"author_id\", count(*) AS \"n\" FROM \"posts\" GROUP BY "
            "\"author_id\"), "
            "\"busy\" AS (SELECT \"author_id\", \"n\" FROM \"counts\" WHERE (\"n\" >= ?)) SELECT \"author_id\" AS "
            "\"author_id\" FROM "
            "\"counts\" WHERE (\"author_id\" IN (SELECT \"author_id\" AS \"author_id\" FROM \"busy\"))");
}

TEST_F(SqliteSqlTest, ArithmeticAndFunctions) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users", "columns": [
      {"expression": {"arithmetic": {"operator": "CONCAT", "left": {"function": {"function": "COALESCE",
          "args": [{"column": {"name": "name"}}, {"value": {"string_value": "?"}}]}}, "right": {"column": {"name": "email"}}}}, "alias": "who"},
      {"expression": {"function": {"function": "ABS", "args": [{"arithmetic": {"operator": "SUBTRACT",
          "left": {"value": {"int_value": "5"}}, "right": {"column": {"name": "balance"}}}}]}}}],
      "where": {"gt": {"left": {"arithmetic": {"operator": "MODULO", "left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "2"}}}},
                       "right": {"value": {"int_value": "0"}}}}})"),
                           "select")),
            "SELECT (coalesce(\"name\", ?) || \"email\") AS \"who\", abs((? - \"balance\")) AS \"abs\" FROM \"users\" "
            "WHERE ((\"id\" % ?) > ?)");
  EXPECT_THAT(params_, ::testing::ElementsAre(0, 1, 2, 3));
}

// SQLite 3.40 has no ORDER BY inside aggregates: related rows are an ordered derived table that
// json_group_array reads in order; nested JSON is re-read with json() so that it is not quoted.
TEST_F(SqliteSqlTest, RelatedRowsAsJson) {
  auto find = PlanFind(schema_, FromJson<v1::Find>(R"({"table": "posts", "columns": ["id"],
      "where": {"gt": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}},
      "with": {"tags": {"columns": ["tag"], "order_by": [{"expression": {"column": {"name": "tag"}}}], "offset": "1"},
               "author": {"columns": ["email"]}}})"),
                       true, "");
  ASSERT_TRUE(find.ok()) << find.status();
  EXPECT_EQ(
      Sql(find->statement),
      "SELECT \"posts\".\"id\" AS \"id\", (SELECT json_array(\"users\".\"email\") FROM \"users\" WHERE "
      "((\"users\".\"id\" = \"posts\".\"author_id\")) LIMIT 1) AS \"author\", (SELECT COALESCE(json_group_array("
      "json(\"_rows\".\"row\")), '[]') FROM (SELECT json_array(\"tags\".\"tag\") AS \"row\" FROM \"tags\" WHERE "
      "((\"tags\".\"post_id\" = \"posts\".\"id\")) ORDER BY \"tags\".\"tag\" ASC LIMIT -1 OFFSET ?) AS \"_rows\") AS "
      "\"tags\" FROM \"posts\" WHERE ((\"posts\".\"id\" > ?)) LIMIT ?");
  EXPECT_THAT(params_, ::testing::ElementsAre(0, 1, 2));
  ASSERT_EQ(find->shape->fields.size(), 3u);
  EXPECT_EQ(find->shape->fields[1].name, "author");  // relations in schema order, after the columns
  EXPECT_EQ(find->shape->fields[1].kind, FindShape::Field::kOne);
  EXPECT_EQ(find->shape->fields[2].kind, FindShape::Field::kMany);
}

TEST_F(SqliteSqlTest, CreateSchema) {
  std::vector<std::string> ddl;
  for (const plan::Plan& p : PlanCreateSchema(schema_, false)) {
    auto sql = plugin_->Compile(p);
    ASSERT_TRUE(sql.ok()) << sql.status();
    ddl.push_back(sql->sql);
  }
  EXPECT_THAT(
      ddl,
      ::testing::ElementsAre(
          "",  // enums become checks on their columns
          "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, \"email\" VARCHAR(120) NOT NULL, "
          "\"name\" TEXT, \"role\" TEXT NOT NULL DEFAULT 'customer' CHECK (\"role\" IN ('customer', 'admin')), "
          "\"balance\" NUMERIC(10, 2) NOT NULL DEFAULT 0.00, \"active\" BOOLEAN NOT NULL DEFAULT 1, "
          "\"created_at\" TIMESTAMPTZ NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), "
          "CONSTRAINT \"users_email_key\" UNIQUE (\"email\"), CONSTRAINT \"users_balance_not_negative\" CHECK "
          "((\"balance\" >= 0)))",
          ::testing::StartsWith("CREATE TABLE \"posts\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
                                "\"author_id\" INTEGER NOT NULL, "),
          "CREATE TABLE \"tags\" (\"post_id\" INTEGER NOT NULL, \"tag\" VARCHAR(40) NOT NULL, PRIMARY KEY "
          "(\"post_id\", \"tag\"), "
          "CONSTRAINT \"tags_post_id_fkey\" FOREIGN KEY (\"post_id\") REFERENCES \"posts\" (\"id\") ON DELETE CASCADE)",
          "CREATE INDEX \"posts_author_id_idx\" ON \"posts\" (\"author_id\")",
          "CREATE UNIQUE INDEX \"posts_title_per_author\" ON \"posts\" (\"author_id\", \"title\")"));
  EXPECT_THAT(ddl[2], ::testing::HasSubstr("CONSTRAINT \"posts_author_id_fkey\" FOREIGN KEY (\"author_id\") REFERENCES "
                                           "\"users\" (\"id\") ON DELETE CASCADE"));
}

}  // namespace
}  // namespace sluice
