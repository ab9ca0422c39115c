// Requests are checked against the schema before any SQL exists: every refusal is
// INVALID_ARGUMENT (or NOT_FOUND / UNIMPLEMENTED) naming the request's field path.
#include "planner/planner.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

using sluice::testing::FromJson;
using sluice::testing::ShopSchema;
using ::testing::HasSubstr;

class PlannerTest : public ::testing::Test {
 protected:
  SchemaIndex schema_{ShopSchema()};

  // The single field violation of a refused request: "path: description".
  template <typename Request, typename Plan>
  std::string Refusal(const std::string& json, Plan plan, const std::string& root) {
    auto planned = plan(schema_, FromJson<Request>(json), root);
    EXPECT_FALSE(planned.ok());
    if (planned.ok()) return "";
    EXPECT_EQ(planned.status().code(), absl::StatusCode::kInvalidArgument) << planned.status();
    auto violations = FieldViolations(planned.status());
    EXPECT_EQ(violations.size(), 1u) << planned.status();
    return violations.empty() ? "" : violations[0].field + ": " + violations[0].description;
  }
  template <typename Request>
  static auto Planner(absl::StatusOr<PlannedStatement> (*plan)(const SchemaIndex&, const Request&, const std::string&,
                                                               bool)) {
    return [plan](const SchemaIndex& s, const Request& r, const std::string& p) { return plan(s, r, p, false); };
  }
  std::string SelectRefusal(const std::string& json) {
    return Refusal<v1::Select>(json, Planner(&PlanSelect), "select");
  }
  std::string InsertRefusal(const std::string& json) { return Refusal<v1::Insert>(json, PlanInsert, "insert"); }
  std::string UpdateRefusal(const std::string& json) {
    return Refusal<v1::Update>(json, Planner(&PlanUpdate), "update");
  }
  std::string DeleteRefusal(const std::string& json) {
    return Refusal<v1::Delete>(json, Planner(&PlanDelete), "delete");
  }
};

// Names a request makes up reach the SQL quoted: checked first (no NUL, valid UTF-8, 63 bytes).
TEST_F(PlannerTest, MadeUpNamesAreCheckedWithTheirPath) {
  auto select_with_alias = [](const std::string& alias) {
    return absl::StrCat(R"({"table": "users", "columns": [{"expression": {"column": {"name": "id"}}, "alias": ")",
                        alias, R"("}]})");
  };
  EXPECT_EQ(SelectRefusal(select_with_alias("a\\u0000b")), "select.columns[0].alias: a name holds no NUL character");
  EXPECT_EQ(SelectRefusal(select_with_alias(std::string(64, 'x'))),
            "select.columns[0].alias: a name is at most 63 bytes; this one has 64");
  EXPECT_TRUE(PlanSelect(schema_, FromJson<v1::Select>(select_with_alias("kürzel ✓")), "select", false).ok());
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "alias": "u\u0000"})"), "select.alias: a name holds no NUL character");
  EXPECT_EQ(
      SelectRefusal(R"({"table": "users", "joins": [{"type": "INNER", "table": "posts", "alias": ")" +
                    std::string(70, 'p') +
                    R"(", "on": {"eq": {"left": {"column": {"name": "id"}}, "right": {"column": {"name": "id"}}}}}]})"),
      "select.joins[0].alias: a name is at most 63 bytes; this one has 70");
}

// Nesting has a documented limit, checked while planning: the refusal names the path and the limit.
TEST_F(PlannerTest, NestingDeeperThanTheLimitIsRefusedWithItsPath) {
  auto nested = [](int nots) {
    std::string where = R"({"is_null": {"column": {"name": "name"}}})";
    for (int i = 0; i < nots; ++i) where = R"({"not": )" + where + "}";
    return R"({"table": "users", "where": )" + where + "}";
  };
  EXPECT_TRUE(PlanSelect(schema_, FromJson<v1::Select>(nested(28)), "select", false).ok());
  std::string path = "select.where";
  for (int i = 0; i < 32; ++i) path += ".not";
  EXPECT_EQ(SelectRefusal(nested(40)), path + ": expressions and conditions nest at most 32 levels");
}

TEST_F(PlannerTest, UnknownTableAndColumn) {
  EXPECT_EQ(SelectRefusal(R"({"table": "orders"})"), "select.table: schema `shop` has no table `orders`");
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "columns": [{"expression": {"column": {"name": "age"}}}]})"),
            "select.columns[0].expression.column.name: table `users` has no column `age`");
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "where": {"and": {"conditions": [
                {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}},
                {"eq": {"left": {"column": {"name": "nick"}}, "right": {"value": {"string_value": "x"}}}}]}}})"),
            "select.where.and.conditions[1].eq.left.column.name: table `users` has no column `nick`");
}

