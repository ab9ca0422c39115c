// Views end to end on every dialect: defined by a typed select or by SQL text, selected, joined
// and related like tables, refused as write targets; created by Migrate, pulled back, pushed again
// without changes, dropped and created again around a change of a table they read. Materialized
// views and RefreshMaterializedView on PostgreSQL (UNIMPLEMENTED elsewhere).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/sluice_test.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FromJson;
using ::testing::HasSubstr;

// Authors and their books; views of the active authors (a typed select), of the books per author
// (a typed select with an aggregate) and of the long books (SQL text); relations between a view
// and a table both ways. `$NAME` is the authors' name column type.
constexpr char kLibrary[] = R"({"name": "library", "tables": [
    {"name": "authors", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
      {"name": "name", "type": $NAME, "not_null": true},
      {"name": "active", "type": "BOOLEAN", "not_null": true}]},
    {"name": "books", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
      {"name": "author_id", "type": "INTEGER", "not_null": true, "references": {"table": "authors", "column": "id"}},
      {"name": "title", "type": "TEXT", "not_null": true},
      {"name": "pages", "type": "INTEGER", "not_null": true}]}],
  "views": [
    {"name": "active_authors", "select": {"table": "authors",
      "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "name"}}}],
      "where": {"eq": {"left": {"column": {"name": "active"}}, "right": {"value": {"bool_value": true}}}}}},
    {"name": "book_counts", "select": {"table": "books",
      "columns": [{"expression": {"column": {"name": "author_id"}}},
                  {"expression": {"aggregate": {"function": "COUNT"}}, "alias": "books"}],
      "group_by": [{"column": {"name": "author_id"}}]}},
    {"name": "long_books", "sql": "SELECT id, title FROM books WHERE pages > 300",
     "columns": [{"name": "id", "type": "INTEGER"}, {"name": "title", "type": "TEXT"}]}],
  "relations": [
    {"table": "active_authors", "name": "books", "kind": "MANY", "target_table": "books", "relation_name": "author"},
    {"table": "books", "name": "author", "kind": "ONE", "target_table": "active_authors",
     "fields": ["author_id"], "references": ["id"], "relation_name": "author"}]})";

std::string Library(const std::string& name_type = R"("TEXT")") {
  return absl::StrReplaceAll(kLibrary, {{"$NAME", name_type}});
}

class Views : public testing::DialectsTest {
 protected:
  void Fill() {
    v1::InsertResponse inserted;
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
        "target": {"schema": "library"}, "insert": {"table": "authors", "rows": [
          {"values": {"id": {"int_value": "1"}, "name": {"string_value": "Ada"}, "active": {"bool_value": true}}},
          {"values": {"id": {"int_value": "2"}, "name": {"string_value": "Bob"}, "active": {"bool_value": false}}},
          {"values": {"id": {"int_value": "3"}, "name": {"string_value": "Cy"}, "active": {"bool_value": true}}}]}})"),
                     &inserted)
                    .ok())
        << last_.error_message();
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
        "target": {"schema": "library"}, "insert": {"table": "books", "rows": [
          {"values": {"id": {"int_value": "1"}, "author_id": {"int_value": "1"}, "title": {"string_value": "Notes"}, "pages": {"int_value": "120"}}},
          {"values": {"id": {"int_value": "2"}, "author_id": {"int_value": "1"}, "title": {"string_value": "Engines"}, "pages": {"int_value": "480"}}},
          {"values": {"id": {"int_value": "3"}, "author_id": {"int_value": "2"}, "title": {"string_value": "Bits"}, "pages": {"int_value": "310"}}}]}})"),
                     &inserted)
                    .ok())
        << last_.error_message();
  }

  // Select `json` (a SelectRequest's `select`) on library: its rows as text, `|` between values.
  std::vector<std::string> Rows(const std::string& select) {
    v1::QueryResult result;
    Call(&v1::QueryService::Stub::Select, queries_.get(),
         FromJson<v1::SelectRequest>(absl::StrCat(R"({"target": {"schema": "library"}, "select": )", select, "}")),
         &result);
    std::vector<std::string> rows;
    for (const v1::Row& row : result.rows()) {
      std::string text;
      for (const v1::Value& v : row.values()) {
        absl::StrAppend(&text, text.empty() ? "" : "|",
                        v.has_int_value() ? absl::StrCat(v.int_value()) : v.string_value());
      }
      rows.push_back(text);
    }
    return rows;
  }

  grpc::Status Refresh(const std::string& view, v1::RefreshMaterializedViewResponse* response) {
    v1::RefreshMaterializedViewRequest request;
    request.mutable_target()->set_schema("library");
    request.set_view(view);
    return Call(&v1::QueryService::Stub::RefreshMaterializedView, queries_.get(), request, response);
  }

  // Push of the registered `library` (a dry run, or accepting data loss): its statements.
  std::vector<std::string> Push(bool dry_run) {
    v1::PushResponse pushed;
    v1::PushRequest request;
    request.mutable_target()->set_schema("library");
    request.set_dry_run(dry_run);
    request.set_allow_data_loss(!dry_run);
    EXPECT_TRUE(Call(&v1::MigrationService::Stub::Push, migrations_.get(), request, &pushed).ok())
        << last_.error_message();
    return {pushed.statements().begin(), pushed.statements().end()};
  }
};

