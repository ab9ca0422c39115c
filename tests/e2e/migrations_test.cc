// Migrations end to end on each dialect: a schema evolves version by version (generate diffs
// against the last snapshot, migrate applies them, the rows survive), renames come only from
// hints, destructive steps are listed, and a migrations folder is checked.
#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/sluice_test.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/proto_json.h"
#include "tests/support/status_details.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FieldPaths;
using testing::FromJson;
using ::testing::HasSubstr;

constexpr char kV1[] = R"({"name": "inventory", "tables": [
  {"name": "warehouses", "columns": [
    {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
    {"name": "name", "type": "VARCHAR", "length": 50, "not_null": true}]},
  {"name": "items", "columns": [
    {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
    {"name": "sku", "type": "VARCHAR", "length": 20, "not_null": true},
    {"name": "label", "type": "TEXT"},
    {"name": "qty", "type": "INTEGER", "not_null": true, "default": {"value": {"int_value": "0"}}},
    {"name": "warehouse_id", "type": "INTEGER", "references": {"table": "warehouses", "column": "id"}}],
   "indexes": [{"columns": ["warehouse_id"]}]}]})";

// warehouses → depots (name → title), items.sku wider, items.label dropped, price and note added,
// a unique sku, a check on qty, a new table.
constexpr char kV2[] = R"({"name": "inventory", "tables": [
  {"name": "depots", "columns": [
    {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
    {"name": "title", "type": "VARCHAR", "length": 50, "not_null": true}]},
  {"name": "items", "columns": [
    {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
    {"name": "sku", "type": "VARCHAR", "length": 40, "not_null": true},
    {"name": "qty", "type": "INTEGER", "not_null": true, "default": {"value": {"int_value": "0"}}},
    {"name": "warehouse_id", "type": "INTEGER", "references": {"table": "depots", "column": "id"}},
    {"name": "price", "type": "DECIMAL", "precision": 10, "scale": 2, "not_null": true, "default": {"value": {"decimal_value": "0.00"}}},
    {"name": "note", "type": "TEXT"}],
   "uniques": [{"columns": ["sku"]}],
   "checks": [{"name": "items_qty_not_negative", "condition": {"gte": {"left": {"column": {"name": "qty"}}, "right": {"value": {"int_value": "0"}}}}}],
   "indexes": [{"columns": ["warehouse_id"]}]},
  {"name": "suppliers", "columns": [
    {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
    {"name": "name", "type": "TEXT", "not_null": true}]}]})";

constexpr char kRenames[] = R"([{"from_table": "warehouses", "table": "depots"},
                                {"table": "depots", "from_column": "name", "to_column": "title"}])";

class Migrations : public testing::DialectsTest {
 protected:
  Migrations() : DialectsTest({"--allow-raw-sql"}) {}

  // The tables of the live database (whatever the registered schema says).
  std::vector<std::string> LiveTables() {
    v1::PullResponse pulled;
    EXPECT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), v1::PullRequest(), &pulled).ok())
        << last_.error_message();
    std::vector<std::string> names;
    for (const auto& t : pulled.schema().tables()) names.push_back(t.name());
    std::sort(names.begin(), names.end());
    return names;
  }
  void Register(const std::string& schema) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(schema);
    v1::RegisterSchemaResponse response;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response).ok())
        << last_.error_message();
  }
  v1::GenerateResponse Generate(const std::string& extra = "") {
    v1::GenerateResponse response;
    Call(&v1::MigrationService::Stub::Generate, migrations_.get(),
         FromJson<v1::GenerateRequest>(absl::StrCat(R"({"target": {"schema": "inventory"})", extra, "}")), &response);
    return response;
  }
  v1::PushResponse Push(const std::string& extra = "") {
    v1::PushResponse response;
    Call(&v1::MigrationService::Stub::Push, migrations_.get(),
         FromJson<v1::PushRequest>(absl::StrCat(R"({"target": {"schema": "inventory"})", extra, "}")), &response);
    return response;
  }
  // The statements Push would run for `schema` (a dry run).
  std::vector<std::string> WouldPush(const std::string& schema) {
    v1::PushRequest request;
    request.mutable_target()->set_schema(schema);
    request.set_dry_run(true);
    v1::PushResponse response;
    EXPECT_TRUE(Call(&v1::MigrationService::Stub::Push, migrations_.get(), request, &response).ok())
        << last_.error_message();
    return {response.statements().begin(), response.statements().end()};
  }
  v1::StatusResponse Status(const std::string& schema) {
    v1::StatusRequest request;
    request.mutable_target()->set_schema(schema);
    v1::StatusResponse response;
    EXPECT_TRUE(Call(&v1::MigrationService::Stub::Status, migrations_.get(), request, &response).ok())
        << last_.error_message();
    return response;
  }
  std::vector<std::string> Migrate(const v1::Migration& migration) {
    v1::MigrateRequest request;
    request.mutable_target()->set_schema("inventory");
    *request.add_migrations() = migration;
    v1::MigrateResponse response;
    Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &response);
    return {response.applied().begin(), response.applied().end()};
  }
  v1::QueryResult Query(grpc::Status (v1::QueryService::Stub::*method)(grpc::ClientContext*, const v1::SelectRequest&,
                                                                       v1::QueryResult*),
                        const std::string& json) {
    v1::QueryResult result;
    Call(method, queries_.get(), FromJson<v1::SelectRequest>(json), &result);
    return result;
  }
  grpc::Status Insert(const std::string& table, const std::string& values) {
    v1::QueryResult result;
    return Call(&v1::QueryService::Stub::Insert, queries_.get(),
                FromJson<v1::InsertRequest>(absl::StrCat(R"({"target": {"schema": "inventory"}, "insert": {"table": ")",
                                                         table, R"(", "rows": [{"values": )", values, "}]}}")),
                &result);
  }
  std::vector<std::string> Rows(const std::string& table, const std::vector<std::string>& columns) {
    std::vector<std::string> items;
    for (const auto& c : columns)
      items.push_back(absl::StrCat(R"({"expression": {"column": {"name": ")", c, R"("}}})"));
    v1::QueryResult r;
    Call(&v1::QueryService::Stub::Select, queries_.get(),
         FromJson<v1::SelectRequest>(absl::StrCat(R"({"target": {"schema": "inventory"}, "select": {"table": ")", table,
                                                  R"(", "columns": [)", absl::StrJoin(items, ", "),
                                                  R"(], "order_by": [{"expression": {"column": {"name": "id"}}}]}})")),
         &r);
    EXPECT_TRUE(last_.ok()) << last_.error_message();
    std::vector<std::string> out;
    for (const auto& row : r.rows()) {
      std::vector<std::string> values;
      for (const auto& v : row.values()) values.push_back(testing::ToJson(v));
      out.push_back(absl::StrJoin(values, " "));
    }
    return out;
  }
};

