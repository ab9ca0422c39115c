// Migrations end to end on each dialect: a schema evolves version by version (generate diffs
// against the last snapshot, migrate applies them, the rows survive), renames come only from
// hints, destructive steps are listed, and a migrations folder is checked.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/sluiced_process.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::FromJson;

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

class Migrations : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    url_ = testing::FreshDatabaseUrl(GetParam());
    ASSERT_FALSE(url_.empty());
    server_ = std::make_unique<testing::SluicedProcess>(
        std::vector<std::string>{"--plugin-dir", "lib/plugins", "--database", "default=" + url_});
    ASSERT_TRUE(server_->ok());
    schemas_ = v1::SchemaService::NewStub(server_->channel());
    migrations_ = v1::MigrationService::NewStub(server_->channel());
    queries_ = v1::QueryService::NewStub(server_->channel());
  }
  void TearDown() override {
    schemas_.reset();
    migrations_.reset();
    queries_.reset();
    if (server_) EXPECT_EQ(server_->Stop(), 0);
  }

  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), Stub* stub,
                    const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return last_ = (stub->*method)(&context, request, response);
  }
  void Register(const std::string& schema) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(schema);
    v1::RegisterSchemaResponse response;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response).ok()) << last_.error_message();
  }
  v1::GenerateResponse Generate(const std::string& extra = "") {
    v1::GenerateResponse response;
    Call(&v1::MigrationService::Stub::Generate, migrations_.get(),
         FromJson<v1::GenerateRequest>(absl::StrCat(R"({"schema": "inventory")", extra, "}")), &response);
    return response;
  }
  std::vector<std::string> Migrate(const v1::Migration& migration) {
    v1::MigrateRequest request;
    request.set_schema("inventory");
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
                FromJson<v1::InsertRequest>(absl::StrCat(R"({"target": {"schema": "inventory"}, "insert": {"table": ")", table,
                                                         R"(", "rows": [{"values": )", values, "}]}}")),
                &result);
  }
  std::vector<std::string> Rows(const std::string& table, const std::vector<std::string>& columns) {
    std::vector<std::string> items;
    for (const auto& c : columns) items.push_back(absl::StrCat(R"({"expression": {"column": {"name": ")", c, R"("}}})"));
    v1::QueryResult r;
    Call(&v1::QueryService::Stub::Select, queries_.get(), FromJson<v1::SelectRequest>(absl::StrCat(
        R"({"target": {"schema": "inventory"}, "select": {"table": ")", table, R"(", "columns": [)", absl::StrJoin(items, ", "),
        R"(], "order_by": [{"expression": {"column": {"name": "id"}}}]}})")), &r);
    EXPECT_TRUE(last_.ok()) << last_.error_message();
    std::vector<std::string> out;
    for (const auto& row : r.rows()) {
      std::vector<std::string> values;
      for (const auto& v : row.values()) values.push_back(testing::ToJson(v));
      out.push_back(absl::StrJoin(values, " "));
    }
    return out;
  }

  std::string url_;
  std::unique_ptr<testing::SluicedProcess> server_;
  std::unique_ptr<v1::SchemaService::Stub> schemas_;
  std::unique_ptr<v1::MigrationService::Stub> migrations_;
  std::unique_ptr<v1::QueryService::Stub> queries_;
  grpc::Status last_;
};

TEST_P(Migrations, TheSchemaEvolvesAndTheRowsSurvive) {
  Register(kV1);
  v1::GenerateResponse first = Generate();
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(first.migration().name(), "0000_initial_v1");
  EXPECT_EQ(first.migration().parent(), "");
  EXPECT_THAT(Migrate(first.migration()), ElementsAre("0000_initial_v1"));
  ASSERT_TRUE(Insert("warehouses", R"({"id": {"int_value": "1"}, "name": {"string_value": "North"}})").ok()) << last_.error_message();
  ASSERT_TRUE(Insert("items", R"({"id": {"int_value": "1"}, "sku": {"string_value": "A1"}, "label": {"string_value": "old"},
                                  "qty": {"int_value": "5"}, "warehouse_id": {"int_value": "1"}})").ok());
  ASSERT_TRUE(Insert("items", R"({"id": {"int_value": "2"}, "sku": {"string_value": "B2"}, "warehouse_id": {"int_value": "1"}})").ok());

  Register(kV2);
  // Without hints, renames are not guessed: they show as drops with adds beside them.
  v1::GenerateResponse guessed = Generate();
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_THAT(guessed.ambiguous(), ElementsAre("table `warehouses` dropped and `depots` added: a rename?",
                                               "table `warehouses` dropped and `suppliers` added: a rename?",
                                               "column `items.label` dropped and `price` added: a rename?",
                                               "column `items.label` dropped and `note` added: a rename?"));
  EXPECT_THAT(guessed.data_loss(), ::testing::Contains("drop table `warehouses`"));

  v1::GenerateResponse second = Generate(absl::StrCat(R"(, "renames": )", kRenames));
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(second.migration().name(), "0001_changes_v2");
  EXPECT_FALSE(second.migration().parent().empty());  // the hash of the first one's snapshot
  EXPECT_THAT(second.ambiguous(), ElementsAre("column `items.label` dropped and `price` added: a rename?",
                                              "column `items.label` dropped and `note` added: a rename?"));
  EXPECT_THAT(second.data_loss(), ElementsAre("drop column `items.label`"));
  EXPECT_THAT(Migrate(second.migration()), ElementsAre("0001_changes_v2")) << last_.error_message();

  // The rows kept their values under the new names; new columns took their defaults.
  EXPECT_THAT(Rows("depots", {"id", "title"}), ElementsAre(R"({"int_value":"1"} {"string_value":"North"})"));
  EXPECT_THAT(Rows("items", {"id", "sku", "qty", "warehouse_id", "price", "note"}),
              ElementsAre(R"({"int_value":"1"} {"string_value":"A1"} {"int_value":"5"} {"int_value":"1"} {"decimal_value":"0.00"} {"null_value":null})",
                          R"({"int_value":"2"} {"string_value":"B2"} {"int_value":"0"} {"int_value":"1"} {"decimal_value":"0.00"} {"null_value":null})"));
  // The new constraints hold.
  EXPECT_EQ(Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "A1"}})").error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "C3"}, "qty": {"int_value": "-1"}})").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "C3"}, "warehouse_id": {"int_value": "9"}})").error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Insert("items", R"({"id": {"int_value": "3"}, "sku": {"string_value": "a-sku-longer-than-twenty"}})").ok()) << last_.error_message();
  EXPECT_TRUE(Insert("suppliers", R"({"id": {"int_value": "1"}, "name": {"string_value": "Acme"}})").ok()) << last_.error_message();

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
  status_request.set_schema("inventory");
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

INSTANTIATE_TEST_SUITE_P(Dialects, Migrations, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
