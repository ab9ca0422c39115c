// Schema diffs as each dialect writes them (through the real plugins): in-place changes on
// PostgreSQL and MySQL, a table rebuild on SQLite, what loses data, and rename hints.
#include "migrations/schema_diff.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/dialect_plugin.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FromJson;

constexpr char kBefore[] = R"({"name": "s", "tables": [{"name": "t", "columns": [
  {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
  {"name": "code", "type": "VARCHAR", "length": 10},
  {"name": "n", "type": "BIGINT", "not_null": true}]}]})";

// code: VARCHAR(10) → (5), NOT NULL, with a default; n: BIGINT → INTEGER; an index.
constexpr char kAfter[] = R"({"name": "s", "tables": [{"name": "t", "columns": [
  {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
  {"name": "code", "type": "VARCHAR", "length": 5, "not_null": true, "default": {"value": {"string_value": "x"}}},
  {"name": "n", "type": "INTEGER", "not_null": true}],
  "indexes": [{"columns": ["code"]}]}]})";

class SchemaDiffTest : public ::testing::Test {
 protected:
  std::vector<std::string> Sql(const std::string& dialect, const std::string& before, const std::string& after,
                               std::vector<v1::RenameHint> renames = {}) {
    auto plugin = DialectPlugin::Load("dialects/" + dialect + "/libsluice_" + dialect + ".so");
    EXPECT_TRUE(plugin.ok()) << plugin.status();
    DialectTraits traits;
    traits.alter_in_place = (*plugin)->Has(SLUICE_CAP_ALTER_TABLE);
    traits.enum_types = (*plugin)->Has(SLUICE_CAP_ENUM_TYPES);
    auto diff = DiffSchemas(FromJson<v1::Schema>(before), FromJson<v1::Schema>(after), renames, traits);
    EXPECT_TRUE(diff.ok()) << diff.status();
    if (!diff.ok()) return {};
    diff_ = *diff;
    std::vector<std::string> out;
    for (const plan::Plan& p : diff->plans) {
      auto sql = (*plugin)->Compile(p);
      EXPECT_TRUE(sql.ok()) << sql.status();
      if (sql.ok() && !sql->sql.empty()) out.push_back(sql->sql);
    }
    return out;
  }
  std::vector<std::string> Losses() const {
    std::vector<std::string> out;
    for (const DataLoss& l : diff_.losses) out.push_back(l.description);
    return out;
  }
  SchemaDiff diff_;
};

TEST_F(SchemaDiffTest, PostgresAltersInPlace) {
  EXPECT_THAT(
      Sql("postgres", kBefore, kAfter),
      ElementsAre("ALTER TABLE \"t\" ALTER COLUMN \"code\" TYPE varchar(5) USING \"code\"::varchar(5), ALTER COLUMN "
                  "\"code\" SET NOT NULL, ALTER COLUMN \"code\" SET DEFAULT 'x'",
                  "ALTER TABLE \"t\" ALTER COLUMN \"n\" TYPE integer USING \"n\"::integer",
                  "CREATE INDEX \"t_code_idx\" ON \"t\" (\"code\")"));
  EXPECT_THAT(Losses(), ElementsAre("change the type of `t.code` to one that may not hold its values",
                                    "make `t.code` NOT NULL (rows holding null fail)",
                                    "change the type of `t.n` to one that may not hold its values"));
}

TEST_F(SchemaDiffTest, MysqlModifiesColumns) {
  EXPECT_THAT(
      Sql("mysql", kBefore, kAfter),
      ElementsAre("ALTER TABLE `t` MODIFY COLUMN `code` varchar(5) NOT NULL DEFAULT 'x'",
                  "ALTER TABLE `t` MODIFY COLUMN `n` int NOT NULL", "CREATE INDEX `t_code_idx` ON `t` (`code`)"));
}

TEST_F(SchemaDiffTest, SqliteRebuildsTheTable) {
  EXPECT_THAT(
      Sql("sqlite", kBefore, kAfter),
      ElementsAre("PRAGMA defer_foreign_keys = ON",
                  "CREATE TABLE \"__sluice_old_t\" AS SELECT \"id\", \"code\", \"n\" FROM \"t\"", "DROP TABLE \"t\"",
                  "CREATE TABLE \"t\" (\"id\" INTEGER PRIMARY KEY NOT NULL, \"code\" VARCHAR(5) NOT NULL "
                  "DEFAULT 'x', \"n\" INTEGER NOT NULL)",
                  "INSERT INTO \"t\" (\"id\", \"code\", \"n\") SELECT \"id\", \"code\", \"n\" FROM \"__sluice_old_t\"",
                  "DROP TABLE \"__sluice_old_t\"", "CREATE INDEX \"t_code_idx\" ON \"t\" (\"code\")"));
  // A nullable column added, and an index: no rebuild.
  EXPECT_THAT(Sql("sqlite", kBefore, R"({"name": "s", "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
      {"name": "code", "type": "VARCHAR", "length": 10}, {"name": "n", "type": "BIGINT", "not_null": true},
      {"name": "extra", "type": "TEXT"}], "indexes": [{"columns": ["n"]}]}]})"),
              ElementsAre("ALTER TABLE \"t\" ADD COLUMN \"extra\" TEXT", "CREATE INDEX \"t_n_idx\" ON \"t\" (\"n\")"));
}