TEST_P(Migrations, TheSchemaEvolvesAndTheRowsSurvive) {
  Register(kV1);
  v1::GenerateResponse first = Generate();
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(first.migration().name(), "0000_initial_v1");
  EXPECT_EQ(first.migration().parent(), "");
  EXPECT_THAT(Migrate(first.migration()), ElementsAre("0000_initial_v1"));
  ASSERT_TRUE(Insert("warehouses", R"({"id": {"int_value": "1"}, "name": {"string_value": "North"}})").ok())
      << last_.error_message();
  ASSERT_TRUE(
      Insert("items", R"({"id": {"int_value": "1"}, "sku": {"string_value": "A1"}, "label": {"string_value": "old"},
                                  "qty": {"int_value": "5"}, "warehouse_id": {"int_value": "1"}})")
          .ok());
  ASSERT_TRUE(Insert("items",
                     R"({"id": {"int_value": "2"}, "sku": {"string_value": "B2"}, "warehouse_id": {"int_value": "1"}})")
                  .ok());

  Register(kV2);
  // Without hints, renames are not guessed: they show as drops with adds beside them, and a
  // migration that loses data is refused unless allowed, naming the flags that explain a rename.
  Generate();
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ErrorInfo(last_, "reason"), "DATA_LOSS");
  EXPECT_THAT(last_.error_message(), HasSubstr("nothing was generated"));
  EXPECT_THAT(last_.error_message(), HasSubstr("drop table `warehouses`"));
  EXPECT_THAT(last_.error_message(), HasSubstr("(if so: --rename-table warehouses=depots)"));
  EXPECT_THAT(last_.error_message(), HasSubstr("(if so: --rename-column items.label=price)"));
  v1::GenerateResponse guessed = Generate(R"(, "allow_data_loss": true)");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(guessed.ambiguous(),
              ElementsAre("table `warehouses` dropped and `depots` added: a rename? (if so: --rename-table "
                          "warehouses=depots)",
                          "table `warehouses` dropped and `suppliers` added: a rename? (if so: --rename-table "
                          "warehouses=suppliers)",
                          "column `items.label` dropped and `price` added: a rename? (if so: --rename-column "
                          "items.label=price)",
                          "column `items.label` dropped and `note` added: a rename? (if so: --rename-column "
                          "items.label=note)"));
  EXPECT_THAT(guessed.data_loss(), ::testing::Contains("drop table `warehouses`"));

  v1::GenerateResponse second = Generate(absl::StrCat(R"(, "allow_data_loss": true, "renames": )", kRenames));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(second.migration().name(), "0001_changes_v2");
  EXPECT_FALSE(second.migration().parent().empty());  // the hash of the first one's snapshot
  EXPECT_THAT(second.ambiguous(),
              ElementsAre("column `items.label` dropped and `price` added: a rename? (if so: --rename-column "
                          "items.label=price)",
                          "column `items.label` dropped and `note` added: a rename? (if so: --rename-column "
                          "items.label=note)"));
  EXPECT_THAT(second.data_loss(), ElementsAre("drop column `items.label`"));
  EXPECT_THAT(Migrate(second.migration()), ElementsAre("0001_changes_v2")) << last_.error_message();

  // The rows kept their values under the new names; new columns took their defaults.
  EXPECT_THAT(Rows("depots", {"id", "title"}), ElementsAre(R"({"int_value":"1"} {"string_value":"North"})"));
  EXPECT_THAT(
      Rows("items", {"id", "sku", "qty", "warehouse_id", "price", "note"}),
      ElementsAre(
          R"({"int_value":"1"} {"string_value":"A1"} {"int_value":"5"} {"int_value":"1"} {"decimal_value":"0.00"} {"null_value":null})",
          R"({"int_value":"2"} {"string_value":"B2"} {"int_value":"0"} {"int_value":"1"} {"decimal_value":"0.00"} {"null_value":null})"));
  // The new constraints hold.
  EXPECT_EQ(Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "A1"}})").error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "C3"}, "qty": {"int_value": "-1"}})")
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Insert("items",
                   R"({"id": {"int_value": "3"}, "sku": {"string_value": "C3"}, "warehouse_id": {"int_value": "9"}})")
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(
      Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "a-sku-longer-than-twenty"}})").ok())
      << last_.error_message();
  EXPECT_TRUE(Insert("suppliers", R"({"id": {"int_value": "1"}, "name": {"string_value": "Acme"}})").ok())
      << last_.error_message();

  // Nothing left to do.
  v1::GenerateResponse again = Generate();
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(again.migration().statements(), ElementsAre());
  // The folder of both migrations is sound; edited or branched, it is not.
  v1::CheckRequest check;
  *check.add_migrations() = first.migration();
  *check.add_migrations() = second.migration();
  v1::CheckResponse checked;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Check, migrations_.get(), check, &checked).ok());
  EXPECT_THAT(checked.problems(), ElementsAre());
  check.mutable_migrations(1)->set_statements(0, "DROP TABLE items");
  *check.add_migrations() = second.migration();
  check.mutable_migrations(2)->set_name("0001_other_branch");
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Check, migrations_.get(), check, &checked).ok());
  ASSERT_EQ(checked.problems_size(), 2);
  EXPECT_THAT(checked.problems(0), HasSubstr("`0001_changes_v2` was edited"));
  EXPECT_THAT(checked.problems(1), HasSubstr("`0001_changes_v2` and `0001_other_branch` both follow snapshot"));

  v1::StatusRequest status_request;
  status_request.mutable_target()->set_schema("inventory");
  *status_request.add_migrations() = first.migration();
  *status_request.add_migrations() = second.migration();
  v1::Migration third = second.migration();
  third.set_name("0002_next");
  *status_request.add_migrations() = third;
  v1::StatusResponse status;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Status, migrations_.get(), status_request, &status).ok());
  EXPECT_THAT(status.pending(), ElementsAre("0002_next"));
  EXPECT_FALSE(status.dirty());
  ASSERT_EQ(status.applied_size(), 2);
  EXPECT_EQ(status.applied(1).hash(), second.migration().hash());
}