TEST_P(Views, SelectJoinAndRelateLikeTablesAndRefuseWrites) {
  RegisterAndMigrate(Library());
  Fill();
  EXPECT_THAT(Rows(R"({"table": "active_authors", "order_by": [{"expression": {"column": {"name": "id"}}}]})"),
              ElementsAre("1|Ada", "3|Cy"))
      << last_.error_message();
  // A view joined with a view: the active authors' book counts.
  EXPECT_THAT(Rows(R"({"table": "active_authors",
      "columns": [{"expression": {"column": {"table": "active_authors", "name": "name"}}},
                  {"expression": {"column": {"table": "book_counts", "name": "books"}}}],
      "joins": [{"type": "INNER", "table": "book_counts", "on": {"eq": {
        "left": {"column": {"table": "book_counts", "name": "author_id"}},
        "right": {"column": {"table": "active_authors", "name": "id"}}}}}]})"),
              ElementsAre("Ada|2"))
      << last_.error_message();
  EXPECT_THAT(Rows(R"({"table": "long_books", "order_by": [{"expression": {"column": {"name": "id"}}}]})"),
              ElementsAre("2|Engines", "3|Bits"))
      << last_.error_message();
  // Relations through a view, both ways, in one statement.
  v1::FindResult found;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindMany, queries_.get(), FromJson<v1::FindManyRequest>(R"({
      "target": {"schema": "library"}, "find": {"table": "active_authors", "columns": ["name"],
      "order_by": [{"expression": {"column": {"name": "id"}}}],
      "with": {"books": {"columns": ["title"], "order_by": [{"expression": {"column": {"name": "id"}}}]}}}})"),
                   &found)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(found.json(),
            R"([{"name":"Ada","books":[{"title":"Notes"},{"title":"Engines"}]},{"name":"Cy","books":[]}])");
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindMany, queries_.get(), FromJson<v1::FindManyRequest>(R"({
      "target": {"schema": "library"}, "find": {"table": "books", "columns": ["title"],
      "order_by": [{"expression": {"column": {"name": "id"}}}], "with": {"author": {"columns": ["name"]}}}})"),
                   &found)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(found.json(), R"([{"title":"Notes","author":{"name":"Ada"}},{"title":"Engines","author":{"name":"Ada"}},)"
                          R"({"title":"Bits","author":null}])");

  // Views are read only: every write names the view and is refused before any SQL.
  v1::InsertResponse inserted;
  EXPECT_EQ(Call(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
      "target": {"schema": "library"}, "insert": {"table": "active_authors",
      "rows": [{"values": {"id": {"int_value": "9"}, "name": {"string_value": "Zed"}}}]}})"),
                 &inserted)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("insert.table"));
  EXPECT_THAT(last_.error_message(), HasSubstr("`active_authors` is a view: views are read only"));
  v1::UpdateResponse updated;
  EXPECT_EQ(Call(&v1::QueryService::Stub::Update, queries_.get(), FromJson<v1::UpdateRequest>(R"({
      "target": {"schema": "library"}, "update": {"table": "book_counts", "set": {"books": {"int_value": "0"}},
      "all_rows": true}})"),
                 &updated)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("update.table"));
  v1::DeleteResponse deleted;
  EXPECT_EQ(Call(&v1::QueryService::Stub::Delete, queries_.get(), FromJson<v1::DeleteRequest>(R"({
      "target": {"schema": "library"}, "delete": {"table": "long_books", "all_rows": true}})"),
                 &deleted)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("delete.table"));
  EXPECT_THAT(Rows(R"({"table": "long_books"})").size(), 2u);
}