TEST_F(SchemaDiffTest, RenamesOnlyFromHints) {
  const std::string after = R"({"name": "s", "tables": [{"name": "u", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
      {"name": "label", "type": "VARCHAR", "length": 10}, {"name": "n", "type": "BIGINT", "not_null": true}]}]})";
  EXPECT_THAT(
      Sql("postgres", kBefore, after),
      ElementsAre(
          "CREATE TABLE \"u\" (\"id\" integer PRIMARY KEY NOT NULL, \"label\" varchar(10), \"n\" bigint NOT NULL)",
          "DROP TABLE \"t\""));
  EXPECT_THAT(diff_.ambiguous, ElementsAre("table `t` dropped and `u` added: a rename? (if so: --rename-table t=u)"));
  EXPECT_THAT(Losses(), ElementsAre("drop table `t`"));
  std::vector<v1::RenameHint> hints(2);
  hints[0].set_from_table("t");
  hints[0].set_table("u");
  hints[1].set_table("u");
  hints[1].set_from_column("code");
  hints[1].set_to_column("label");
  EXPECT_THAT(
      Sql("postgres", kBefore, after, hints),
      ElementsAre("ALTER TABLE \"t\" RENAME TO \"u\"", "ALTER TABLE \"u\" RENAME COLUMN \"code\" TO \"label\""));
  EXPECT_THAT(diff_.ambiguous, ElementsAre());
  EXPECT_THAT(Losses(), ElementsAre());
  hints[1].set_from_column("nope");
  auto bad = DiffSchemas(FromJson<v1::Schema>(kBefore), FromJson<v1::Schema>(after), hints, {});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

// A policy over a renamed column is dropped before the rename and created after it; a changed
// grant revokes what goes and grants what comes; an unchanged policy stays.
TEST_F(SchemaDiffTest, PoliciesMoveAroundTheColumnsTheyRead) {
  const std::string before = R"({"name": "s", "roles": [{"name": "r"}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}, {"name": "code", "type": "TEXT"}],
    "policies": [{"name": "by_code", "using": {"eq": {"left": {"column": {"name": "code"}}, "right": {"claim": "c"}}}},
                 {"name": "ids", "command": "SELECT", "to": ["r"], "using": {"is_not_null": {"column": {"name": "id"}}}}],
    "grants": [{"privileges": ["SELECT", "UPDATE"], "to": ["r"]}]}]})";
  const std::string after = R"({"name": "s", "roles": [{"name": "r"}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}, {"name": "label", "type": "TEXT"}],
    "policies": [{"name": "by_code", "using": {"eq": {"left": {"column": {"name": "label"}}, "right": {"claim": "c"}}}},
                 {"name": "ids", "command": "SELECT", "to": ["r"], "using": {"is_not_null": {"column": {"name": "id"}}}}],
    "grants": [{"privileges": ["SELECT", "INSERT"], "to": ["r"]}]}]})";
  std::vector<v1::RenameHint> hints(1);
  hints[0].set_table("t");
  hints[0].set_from_column("code");
  hints[0].set_to_column("label");
  EXPECT_THAT(Sql("postgres", before, after, hints),
              ElementsAre("DROP POLICY \"by_code\" ON \"t\"", "ALTER TABLE \"t\" RENAME COLUMN \"code\" TO \"label\"",
                          "REVOKE UPDATE ON \"t\" FROM \"r\"", "GRANT INSERT ON \"t\" TO \"r\"",
                          "CREATE POLICY \"by_code\" ON \"t\" AS PERMISSIVE FOR ALL TO PUBLIC USING ((\"label\" = "
                          "(nullif(current_setting('request.claims', true), '')::json ->> 'c')))"));
  // `public` beside a role is every role: TO PUBLIC.
  const std::string everyone = R"({"name": "s", "roles": [{"name": "r"}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}],
    "policies": [{"name": "all", "command": "SELECT", "to": ["r", "public"], "using": {"is_not_null": {"column": {"name": "id"}}}}]}]})";
  const std::string bare = R"({"name": "s", "roles": [{"name": "r"}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}]}]})";
  EXPECT_THAT(
      Sql("postgres", bare, everyone),
      ElementsAre("ALTER TABLE \"t\" ENABLE ROW LEVEL SECURITY",
                  "CREATE POLICY \"all\" ON \"t\" AS PERMISSIVE FOR SELECT TO PUBLIC USING ((\"id\" IS NOT NULL))"));
  // Row-level security goes off with the last policy.
  const std::string open = R"({"name": "s", "roles": [{"name": "r"}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}, {"name": "code", "type": "TEXT"}]}]})";
  EXPECT_THAT(Sql("postgres", before, open),
              ElementsAre("DROP POLICY \"by_code\" ON \"t\"", "DROP POLICY \"ids\" ON \"t\"",
                          "ALTER TABLE \"t\" DISABLE ROW LEVEL SECURITY", "REVOKE SELECT, UPDATE ON \"t\" FROM \"r\""));
}

TEST_F(SchemaDiffTest, EnumsChangeByDialect) {
  const std::string before =
      R"({"name": "s", "enums": [{"name": "mood", "values": ["sad", "ok"]}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}, {"name": "m", "type": "ENUM", "enum_name": "mood"}]}]})";
  const std::string after =
      R"({"name": "s", "enums": [{"name": "mood", "values": ["sad", "ok", "happy"]}], "tables": [{"name": "t", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}, {"name": "m", "type": "ENUM", "enum_name": "mood"}]}]})";
  EXPECT_THAT(Sql("postgres", before, after), ElementsAre("ALTER TYPE \"mood\" ADD VALUE 'happy'"));
  EXPECT_THAT(Sql("mysql", before, after), ElementsAre("ALTER TABLE `t` MODIFY COLUMN `m` enum('sad', 'ok', 'happy')"));
  // Removing a value: PostgreSQL cannot.
  DialectTraits pg;
  pg.enum_types = true;
  auto removed = DiffSchemas(FromJson<v1::Schema>(after), FromJson<v1::Schema>(before), {}, pg);
  EXPECT_EQ(removed.status().code(), absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace sluice