// A rich schema (enums, decimals, JSON, UUIDs, bytes, timestamps, composite keys, cascades,
// unique indexes, checks, many-to-many) created by migrations reads back as it was registered.
TEST_P(Migrations, PullReadsBackWhatMigrateCreated) {
  for (const char* file : {"examples/shop.schema.json", "examples/blog.schema.json"}) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(testing::ReadFile(file));
    v1::RegisterSchemaResponse registered;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
        << last_.error_message();
    v1::MigrateResponse migrated;
    ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                     FromJson<v1::MigrateRequest>(
                         absl::StrCat(R"({"target": {"schema": ")", request.schema().name(), R"("}})")),
                     &migrated)
                    .ok())
        << last_.error_message();
    // Push finds nothing to do, Status no drift: the live schema is the registered one.
    EXPECT_THAT(WouldPush(request.schema().name()), ElementsAre()) << request.schema().name();
    EXPECT_THAT(Status(request.schema().name()).drift(), ElementsAre());
  }
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), FromJson<v1::PullRequest>("{}"), &pulled).ok())
      << last_.error_message();
  std::map<std::string, const v1::Table*> tables;
  for (const auto& t : pulled.schema().tables()) tables[t.name()] = &t;
  std::vector<std::string> names;
  for (const auto& [name, t] : tables) names.push_back(name);
  EXPECT_THAT(names,
              ElementsAre("article_topics", "articles", "authors", "comments", "posts", "tags", "topics", "users"));
  auto column = [&](const std::string& table, const std::string& name) -> v1::Column {
    for (const auto& c : tables.at(table)->columns()) {
      if (c.name() == name) return c;
    }
    ADD_FAILURE() << table << "." << name;
    return {};
  };
  std::vector<std::string> users;
  for (const auto& c : tables.at("users")->columns()) users.push_back(c.name());
  EXPECT_THAT(users, ElementsAre("id", "email", "name", "role", "balance", "active", "created_at"));
  const v1::Column id = column("users", "id");
  EXPECT_TRUE(id.primary_key());
  EXPECT_TRUE(id.auto_increment());
  const v1::Column email = column("users", "email");
  EXPECT_EQ(email.type(), v1::VARCHAR);
  EXPECT_EQ(email.length(), 120u);
  EXPECT_TRUE(email.not_null());
  EXPECT_TRUE(email.unique());
  const v1::Column balance = column("users", "balance");
  EXPECT_EQ(balance.type(), v1::DECIMAL);
  EXPECT_EQ(balance.precision(), 10u);
  EXPECT_EQ(balance.scale(), 2u);
  EXPECT_EQ(balance.default_().value().decimal_value(), "0.00");
  EXPECT_TRUE(column("users", "active").default_().value().bool_value());
  EXPECT_EQ(column("users", "created_at").default_().function(), v1::ColumnDefault::NOW);
  EXPECT_EQ(column("posts", "public_id").default_().function(), v1::ColumnDefault::RANDOM_UUID);
  const v1::Column role = column("users", "role");
  EXPECT_EQ(role.type(), v1::ENUM);
  EXPECT_EQ(role.default_().value().string_value(), "customer");
  for (const auto& e : pulled.schema().enums()) {
    if (e.name() == role.enum_name()) {
      EXPECT_THAT(e.values(), ElementsAre("customer", "admin"));
    }
  }
  EXPECT_EQ(column("posts", "rating").type(), v1::DOUBLE);
  EXPECT_EQ(column("posts", "published_on").type(), v1::DATE);
  EXPECT_EQ(column("posts", "cover").type(), v1::BYTES);
  EXPECT_EQ(column("authors", "joined_at").type(), v1::TIMESTAMPTZ);
  // What a dialect stores as another type reads back as that type (SQLite keeps JSON and UUIDs as
  // TEXT), but a column whose default makes UUIDs is a UUID column.
  EXPECT_EQ(column("posts", "metadata").type(), GetParam() == "sqlite" ? v1::TEXT : v1::JSON);
  EXPECT_EQ(column("posts", "public_id").type(), v1::UUID);
  const v1::Column author = column("posts", "author_id");
  EXPECT_EQ(author.references().table(), "users");
  EXPECT_EQ(author.references().column(), "id");
  EXPECT_EQ(author.references().on_delete(), v1::CASCADE);
  EXPECT_THAT(tables.at("tags")->primary_key(), ElementsAre("post_id", "tag"));
  EXPECT_THAT(tables.at("article_topics")->primary_key(), ElementsAre("article_id", "topic_id"));
  ASSERT_EQ(tables.at("users")->checks_size(), 1);
  EXPECT_EQ(tables.at("users")->checks(0).name(), "users_balance_not_negative");
  EXPECT_THAT(tables.at("users")->checks(0).sql(), HasSubstr("balance"));
  EXPECT_EQ(tables.at("users")->checks(0).condition().gte().left().column().name(), "balance");
  std::vector<std::string> indexes;
  for (const auto& i : tables.at("posts")->indexes())
    indexes.push_back(absl::StrCat(i.name(), i.unique() ? " unique" : ""));
  for (const auto& u : tables.at("posts")->uniques()) indexes.push_back(u.name() + " unique");  // MySQL's reading
  std::sort(indexes.begin(), indexes.end());
  EXPECT_THAT(indexes, ElementsAre("", "posts_title_per_author unique"));  // "": the default name, posts_author_id_idx

  // The round trip: what pull wrote registers as it is, and push finds nothing to do for it.
  v1::RegisterSchemaRequest again;
  *again.mutable_schema() = pulled.schema();
  again.mutable_schema()->set_name("pulled");
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), again, &registered).ok())
      << last_.error_message();
  EXPECT_THAT(WouldPush("pulled"), ElementsAre());
}