// Plain strings (hand-written JSON, the CLI's plain values) take the kind of their column:
// integers exactly (beyond 2^53 too), decimals, dates, timestamps, UUIDs.
TEST_F(PlannerTest, PlainStringsTakeTheKindOfTheirColumn) {
  v1::Schema wide = ShopSchema();  // posts.id a BIGINT
  wide.mutable_tables(1)->mutable_columns(0)->set_type(v1::BIGINT);
  const SchemaIndex schema(wide);
  auto planned = PlanInsert(schema, FromJson<v1::Insert>(R"({"table": "posts", "rows": [{"values": {
      "id": {"string_value": "9007199254740993"}, "author_id": {"string_value": "1"},
      "title": {"string_value": "t"}, "published_on": {"string_value": "2024-02-29"},
      "public_id": {"string_value": "8B2C0D8E-1F6B-4C9A-9A57-0C3F1E2D4B5A"}}}]})"),
                            "insert");
  ASSERT_TRUE(planned.ok()) << planned.status();
  std::vector<std::string> params;
  for (const v1::Value& v : planned->params) params.push_back(testing::ToJson(v));
  EXPECT_THAT(params, ::testing::IsSupersetOf({R"({"int_value":"9007199254740993"})", R"({"int_value":"1"})",
                                               R"({"date_value":"2024-02-29"})",
                                               R"({"uuid_value":"8b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a"})"}));
  auto balance = PlanInsert(schema_, FromJson<v1::Insert>(R"({"table": "users", "rows": [{"values": {
      "email": {"string_value": "a@example.com"}, "balance": {"string_value": "12.5"}}}]})"),
                            "insert");
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_THAT(testing::ToJson(balance->params[1]), HasSubstr(R"("decimal_value":"12.5")"));
  // A string that is not one stays a string, and is refused as before.
  EXPECT_EQ(
      InsertRefusal(R"({"table": "posts", "rows": [{"values": {"author_id": {"string_value": "1.5"},
      "title": {"string_value": "t"}, "public_id": {"uuid_value": "8b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a"}}}]})"),
      "insert.rows[0].values[\"author_id\"]: column `author_id` is INTEGER and takes int_value, not string_value");
}

TEST_F(PlannerTest, ValuesOfTheWrongType) {
  EXPECT_EQ(
      SelectRefusal(
          R"({"table": "users", "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"string_value": "one"}}}}})"),
      "select.where.eq.right.value: column `id` is INTEGER and takes int_value, not string_value");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "posts", "rows": [{"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "t"}, "public_id": {"uuid_value": "not-a-uuid"}}}]})"),
      "insert.rows[0].values[\"public_id\"]: column `public_id` is UUID: `not-a-uuid` is not a UUID");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "posts", "rows": [{"values": {"author_id": {"int_value": "3000000000"}, "title": {"string_value": "t"}}}]})"),
      "insert.rows[0].values[\"author_id\"]: column `author_id` is INTEGER: value out of range (3000000000)");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "users", "rows": [{"values": {"email": {"string_value": "a@b"}, "balance": {"decimal_value": "1.234"}}}]})"),
      "insert.rows[0].values[\"balance\"]: column `balance` is DECIMAL(10, 2): `1.234` has more than 2 digits after "
      "the point");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "users", "rows": [{"values": {"email": {"string_value": "a@b"}, "role": {"string_value": "owner"}}}]})"),
      "insert.rows[0].values[\"role\"]: column `role` is ENUM role: `owner` is not a value of enum `role`");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "posts", "rows": [{"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "t"}, "published_on": {"date_value": "2023-02-29"}}}]})"),
      "insert.rows[0].values[\"published_on\"]: column `published_on` is DATE: `2023-02-29` is not a date "
      "(YYYY-MM-DD)");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "posts", "rows": [{"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "t"}, "metadata": {"json_value": "{nope"}}}]})"),
      "insert.rows[0].values[\"metadata\"]: column `metadata` is JSON: value is not valid JSON: malformed JSON at "
      "offset 1");
  // Nesting: 200 levels are JSON like any other (protobuf's parser refused 100); beyond 256 the
  // refusal says so. Checked in linear time: a megabyte of brackets is refused at once.
  auto nested = [](int depth) {
    return absl::StrCat(
        R"({"table": "posts", "rows": [{"values": {"author_id": {"int_value": "1"}, "title": {"string_value": "t"}, "metadata": {"json_value": ")",
        std::string(depth, '['), std::string(depth, ']'), R"("}}}]})");
  };
  EXPECT_TRUE(PlanInsert(schema_, FromJson<v1::Insert>(nested(200)), "insert").ok());
  EXPECT_EQ(InsertRefusal(nested(300)),
            "insert.rows[0].values[\"metadata\"]: column `metadata` is JSON: value is not valid JSON: JSON nested "
            "deeper than 256 levels (at offset 257)");
  EXPECT_THAT(InsertRefusal(nested(1 << 20)), HasSubstr("JSON nested deeper than 256 levels"));
  std::string long_email(121, 'x');
  EXPECT_EQ(InsertRefusal(R"({"table": "users", "rows": [{"values": {"email": {"string_value": ")" + long_email +
                          R"("}}}]})"),
            "insert.rows[0].values[\"email\"]: column `email` is VARCHAR(120): value is 121 characters long; the limit "
            "is 120");
}