TEST_P(Views, PulledBackPushedAgainUnchangedAndRebuiltAroundATableChange) {
  RegisterAndMigrate(Library());
  Fill();
  // The registered schema stores the columns the selects give.
  v1::GetSchemaResponse got;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::GetSchema, schemas_.get(),
                   FromJson<v1::GetSchemaRequest>(R"({"target": {"schema": "library"}})"), &got)
                  .ok())
      << last_.error_message();
  ASSERT_EQ(got.schema().views_size(), 3);
  EXPECT_EQ(got.schema().views(1).columns(1).name(), "books");
  EXPECT_EQ(got.schema().views(1).columns(1).type(), v1::BIGINT);
  // Registered again as read back (with those columns): the same version.
  v1::RegisterSchemaRequest again;
  *again.mutable_schema() = got.schema();
  v1::RegisterSchemaResponse same;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), again, &same).ok())
      << last_.error_message();
  EXPECT_FALSE(same.created());
  again.mutable_schema()->mutable_views(1)->mutable_columns(1)->set_name("n");
  EXPECT_EQ(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), again, &same).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("schema.views[1].columns"));

  EXPECT_THAT(Push(/*dry_run=*/true), ElementsAre());
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), v1::PullRequest(), &pulled).ok())
      << last_.error_message();
  ASSERT_EQ(pulled.schema().views_size(), 3);
  EXPECT_EQ(pulled.schema().views(0).name(), "active_authors");
  EXPECT_THAT(pulled.schema().views(0).sql(), HasSubstr("active"));
  ASSERT_EQ(pulled.schema().views(0).columns_size(), 2);
  EXPECT_EQ(pulled.schema().views(0).columns(1).name(), "name");
  EXPECT_EQ(pulled.schema().tables_size(), 2);  // views are not tables

  // The authors' name column changes type: the views over authors are dropped before the change
  // and created after it (the SQL view too: its text may read anything); the books view stays.
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = FromJson<v1::Schema>(Library(R"("VARCHAR", "length": 100)"));
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message();
  const std::vector<std::string> statements = Push(/*dry_run=*/false);
  ASSERT_GE(statements.size(), 5u);
  EXPECT_THAT(statements[0], HasSubstr("DROP VIEW"));
  EXPECT_THAT(statements[0], HasSubstr("long_books"));
  EXPECT_THAT(statements[1], HasSubstr("DROP VIEW"));
  EXPECT_THAT(statements[1], HasSubstr("active_authors"));
  // Then the table changes, then the views come back (PostgreSQL: each with its fingerprint).
  std::vector<std::string> created;
  size_t first_create = statements.size();
  for (size_t i = 0; i < statements.size(); ++i) {
    if (absl::StartsWith(statements[i], "CREATE VIEW")) {
      created.push_back(statements[i]);
      first_create = std::min(first_create, i);
    }
    EXPECT_THAT(statements[i], ::testing::Not(HasSubstr("book_counts")));
  }
  ASSERT_EQ(created.size(), 2u);
  EXPECT_THAT(created[0], HasSubstr("active_authors"));
  EXPECT_THAT(created[1], HasSubstr("long_books"));
  EXPECT_GT(first_create, 2u);  // after the change of `authors`
  EXPECT_THAT(Rows(R"({"table": "active_authors", "order_by": [{"expression": {"column": {"name": "id"}}}]})"),
              ElementsAre("1|Ada", "3|Cy"))
      << last_.error_message();
  EXPECT_THAT(Push(/*dry_run=*/true), ElementsAre());
}