// Enum labels are read back exactly, whatever they hold: no drift, nothing to push, and every
// label round-trips as a value.
TEST_P(Migrations, EnumLabelsWithQuotesBackslashesAndCommasReadBackExactly) {
  const std::vector<std::string> labels = {"plain", "say \"hi\"", "back\\slash", "a,b",
                                           "it's",  "{x}",        "NULL",        "  leading"};
  v1::Schema schema = FromJson<v1::Schema>(R"({"name": "labels", "tables": [{"name": "things", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
      {"name": "mood", "type": "ENUM", "enum_name": "mood"}]}]})");
  auto* mood = schema.add_enums();
  mood->set_name("mood");
  for (const auto& label : labels) mood->add_values(label);
  RegisterAndMigrate(testing::ToJson(schema));
  EXPECT_THAT(WouldPush("labels"), ElementsAre());
  EXPECT_THAT(Status("labels").drift(), ElementsAre());
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), FromJson<v1::PullRequest>("{}"), &pulled).ok())
      << last_.error_message();
  std::string enum_name;  // the enum of the pulled things.mood (MySQL and SQLite name it after the column)
  for (const auto& t : pulled.schema().tables()) {
    for (const auto& c : t.columns()) {
      if (t.name() == "things" && c.name() == "mood") enum_name = c.enum_name();
    }
  }
  std::vector<std::string> read_back;
  for (const auto& e : pulled.schema().enums()) {
    if (e.name() == enum_name) read_back.assign(e.values().begin(), e.values().end());
  }
  EXPECT_EQ(read_back, labels) << enum_name;
  v1::InsertRequest insert =
      FromJson<v1::InsertRequest>(R"({"target": {"schema": "labels"}, "insert": {"table": "things"}})");
  for (size_t i = 0; i < labels.size(); ++i) {
    auto& values = *insert.mutable_insert()->add_rows()->mutable_values();
    values["id"].set_int_value(static_cast<int64_t>(i));
    values["mood"].set_string_value(labels[i]);
  }
  insert.mutable_insert()->add_returning("mood");
  v1::QueryResult inserted;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Insert, queries_.get(), insert, &inserted).ok()) << last_.error_message();
  std::vector<std::string> stored;
  for (const auto& row : inserted.rows()) stored.push_back(row.values(0).string_value());
  EXPECT_EQ(stored, labels);
  if (GetParam() == "mysql") {  // MySQL would store `x` for `x `: refused rather than changed
    v1::Schema trailing = schema;
    trailing.set_name("trailing");
    trailing.mutable_enums(0)->add_values("trailing ");
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = trailing;
    v1::RegisterSchemaResponse registered;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok());
    v1::MigrateResponse migrated;
    EXPECT_FALSE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                      FromJson<v1::MigrateRequest>(R"({"target": {"schema": "trailing"}})"), &migrated)
                     .ok());
    EXPECT_THAT(last_.error_message(), HasSubstr("removes the trailing spaces of enum labels: `trailing `"));
  }
}