TEST_F(PlannerTest, MissingAndNullValues) {
  EXPECT_EQ(
      InsertRefusal(R"({"table": "posts", "rows": [{"values": {"title": {"string_value": "t"}}}]})"),
      "insert.rows[0].values[\"author_id\"]: column `author_id` is not null and has no default: a value is required");
  EXPECT_EQ(InsertRefusal(R"({"table": "users", "rows": [{"values": {"email": {"null_value": null}}}]})"),
            "insert.rows[0].values[\"email\"]: column `email` is not null");
  EXPECT_EQ(InsertRefusal(R"({"table": "users", "rows": []})"), "insert.rows: at least one row is required");
  EXPECT_EQ(
      InsertRefusal(
          R"({"table": "users", "rows": [{"values": {"email": {"string_value": "a"}, "nick": {"string_value": "b"}}}]})"),
      "insert.rows[0].values[\"nick\"]: table `users` has no column `nick`");
  EXPECT_EQ(
      SelectRefusal(
          R"({"table": "users", "where": {"eq": {"left": {"column": {"name": "name"}}, "right": {"value": {"null_value": null}}}}})"),
      "select.where.eq.right.value: comparing with null matches nothing; use is_null / is_not_null");
}

TEST_F(PlannerTest, UpdateAndDeleteNeedAWhereOrAllRows) {
  EXPECT_EQ(UpdateRefusal(R"({"table": "users", "set": {"name": {"string_value": "x"}}})"),
            "update.where: an update without where changes every row; set all_rows to confirm");
  EXPECT_EQ(DeleteRefusal(R"({"table": "users"})"),
            "delete.where: a delete without where removes every row; set all_rows to confirm");
  EXPECT_TRUE(PlanDelete(schema_, FromJson<v1::Delete>(R"({"table": "users", "all_rows": true})"), "delete").ok());
  EXPECT_EQ(UpdateRefusal(R"({"table": "users", "set": {"active": {"int_value": "1"}}, "all_rows": true})"),
            "update.set[\"active\"]: column `active` is BOOLEAN and takes bool_value, not int_value");
}

TEST_F(PlannerTest, LikeNeedsText) {
  EXPECT_EQ(
      SelectRefusal(
          R"({"table": "users", "where": {"like": {"left": {"column": {"name": "id"}}, "right": {"value": {"string_value": "1%"}}}}})"),
      "select.where.like.left: like needs a text column; `id` is INTEGER");
}