TEST_P(Views, MistakesNameTheView) {
  const auto refused = [&](const std::string& views) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(absl::StrCat(R"({"name": "bad", "tables": [{"name": "t",
        "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}]}], "views": )",
                                                                  views, "}"));
    v1::RegisterSchemaResponse registered;
    EXPECT_EQ(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    return testing::FieldPaths(last_);
  };
  EXPECT_THAT(refused(R"([{"name": "t", "select": {"table": "t"}}])"), ElementsAre("schema.views[0].name"));
  EXPECT_THAT(refused(R"([{"name": "v", "select": {"table": "t"}, "sql": "SELECT 1"}])"),
              ElementsAre("schema.views[0].select"));
  EXPECT_THAT(refused(R"([{"name": "v", "sql": "SELECT 1"}])"), ElementsAre("schema.views[0].columns"));
  EXPECT_THAT(refused(R"([{"name": "v", "select": {"table": "nope"}}])"), ElementsAre("schema.views[0].select.table"));
  EXPECT_THAT(refused(R"([{"name": "v", "select": {"table": "t", "limit": 1}}])"),
              ElementsAre("schema.views[0].select.limit"));
  // Views over each other in a circle: neither resolves.
  EXPECT_THAT(refused(R"([{"name": "a", "select": {"table": "b"}}, {"name": "b", "select": {"table": "a"}}])"),
              ElementsAre("schema.views[0].select.table", "schema.views[1].select.table"));
  EXPECT_THAT(refused(R"([{"name": "v", "select": {"table": "t"}, "indexes": [{"columns": ["id"]}]}])"),
              ElementsAre("schema.views[0].indexes"));
}

TEST_P(Views, MaterializedViewsRefreshConcurrentlyWithAUniqueIndex) {
  const std::string schema =
      absl::StrCat(Library().substr(0, std::string(Library()).rfind(R"(],
  "relations")")),
                   R"(, {"name": "author_books", "materialized": true, "select": {"table": "books",
      "columns": [{"expression": {"column": {"name": "author_id"}}},
                  {"expression": {"aggregate": {"function": "COUNT"}}, "alias": "books"}],
      "group_by": [{"column": {"name": "author_id"}}]}, "indexes": [{"columns": ["author_id"], "unique": true}]},
    {"name": "all_titles", "materialized": true, "select": {"table": "books",
      "columns": [{"expression": {"column": {"name": "title"}}}]}}]})");
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = FromJson<v1::Schema>(schema);
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message();
  v1::MigrateResponse migrated;
  const grpc::Status migrate = Call(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                                    FromJson<v1::MigrateRequest>(R"({"target": {"schema": "library"}})"), &migrated);
  if (GetParam() != "postgres") {
    EXPECT_EQ(migrate.error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_THAT(migrate.error_message(), HasSubstr("does not support materialized views"));
    return;
  }
  ASSERT_TRUE(migrate.ok()) << migrate.error_message();
  Fill();
  // Stored rows: the view was filled when created (no books then) and shows none until refreshed.
  EXPECT_TRUE(Rows(R"({"table": "author_books"})").empty()) << last_.error_message();
  v1::RefreshMaterializedViewResponse refreshed;
  ASSERT_TRUE(Refresh("author_books", &refreshed).ok()) << last_.error_message();
  EXPECT_TRUE(refreshed.concurrently());
  EXPECT_EQ(refreshed.statement().sql(), R"(REFRESH MATERIALIZED VIEW CONCURRENTLY "author_books")");
  EXPECT_THAT(Rows(R"({"table": "author_books", "order_by": [{"expression": {"column": {"name": "author_id"}}}]})"),
              ElementsAre("1|2", "2|1"));
  ASSERT_TRUE(Refresh("all_titles", &refreshed).ok()) << last_.error_message();
  EXPECT_FALSE(refreshed.concurrently());
  EXPECT_EQ(Rows(R"({"table": "all_titles"})").size(), 3u);
  // Only a materialized view refreshes.
  EXPECT_EQ(Refresh("active_authors", &refreshed).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("view"));
  EXPECT_THAT(Push(/*dry_run=*/true), ElementsAre());
}

INSTANTIATE_TEST_SUITE_P(Dialects, Views, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