TEST_P(Migrations, PushRefusesDataLossAndTakesRenameHints) {
  Register(kV1);
  v1::PushResponse created = Push();
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_TRUE(created.applied());
  EXPECT_EQ(created.statements_size(), GetParam() == "mysql" ? 3 : 3);
  ASSERT_TRUE(Insert("warehouses", R"({"id": {"int_value": "1"}, "name": {"string_value": "North"}})").ok())
      << last_.error_message();
  ASSERT_TRUE(
      Insert("items", R"({"id": {"int_value": "1"}, "sku": {"string_value": "A1"}, "label": {"string_value": "old"},
                                  "warehouse_id": {"int_value": "1"}})")
          .ok())
      << last_.error_message();
  ASSERT_TRUE(Insert("items",
                     R"({"id": {"int_value": "2"}, "sku": {"string_value": "B2"}, "warehouse_id": {"int_value": "1"}})")
                  .ok());

  Register(kV2);
  // Without hints: a drop of a table with a row, refused; nothing changes.
  Push();
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(last_.error_message(), HasSubstr("drop table `warehouses`: 1 row"));
  EXPECT_THAT(last_.error_message(), HasSubstr("drop column `items.label`: 1 row"));
  EXPECT_THAT(LiveTables(), ElementsAre("items", "warehouses"));
  // With the hints only the dropped label remains at stake.
  v1::PushResponse dry = Push(absl::StrCat(R"(, "dry_run": true, "renames": )", kRenames));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(dry.data_loss(), ElementsAre("drop column `items.label`: 1 row"));
  EXPECT_FALSE(dry.applied());
  Push(absl::StrCat(R"(, "renames": )", kRenames));
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  v1::PushResponse applied = Push(absl::StrCat(R"(, "allow_data_loss": true, "renames": )", kRenames));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_TRUE(applied.applied());
  EXPECT_THAT(Rows("depots", {"id", "title"}), ElementsAre(R"({"int_value":"1"} {"string_value":"North"})"));
  EXPECT_THAT(Rows("items", {"id", "sku", "qty"}),
              ElementsAre(R"({"int_value":"1"} {"string_value":"A1"} {"int_value":"0"})",
                          R"({"int_value":"2"} {"string_value":"B2"} {"int_value":"0"})"));
  EXPECT_THAT(Status("inventory").drift(), ElementsAre());
  ASSERT_TRUE(Insert("suppliers", R"({"id": {"int_value": "1"}, "name": {"string_value": "Acme"}})").ok());

  // The other destructive steps, each listed with its rows: a narrower type, NOT NULL without a
  // default on a table with rows, a dropped table.
  std::string v3 = kV2;
  v3 = absl::StrReplaceAll(
      v3, {{R"("length": 40)", R"("length": 10)"},
           {R"({"name": "note", "type": "TEXT"})",
            R"({"name": "note", "type": "TEXT"}, {"name": "code", "type": "TEXT", "not_null": true})"}});
  v3 = v3.substr(0, v3.find(R"(,
  {"name": "suppliers")")) +
       "]}";
  Register(v3);
  Push();
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(last_.error_message(),
              HasSubstr("change the type of `items.sku` to one that may not hold its values: 2 rows"));
  EXPECT_THAT(last_.error_message(),
              HasSubstr("add `items.code` NOT NULL without a default (fails on a table with rows): 2 rows"));
  EXPECT_THAT(last_.error_message(), HasSubstr("drop table `suppliers`: 1 row"));
  EXPECT_THAT(LiveTables(), ElementsAre("depots", "items", "suppliers"));
  EXPECT_THAT(Status("inventory").drift(), ::testing::Not(ElementsAre()));  // the database lags the schema
}

// A referenced table whose rows are referenced changes (on SQLite: a rebuild): the children keep
// their rows and their foreign key.
TEST_P(Migrations, ChangingAReferencedTableKeepsItsChildren) {
  Register(kV1);
  ASSERT_TRUE(Push().applied()) << last_.error_message();
  v1::QueryResult result;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
      "target": {"schema": "inventory"}, "insert": {"table": "warehouses",
      "rows": [{"values": {"id": {"int_value": "1"}, "name": {"string_value": "north"}}}]}})"),
                   &result)
                  .ok())
      << last_.error_message();
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
      "target": {"schema": "inventory"}, "insert": {"table": "items",
      "rows": [{"values": {"id": {"int_value": "1"}, "sku": {"string_value": "a"}, "warehouse_id": {"int_value": "1"}}}]}})"),
                   &result)
                  .ok())
      << last_.error_message();
  std::string wider = kV1;
  wider.replace(wider.find(R"("length": 50)"), 12, R"("length": 80)");
  Register(wider);
  ASSERT_TRUE(Push().applied()) << last_.error_message();
  v1::QueryResult items;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Select, queries_.get(),
                   FromJson<v1::SelectRequest>(R"({"target": {"schema": "inventory"}, "select": {"table": "items"}})"),
                   &items)
                  .ok());
  EXPECT_EQ(items.rows_size(), 1);
  // The foreign key still holds: an item of a warehouse that is not there is refused.
  EXPECT_EQ(Call(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
      "target": {"schema": "inventory"}, "insert": {"table": "items",
      "rows": [{"values": {"id": {"int_value": "2"}, "sku": {"string_value": "b"}, "warehouse_id": {"int_value": "9"}}}]}})"),
                 &result)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_P(Migrations, StatusReportsDrift) {
  Register(kV1);
  ASSERT_TRUE(Push().applied()) << last_.error_message();
  EXPECT_THAT(Status("inventory").drift(), ElementsAre());
  // A column added behind the schema's back.
  v1::RawRequest raw;
  raw.set_sql(GetParam() == "mysql" ? "ALTER TABLE `items` ADD COLUMN `extra` INTEGER"
                                    : "ALTER TABLE \"items\" ADD COLUMN \"extra\" INTEGER");
  v1::QueryResult result;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Raw, queries_.get(), raw, &result).ok()) << last_.error_message();
  const v1::StatusResponse status = Status("inventory");
  ASSERT_FALSE(status.drift().empty());
  EXPECT_THAT(absl::StrJoin(status.drift(), "\n"),
              HasSubstr(GetParam() == "sqlite" ? "__sluice_old_items" : "DROP COLUMN"));
}