TEST_F(PlannerTest, ValuesAreParametersNeverText) {
  auto planned = PlanSelect(
      schema_,
      FromJson<v1::Select>(
          R"({"table": "users", "where": {"eq": {"left": {"column": {"name": "email"}}, "right": {"value": {"string_value": "x'); DROP TABLE users; --"}}}}, "limit": "5"})"),
      "select");
  ASSERT_TRUE(planned.ok()) << planned.status();
  ASSERT_EQ(planned->params.size(), 2u);
  EXPECT_EQ(planned->params[0].string_value(), "x'); DROP TABLE users; --");
  EXPECT_EQ(planned->params[1].int_value(), 5);
  // The plan holds parameter indexes only.
  EXPECT_EQ(planned->plan.SerializeAsString().find("DROP"), std::string::npos);
}

TEST_F(PlannerTest, NamedPlaceholdersOnlyInPreparedStatements) {
  const std::string json = R"({"table": "users", "where": {"and": {"conditions": [
      {"eq": {"left": {"column": {"name": "email"}}, "right": {"param": "email"}}},
      {"in": {"left": {"column": {"name": "id"}}, "values": [{"param": "id"}, {"value": {"int_value": "3"}}]}}]}}})";
  EXPECT_EQ(SelectRefusal(json),
            "select.where.and.conditions[0].eq.right.param: named placeholders belong to "
            "prepared statements (QueryService.Prepare)");
  auto planned = PlanSelect(schema_, FromJson<v1::Select>(json), "select", true);
  ASSERT_TRUE(planned.ok()) << planned.status();
  ASSERT_EQ(planned->placeholders.size(), 2u);
  EXPECT_EQ(planned->placeholders.at("email").param, 0u);
  EXPECT_EQ(planned->placeholders.at("email").type.type(), v1::VARCHAR);
  EXPECT_EQ(planned->placeholders.at("id").type.type(), v1::INTEGER);
  EXPECT_EQ(planned->params.size(), 3u);
  // One name stands for one type.
  auto mixed = PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users", "where": {"or": {"conditions": [
      {"eq": {"left": {"column": {"name": "email"}}, "right": {"param": "x"}}},
      {"eq": {"left": {"column": {"name": "id"}}, "right": {"param": "x"}}}]}}})"),
                          "select", true);
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(PlannerTest, SubqueriesAndCommonTables) {
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "where": {"exists": {"table": "posts",
      "where": {"eq": {"left": {"column": {"name": "author_id"}}, "right": {"column": {"table": "nobody", "name": "id"}}}}}}})"),
            "select.where.exists.where.eq.right.column.table: unknown table `nobody` (this statement reads `posts`)");
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "where": {"in": {"left": {"column": {"name": "id"}},
      "subquery": {"table": "posts"}}}})"),
            "select.where.in.subquery.columns: this subquery must select exactly one column; it selects 9");
  EXPECT_EQ(
      SelectRefusal(
          R"({"table": "users", "where": {"in": {"left": {"column": {"name": "id"}}, "values": [{"value": {"int_value": "1"}}],
      "subquery": {"table": "posts", "columns": [{"expression": {"column": {"name": "id"}}}]}}}})"),
      "select.where.in.values: give values or a subquery, not both");
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "with": [{"name": "posts", "select": {"table": "users"}}]})"),
            "select.with[0].name: `posts` is a table of schema `shop`: name the WITH table otherwise");
  EXPECT_EQ(SelectRefusal(R"({"table": "both", "with": [{"name": "both", "select": {"table": "users",
      "joins": [{"type": "CROSS", "table": "posts"}]}}]})"),
            "select.with[0].select.columns: two result columns are named `id`: give one an alias");
  EXPECT_EQ(SelectRefusal(R"({"table": "x", "with": [{"name": "x", "select": {"table": "users"}}],
      "where": {"eq": {"left": {"column": {"name": "email"}}, "right": {"value": {"int_value": "3"}}}}})"),
            "select.where.eq.right.value: column `email` is VARCHAR(120) and takes string_value, not int_value");
  // A WITH table is visible only inside the select that declares it.
  EXPECT_EQ(
      SelectRefusal(
          R"({"table": "users", "where": {"exists": {"table": "x", "with": [{"name": "x", "select": {"table": "users"}}]}},
      "set_operations": [{"operator": "UNION", "select": {"table": "x"}}]})"),
      "select.set_operations[0].select.table: schema `shop` has no table `x`");
}

TEST_F(PlannerTest, Joins) {
  // No condition: every pair of rows (ON TRUE).
  auto unconditioned = PlanSelect(
      schema_, FromJson<v1::Select>(R"({"table": "users", "joins": [{"type": "LEFT", "table": "posts"}]})"), "select");
  ASSERT_TRUE(unconditioned.ok()) << unconditioned.status();
  EXPECT_EQ(unconditioned->plan.select().joins(0).on().literal().int_value(), 1);
  EXPECT_EQ(SelectRefusal(R"({"table": "users", "joins": [{"type": "CROSS", "table": "users"}]})"),
            "select.joins[0].alias: `users` names two tables of this statement: give one an alias");
  EXPECT_EQ(
      SelectRefusal(R"({"table": "users", "alias": "u", "columns": [{"expression": {"column": {"name": "id"}}}],
      "joins": [{"type": "LEFT", "table": "posts", "alias": "p", "on": {"eq": {"left": {"column": {"table": "p", "name": "author_id"}},
                                                                               "right": {"column": {"table": "u", "name": "id"}}}}}]})"),
      "select.columns[0].expression.column.table: column `id` is in more than one table (`u`, `p`): name its table");
  EXPECT_EQ(
      SelectRefusal(
          R"({"table": "users", "alias": "u", "columns": [{"expression": {"column": {"table": "users", "name": "id"}}}],
      "joins": [{"type": "CROSS", "table": "posts"}]})"),
      "select.columns[0].expression.column.table: unknown table `users` (this statement reads `u`, `posts`)");
}

}  // namespace
}  // namespace sluice
