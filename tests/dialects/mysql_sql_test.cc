// The SQL the MySQL plugin renders through the ABI (the real .so): backtick quoting, upserts,
// emulated NULLS ordering, and what MySQL lacks refused as UNIMPLEMENTED.
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

class MysqlSqlTest : public testing::DialectSqlTest {
 protected:
  MysqlSqlTest() : DialectSqlTest("mysql") {}
};

TEST_F(MysqlSqlTest, QuotingUpsertsAndOrdering) {
  EXPECT_EQ(Sql(PlanInsert(schema_, FromJson<v1::Insert>(R"({"table": "tags",
      "rows": [{"values": {"post_id": {"int_value": "1"}, "tag": {"string_value": "a"}}}], "on_conflict": {}})"),
                           "insert")),
            "INSERT INTO `tags` (`post_id`, `tag`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `post_id` = `post_id`");
  EXPECT_EQ(
      Sql(PlanSelect(schema_,
                     FromJson<v1::Select>(R"({"table": "users", "columns": [{"expression": {"column": {"name": "id"}}}],
      "order_by": [{"expression": {"column": {"name": "name"}}, "nulls": "NULLS_LAST"}], "offset": "2"})"),
                     "select")),
      "SELECT `id` AS `id` FROM `users` ORDER BY (`name` IS NULL) ASC, `name` ASC LIMIT 18446744073709551615 OFFSET ?");
}

TEST_F(MysqlSqlTest, ConcatAndCharacterLength) {
  EXPECT_EQ(Sql(PlanSelect(schema_, FromJson<v1::Select>(R"({"table": "users", "columns": [
      {"expression": {"arithmetic": {"operator": "CONCAT", "left": {"column": {"name": "email"}}, "right": {"value": {"string_value": "!"}}}}},
      {"expression": {"function": {"function": "LENGTH", "args": [{"column": {"name": "name"}}]}}},
      {"expression": {"arithmetic": {"operator": "DIVIDE", "left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "2"}}}}}]})"),
                           "select")),
            "SELECT CONCAT(`email`, ?) AS `concat`, char_length(`name`) AS `length`, (CAST(`id` AS double) / ?) AS "
            "`divide` FROM `users`");
}

// MariaDB has no LATERAL: related rows are correlated subqueries whose JSON_ARRAYAGG orders and
// limits them itself.
TEST_F(MysqlSqlTest, RelatedRowsAggregateInOrder) {
  auto find = PlanFind(schema_, FromJson<v1::Find>(R"({"table": "users", "columns": ["id"],
      "with": {"posts": {"columns": ["title", "cover"], "order_by": [{"expression": {"column": {"name": "id"}}, "descending": true}],
                         "limit": "2", "with": {"author": {"columns": ["email"]}}}}})"),
                       false, "");
  ASSERT_TRUE(find.ok()) << find.status();
  EXPECT_EQ(
      Sql(find->statement),
      "SELECT `users`.`id` AS `id`, (SELECT COALESCE(JSON_ARRAYAGG(JSON_ARRAY(`posts`.`title`, HEX(`posts`.`cover`), "
      "(SELECT JSON_ARRAY(`users_1`.`email`) FROM `users` AS `users_1` WHERE ((`users_1`.`id` = `posts`.`author_id`)) "
      "LIMIT 1)) "
      "ORDER BY `posts`.`id` DESC LIMIT ?), JSON_ARRAY()) FROM `posts` WHERE ((`posts`.`author_id` = `users`.`id`))) "
      "AS `posts` "
      "FROM `users`");
}

TEST_F(MysqlSqlTest, TablesAreInnoDbInUtf8mb4) {
  std::vector<std::string> ddl;
  for (const plan::Plan& p : PlanCreateSchema(schema_, false)) ddl.push_back(plugin_->Compile(p)->sql);
  EXPECT_EQ(ddl[3],
            "CREATE TABLE `tags` (`post_id` int NOT NULL, `tag` varchar(40) NOT NULL, PRIMARY KEY (`post_id`, `tag`), "
            "CONSTRAINT `tags_post_id_fkey` FOREIGN KEY (`post_id`) REFERENCES `posts` (`id`) ON DELETE CASCADE) "
            "ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci");
}

TEST_F(MysqlSqlTest, WhatMysqlLacksIsUnimplemented) {
  for (auto [type, array] : {std::pair{v1::INTERVAL, false}, std::pair{v1::TEXT, true}}) {
    v1::Schema s = ShopSchema();
    s.mutable_tables(2)->mutable_columns(1)->set_type(type);
    s.mutable_tables(2)->mutable_columns(1)->set_array(array);
    SchemaIndex schema(s);
    int refused = 0;
    for (const plan::Plan& p : PlanCreateSchema(schema, false)) {
      auto sql = plugin_->Compile(p);
      if (!sql.ok()) {
        ++refused;
        EXPECT_EQ(sql.status().code(), absl::StatusCode::kUnimplemented);
        EXPECT_THAT(std::string(sql.status().message()), ::testing::StartsWith("dialect mysql does not support"));
      }
    }
    EXPECT_EQ(refused, 1);
  }
  plan::Plan sequence;
  sequence.mutable_create_sequence()->set_name("s");
  EXPECT_EQ(plugin_->Compile(sequence).status().message(), "dialect mysql does not support sequences");
  // UPDATE ... RETURNING is left to the host's fallback.
  auto update = PlanUpdate(schema_, FromJson<v1::Update>(R"({"table": "users", "set": {"name": {"string_value": "x"}},
      "all_rows": true, "returning": ["id"]})"),
                           "update");
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(plugin_->Compile(update->plan).status().code(), absl::StatusCode::kUnimplemented);
  ASSERT_NE(update->returning_fallback, nullptr);
  EXPECT_EQ(Sql(update->returning_fallback->lock_keys), "SELECT `id` AS `id` FROM `users` FOR UPDATE");
  EXPECT_EQ(Sql(update->returning_fallback->update), "UPDATE `users` SET `name` = ?");
  EXPECT_EQ(Sql(update->returning_fallback->reread), "SELECT `id` FROM `users` WHERE ((`id` = ?))");
}

}  // namespace
}  // namespace sluice