// A migration found dirty after an interruption (sluiced or the database went away between a
// statement and the record of it) resumes at the statement in doubt, and that statement's "already
// exists" means it had run. Found dirty after an error of its own, the error stands. The states
// are made by hand in the history; a no-transaction migration runs statement by statement on
// every dialect.
TEST_P(Migrations, AResumedStatementInDoubtThatAlreadyTookEffectCountsAsDone) {
  Register(kV1);
  v1::MigrateRequest request = FromJson<v1::MigrateRequest>(R"json({"target": {"schema": "inventory"}, "migrations": [
      {"name": "0001_doubt", "no_transaction": true, "statements": [
        "CREATE TABLE doubt_a (id INTEGER PRIMARY KEY)", "CREATE TABLE doubt_b (id INTEGER PRIMARY KEY)"]}]})json");
  v1::MigrateResponse migrated;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &migrated).ok())
      << last_.error_message();
  const auto make_dirty = [&](int64_t duration_ms) {
    v1::RawRequest raw;
    raw.set_sql(GetParam() == "postgres"
                    ? "UPDATE __sluice_migrations SET dirty = $1, statements_done = 1, duration_ms = $2 WHERE name = $3"
                    : "UPDATE __sluice_migrations SET dirty = ?, statements_done = 1, duration_ms = ? WHERE name = ?");
    raw.add_params()->set_bool_value(true);
    raw.add_params()->set_int_value(duration_ms);
    raw.add_params()->set_string_value("0001_doubt");
    v1::QueryResult result;
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Raw, queries_.get(), raw, &result).ok()) << last_.error_message();
    ASSERT_EQ(result.rows_affected(), 1u);
  };
  // Interrupted after statement 2 ran, before its progress was recorded.
  make_dirty(-1);
  v1::StatusResponse status = Status("inventory");
  ASSERT_EQ(status.applied_size(), 1);
  EXPECT_TRUE(status.applied(0).dirty());
  EXPECT_TRUE(status.applied(0).interrupted());
  EXPECT_EQ(status.applied(0).statements_done(), 1u);
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &migrated).ok())
      << last_.error_message();
  EXPECT_THAT(migrated.applied(), ElementsAre("0001_doubt"));
  status = Status("inventory");
  EXPECT_FALSE(status.applied(0).dirty());
  EXPECT_FALSE(status.applied(0).interrupted());
  EXPECT_EQ(status.applied(0).statements_done(), 2u);
  // Stopped by statement 2's own error: resuming runs it again, and its error stands.
  make_dirty(0);
  EXPECT_FALSE(Status("inventory").applied(0).interrupted());
  EXPECT_FALSE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &migrated).ok());
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::ALREADY_EXISTS) << last_.error_message();
  EXPECT_THAT(last_.error_message(), HasSubstr("statement 2 failed"));
  EXPECT_TRUE(Status("inventory").applied(0).dirty());
}

// Adopting a database made by hand (drizzle-kit's pull --init): pull its schema, register it,
// generate the first migration, record it as applied without running it (the row made by hand
// survives), then later migrations apply on top. A database that is not what the migrations leave
// is refused, nothing recorded.
TEST_P(Migrations, ABaselineAdoptsADatabaseMadeByHand) {
  auto raw = [&](const std::string& sql) {
    v1::RawRequest request;
    request.set_sql(sql);
    v1::QueryResult result;
    return Call(&v1::QueryService::Stub::Raw, queries_.get(), request, &result);
  };
  ASSERT_TRUE(raw("CREATE TABLE notes (id INTEGER NOT NULL PRIMARY KEY, body VARCHAR(200) NOT NULL)").ok())
      << last_.error_message();
  ASSERT_TRUE(raw("INSERT INTO notes (id, body) VALUES (1, 'made by hand')").ok()) << last_.error_message();
  v1::PullRequest pull;
  pull.mutable_target()->set_schema("notes");
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), pull, &pulled).ok()) << last_.error_message();
  v1::RegisterSchemaRequest registered;
  *registered.mutable_schema() = pulled.schema();
  v1::RegisterSchemaResponse registered_response;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), registered, &registered_response).ok())
      << last_.error_message();
  v1::GenerateRequest generate;
  generate.mutable_target()->set_schema("notes");
  generate.mutable_previous();  // a new migrations folder: from nothing
  v1::GenerateResponse first;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Generate, migrations_.get(), generate, &first).ok())
      << last_.error_message();
  ASSERT_EQ(first.migration().name(), "0000_initial_v1");

  v1::MigrateRequest baseline;
  baseline.mutable_target()->set_schema("notes");
  baseline.set_baseline(true);
  *baseline.add_migrations() = first.migration();
  v1::MigrateResponse adopted;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), baseline, &adopted).ok())
      << last_.error_message();
  EXPECT_THAT(adopted.baselined(), ElementsAre("0000_initial_v1"));
  EXPECT_THAT(adopted.applied(), ElementsAre());
  const v1::StatusResponse status = Status("notes");
  ASSERT_EQ(status.applied_size(), 1);
  EXPECT_EQ(status.applied(0).name(), "0000_initial_v1");
  EXPECT_THAT(status.drift(), ElementsAre());
  EXPECT_TRUE(raw("SELECT body FROM notes WHERE id = 1").ok());  // the table was not recreated

  // A second version, migrated on top.
  v1::Schema v2 = pulled.schema();
  v1::Column* added = v2.mutable_tables(0)->add_columns();
  added->set_name("title");
  added->set_type(v1::VARCHAR);
  added->set_length(80);
  *registered.mutable_schema() = v2;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), registered, &registered_response).ok())
      << last_.error_message();
  *generate.mutable_previous() = first.migration().snapshot();
  generate.set_index(1);
  v1::GenerateResponse second;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Generate, migrations_.get(), generate, &second).ok())
      << last_.error_message();
  v1::MigrateRequest migrate;
  migrate.mutable_target()->set_schema("notes");
  *migrate.add_migrations() = first.migration();
  *migrate.add_migrations() = second.migration();
  v1::MigrateResponse migrated;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), migrate, &migrated).ok())
      << last_.error_message();
  EXPECT_THAT(migrated.applied(), ElementsAre("0001_changes_v2"));

  // A baseline of migrations the database does not match is refused; nothing is recorded.
  v1::MigrateRequest wrong;
  wrong.mutable_target()->set_schema("other");
  wrong.set_baseline(true);
  v1::Migration* fake = wrong.add_migrations();
  fake->set_name("0000_other");
  *fake->mutable_snapshot() = FromJson<v1::Schema>(R"({"name": "other", "tables": [{"name": "ghosts", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}]}]})");
  v1::MigrateResponse refused;
  EXPECT_EQ(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), wrong, &refused).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ErrorInfo(last_, "reason"), "BASELINE_MISMATCH");
  EXPECT_THAT(last_.error_message(), HasSubstr("ghosts"));
}

// Relations proposed from foreign keys (relations are not foreign keys: asked for with
// `relations`): the pulled blog registers and a relational read follows them in one statement.
// Identity kinds are PostgreSQL's: elsewhere an ALWAYS or serial column is UNIMPLEMENTED naming
// the dialect, before anything is created.
TEST_P(Migrations, IdentityKindsArePostgresOnly) {
  for (const char* kind : {"ALWAYS", "SERIAL"}) {
    const std::string name = absl::AsciiStrToLower(kind);
    Register(absl::StrCat(R"({"name": ")", name, R"(", "tables": [{"name": "t_)", name, R"(", "columns": [
        {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true, "auto_increment": true, "identity": ")",
                          kind, R"("}]}]})"));
    v1::MigrateRequest request;
    request.mutable_target()->set_schema(name);
    v1::MigrateResponse response;
    Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &response);
    if (GetParam() == "postgres") {
      EXPECT_TRUE(last_.ok()) << last_.error_message();
      continue;
    }
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED) << kind;
    EXPECT_THAT(last_.error_message(),
                HasSubstr(absl::StrCat("dialect ", GetParam(), " does not support ",
                                       name == "always" ? "GENERATED ALWAYS AS IDENTITY columns" : "serial columns")));
    EXPECT_THAT(LiveTables(), ::testing::Not(::testing::Contains("t_" + name)));
  }
}

// Generated columns: computed by the database on every dialect (STORED everywhere; VIRTUAL but
// on PostgreSQL), refused as a write's target, read back by pull (with the database's text),
// unchanged to push, and recomputed when their expression changes (dropped and added again).
TEST_P(Migrations, GeneratedColumns) {
  const bool postgres = GetParam() == "postgres";
  const auto schema = [&](const std::string& total, bool label_stored) {
    return absl::StrCat(R"({"name": "inventory", "tables": [{"name": "lines", "columns": [
        {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
        {"name": "price", "type": "DECIMAL", "precision": 10, "scale": 2, "not_null": true},
        {"name": "qty", "type": "INTEGER", "not_null": true},
        {"name": "sku", "type": "TEXT", "not_null": true},
        {"name": "total", "type": "DECIMAL", "precision": 12, "scale": 2, "generated": {"expression": )",
                        total, R"(, "stored": true}},
        {"name": "label", "type": "TEXT", "generated": {"expression": {"function": {"function": "UPPER",
          "args": [{"column": {"name": "sku"}}]}}, "stored": )",
                        label_stored ? "true" : "false", "}}]}]}");
  };
  const std::string times =
      R"({"arithmetic": {"operator": "MULTIPLY", "left": {"column": {"name": "price"}}, "right": {"column": {"name": "qty"}}}})";
  if (postgres) {  // PostgreSQL 15 stores every generated column
    Register(schema(times, false));
    v1::MigrateRequest request;
    request.mutable_target()->set_schema("inventory");
    v1::MigrateResponse response;
    Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &response);
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_THAT(last_.error_message(), HasSubstr("dialect postgres does not support VIRTUAL generated columns"));
  }
  RegisterAndMigrate(schema(times, !postgres ? false : true));
  ASSERT_TRUE(
      Insert("lines", R"({"id": {"int_value": "1"}, "price": {"decimal_value": "2.50"}, "qty": {"int_value": "4"},
      "sku": {"string_value": "ab"}})")
          .ok())
      << last_.error_message();
  EXPECT_THAT(Rows("lines", {"total", "label"}), ElementsAre(R"({"decimal_value":"10.00"} {"string_value":"AB"})"));
  v1::QueryResult updated;
  Call(&v1::QueryService::Stub::Update, queries_.get(),
       FromJson<v1::UpdateRequest>(R"({"target": {"schema": "inventory"}, "update": {"table": "lines",
           "set": {"qty": {"int_value": "5"}}, "all_rows": true, "returning": ["total"]}})"),
       &updated);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(testing::ToJson(updated.rows(0)), R"({"values":[{"decimal_value":"12.50"}]})");
  // Writes that give a generated column a value are refused, with the path.
  EXPECT_EQ(Insert("lines", R"({"id": {"int_value": "2"}, "price": {"decimal_value": "1"}, "qty": {"int_value": "1"},
      "sku": {"string_value": "x"}, "total": {"decimal_value": "9"}})")
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("insert.rows[0].values[\"total\"]"));
  Call(&v1::QueryService::Stub::Update, queries_.get(),
       FromJson<v1::UpdateRequest>(R"({"target": {"schema": "inventory"}, "update": {"table": "lines",
           "set": {"label": {"string_value": "x"}}, "all_rows": true}})"),
       &updated);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("update.set[\"label\"]"));

  // Pull reads them back with the database's text; push finds nothing to do.
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), v1::PullRequest(), &pulled).ok());
  for (const auto& t : pulled.schema().tables()) {
    if (t.name() != "lines") continue;
    ASSERT_EQ(t.columns_size(), 6);
    EXPECT_TRUE(t.columns(4).generated().stored());
    EXPECT_THAT(absl::AsciiStrToLower(t.columns(4).generated().sql()), HasSubstr("price"));
    EXPECT_EQ(t.columns(5).generated().stored(), postgres);
    EXPECT_THAT(t.columns(5).generated().sql(), HasSubstr("sku"));
    EXPECT_FALSE(t.columns(4).generated().has_expression());
  }
  EXPECT_THAT(WouldPush("inventory"), ElementsAre());

  // A new expression: the column is dropped and added again (no data lost: it is computed).
  Register(
      schema(R"({"arithmetic": {"operator": "ADD", "left": )" + times + R"(, "right": {"value": {"int_value": "1"}}}})",
             postgres));
  v1::PushResponse pushed = Push();
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(Rows("lines", {"total"}), ElementsAre(R"({"decimal_value":"13.50"})")) << pushed.DebugString();

  // The schema's own mistakes.
  const auto refused = [&](const std::string& json) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(json);
    v1::RegisterSchemaResponse response;
    Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response);
    return FieldPaths(last_);
  };
  const std::string base = schema(times, true);
  EXPECT_THAT(refused(absl::StrReplaceAll(
                  base, {{R"("scale": 2, "generated")", R"("scale": 2, "not_null": true, "generated")"}})),
              ElementsAre("schema.tables[0].columns[4].generated"));
  EXPECT_THAT(refused(absl::StrReplaceAll(
                  base, {{R"("right": {"column": {"name": "qty"}})", R"("right": {"column": {"name": "total"}})"}})),
              ElementsAre("schema.tables[0].columns[4].generated.expression"));  // generated itself
  EXPECT_THAT(
      refused(absl::StrReplaceAll(base, {{R"({"column": {"name": "qty"}})", R"({"subquery": {"table": "lines"}})"}})),
      ElementsAre("schema.tables[0].columns[4].generated.expression.arithmetic.right.subquery"));
  EXPECT_THAT(refused(absl::StrReplaceAll(
                  base, {{R"("generated": {"expression": )" + times, R"("generated": {"sql": "price * qty")"}})),
              ElementsAre("schema.tables[0].columns[4].generated.expression"));
}

TEST_P(Migrations, PullProposesRelationsFromForeignKeys) {
  RegisterAndMigrate(testing::ReadFile("examples/blog.schema.json"));
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(),
                   FromJson<v1::PullRequest>(R"({"target": {"schema": "proposed"}, "relations": true})"), &pulled)
                  .ok())
      << last_.error_message();
  std::vector<std::string> relations;
  for (const auto& r : pulled.schema().relations()) {
    if (r.table() == "articles" || r.table() == "authors") {
      relations.push_back(absl::StrCat(r.table(), ".", r.name(), r.kind() == v1::Relation::ONE ? " one " : " many ",
                                       r.target_table(), r.relation_name().empty() ? "" : " as " + r.relation_name()));
    }
  }
  std::sort(relations.begin(), relations.end());
  EXPECT_THAT(
      relations,
      ElementsAre("articles.article_topics many article_topics", "articles.author one authors as author",
                  "articles.comments many comments", "articles.editor one authors as editor",
                  "authors.articles many articles as author", "authors.articles_editor many articles as editor"));
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = pulled.schema();
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message();
  v1::FindManyResponse found;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindMany, queries_.get(),
                   FromJson<v1::FindManyRequest>(R"({"target": {"schema": "proposed"}, "find": {"table": "authors",
                       "with": {"articles": {"with": {"comments": {}}}, "articles_editor": {}}}})"),
                   &found)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(found.result().json(), "[]");
}

INSTANTIATE_TEST_SUITE_P(Dialects, Migrations, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
