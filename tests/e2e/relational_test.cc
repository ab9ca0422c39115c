// Relational reads (FindMany / FindFirst) end to end on each dialect: nested results three
// levels deep with where / order / limit at every level, exact values after the JSON trip, and
// exactly one SQL statement per request, counted by the database itself (PostgreSQL:
// pg_stat_statements; MariaDB: the general query log; SQLite: the statement parses as one).
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>

#include <regex>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/sluice_test.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FieldPaths;
using testing::FromJson;
using ::testing::HasSubstr;

// The blog example's rows: two authors with articles, comments and topics, and one without.
constexpr char kData[] = R"({"target": {"schema": "blog"}, "operations": [
  {"insert": {"table": "authors", "rows": [
    {"values": {"id": {"int_value": "1"}, "name": {"string_value": "Ada"}, "balance": {"decimal_value": "12.50"},
                "joined_at": {"timestamp_value": "2024-02-29T13:45:00.5Z"}, "avatar": {"bytes_value": "AP8="}}},
    {"values": {"id": {"int_value": "9007199254740993"}, "name": {"string_value": "Bob"}, "balance": {"decimal_value": "123456789012.99"},
                "joined_at": {"timestamp_value": "2024-03-01T00:00:00Z"}}},
    {"values": {"id": {"int_value": "3"}, "name": {"string_value": "Cy"}, "balance": {"decimal_value": "0"}, "avatar": {"bytes_value": ""}}}]}},
  {"insert": {"table": "articles", "rows": [
    {"values": {"id": {"int_value": "10"}, "author_id": {"int_value": "1"}, "editor_id": {"int_value": "9007199254740993"},
                "title": {"string_value": "Ada one"}, "published_on": {"date_value": "2024-01-10"}}},
    {"values": {"id": {"int_value": "11"}, "author_id": {"int_value": "1"}, "editor_id": {"int_value": "1"},
                "title": {"string_value": "Ada two"}, "published_on": {"date_value": "2024-02-10"}}},
    {"values": {"id": {"int_value": "12"}, "author_id": {"int_value": "1"}, "editor_id": {"int_value": "3"}, "title": {"string_value": "Ada three"}}},
    {"values": {"id": {"int_value": "20"}, "author_id": {"int_value": "9007199254740993"}, "editor_id": {"int_value": "1"},
                "title": {"string_value": "Bob one"}, "published_on": {"date_value": "2024-03-01"}}}]}},
  {"insert": {"table": "comments", "rows": [
    {"values": {"id": {"int_value": "100"}, "article_id": {"int_value": "10"}, "body": {"string_value": "c1"}, "likes": {"int_value": "5"}}},
    {"values": {"id": {"int_value": "101"}, "article_id": {"int_value": "10"}, "body": {"string_value": "c2"}, "likes": {"int_value": "1"}}},
    {"values": {"id": {"int_value": "102"}, "article_id": {"int_value": "10"}, "body": {"string_value": "c3 \"quoted\" ☕"}, "likes": {"int_value": "9"}}},
    {"values": {"id": {"int_value": "103"}, "article_id": {"int_value": "11"}, "body": {"string_value": "c4"}, "likes": {"int_value": "2"}}},
    {"values": {"id": {"int_value": "104"}, "article_id": {"int_value": "20"}, "body": {"string_value": "c5"}, "likes": {"int_value": "7"}}}]}},
  {"insert": {"table": "topics", "rows": [
    {"values": {"id": {"int_value": "1"}, "name": {"string_value": "db"}}},
    {"values": {"id": {"int_value": "2"}, "name": {"string_value": "grpc"}}},
    {"values": {"id": {"int_value": "3"}, "name": {"string_value": "sql"}}}]}},
  {"insert": {"table": "article_topics", "rows": [
    {"values": {"article_id": {"int_value": "10"}, "topic_id": {"int_value": "1"}}},
    {"values": {"article_id": {"int_value": "10"}, "topic_id": {"int_value": "3"}}},
    {"values": {"article_id": {"int_value": "11"}, "topic_id": {"int_value": "2"}}},
    {"values": {"article_id": {"int_value": "20"}, "topic_id": {"int_value": "1"}}}]}}]})";

// Authors but Cy, by name descending; each one's articles but "Ada three", newest first, two at most;
// each article's editor, its comments with two likes or more (most liked first, two at most), and
// its topics (many-to-many) by name.
constexpr char kThreeLevels[] = R"({"target": {"schema": "blog"}, "find": {"table": "authors",
  "columns": ["id", "name", "balance", "joined_at", "avatar"],
  "extras": [{"expression": {"function": {"function": "UPPER", "args": [{"column": {"name": "name"}}]}}, "alias": "shout"}],
  "where": {"ne": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "Cy"}}}},
  "order_by": [{"expression": {"column": {"name": "name"}}, "descending": true}], "limit": "5",
  "with": {"articles": {"columns": ["id", "title", "published_on"],
    "where": {"ne": {"left": {"column": {"name": "title"}}, "right": {"value": {"string_value": "Ada three"}}}},
    "order_by": [{"expression": {"column": {"name": "id"}}, "descending": true}], "limit": "2",
    "with": {
      "editor": {"columns": ["name"]},
      "comments": {"columns": ["body", "likes"],
        "where": {"gte": {"left": {"column": {"name": "likes"}}, "right": {"value": {"int_value": "2"}}}},
        "order_by": [{"expression": {"column": {"name": "likes"}}, "descending": true}], "limit": "2"},
      "topics": {"columns": ["name"], "order_by": [{"expression": {"column": {"name": "name"}}}]}}}}}})";

constexpr char kThreeLevelsJson[] =
    R"([{"id":"9007199254740993","name":"Bob","balance":"123456789012.99","joined_at":"2024-03-01T00:00:00Z","avatar":null,)"
    R"("shout":"BOB","articles":[{"id":20,"title":"Bob one","published_on":"2024-03-01","editor":{"name":"Ada"},)"
    R"("comments":[{"body":"c5","likes":7}],"topics":[{"name":"db"}]}]},)"
    R"({"id":1,"name":"Ada","balance":"12.50","joined_at":"2024-02-29T13:45:00.5Z","avatar":"AP8=","shout":"ADA",)"
    R"("articles":[{"id":11,"title":"Ada two","published_on":"2024-02-10","editor":{"name":"Ada"},)"
    R"("comments":[{"body":"c4","likes":2}],"topics":[{"name":"grpc"}]},)"
    R"({"id":10,"title":"Ada one","published_on":"2024-01-10","editor":{"name":"Bob"},)"
    R"("comments":[{"body":"c3 \"quoted\" ☕","likes":9},{"body":"c1","likes":5}],"topics":[{"name":"db"},{"name":"sql"}]}]}])";

class Relational : public testing::DialectsTest {
 protected:
  Relational() : DialectsTest({"--pool-size", "1"}) {}

  void SetUp() override {
    DialectsTest::SetUp();
    RegisterAndMigrate(testing::ReadFile("examples/blog.schema.json"), /*strict=*/true);  // the example is lint-clean
    v1::BatchResponse batch;
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Batch, queries_.get(), FromJson<v1::BatchRequest>(kData), &batch).ok())
        << last_.error_message();
    if (GetParam() == "postgres") {
      ASSERT_EQ(Sql("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"), "");
    }
    if (GetParam() == "mysql") {
      ASSERT_EQ(Sql("SET GLOBAL log_output = 'TABLE'"), "");
      ASSERT_EQ(Sql("SET GLOBAL general_log = 1"), "");
    }
  }

  void TearDown() override {
    if (GetParam() == "mysql") Sql("SET GLOBAL general_log = 0");
    DialectsTest::TearDown();
  }

  // FindMany (FindFirst when `first`) of the request `json`.
  v1::FindResult Find(const std::string& json, bool first = false) {
    v1::FindResult result;
    if (first) {
      Call(&v1::QueryService::Stub::FindFirst, queries_.get(), FromJson<v1::FindFirstRequest>(json), &result);
    } else {
      Call(&v1::QueryService::Stub::FindMany, queries_.get(), FromJson<v1::FindManyRequest>(json), &result);
    }
    return result;
  }

  // Runs `sql` on the test database from the test's own connection: "" when it succeeded, else
  // the error; `*value` gets the first column of the first row.
  std::string Sql(const std::string& sql, std::string* value = nullptr) {
    if (GetParam() == "postgres") {
      PGconn* conn = PQconnectdb(testing::LibpqUrl(url_).c_str());
      PGresult* r = PQexec(conn, sql.c_str());
      std::string error =
          PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK ? "" : PQerrorMessage(conn);
      if (value != nullptr && error.empty() && PQntuples(r) > 0) *value = PQgetvalue(r, 0, 0);
      PQclear(r);
      PQfinish(conn);
      return error;
    }
    std::smatch m;
    static const std::regex kUrl("mysql://([^:]*):([^@]*)@([^:]*):([0-9]+)/(.*)");
    if (!std::regex_match(url_, m, kUrl)) return "not a mysql URL";
    MYSQL* my = mysql_init(nullptr);
    std::string error;
    if (mysql_real_connect(my, m[3].str().c_str(), m[1].str().c_str(), m[2].str().c_str(), nullptr,
                           std::stoi(m[4].str()), nullptr, 0) == nullptr ||
        mysql_query(my, sql.c_str()) != 0) {
      error = mysql_error(my);
    } else if (MYSQL_RES* r = mysql_store_result(my)) {
      MYSQL_ROW row = mysql_fetch_row(r);
      if (value != nullptr && row != nullptr && row[0] != nullptr) *value = row[0];
      mysql_free_result(r);
    }
    mysql_close(my);
    return error;
  }

  // Selects sluiced ran on the application's tables of the test database, as the database counts
  // them (not sluiced's own bookkeeping in __sluice_* tables).
  long StatementsRun() {
    std::string count;
    if (GetParam() == "postgres") {
      EXPECT_EQ(
          Sql("SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
              "WHERE datname = current_database()) AND query NOT LIKE '%__sluice%' AND query NOT LIKE '%pg_stat_%' "
              "AND query ILIKE 'select%'",  // not the BEGIN / SET a pooler or a prepare adds
              &count),
          "");
    } else {
      const std::string db = url_.substr(url_.rfind('/') + 1);
      EXPECT_EQ(
          Sql(absl::StrCat("SELECT count(*) FROM mysql.general_log WHERE command_type = 'Execute' AND thread_id IN "
                           "(SELECT id FROM information_schema.processlist WHERE db = '",
                           db,
                           "') AND "
                           "CAST(argument AS CHAR) NOT LIKE '%__sluice%'"),
              &count),
          "");
    }
    return count.empty() ? -1 : std::stol(count);
  }

  // The request's SQL, as SQLite itself parses it: one statement with nothing after it, which
  // runs and returns `rows` rows.
  void SqliteRunsOneStatement(const std::string& request, int rows) {
    v1::FindResult dry = Find(absl::StrCat(request.substr(0, request.size() - 1), R"(, "to_sql": true})"));
    ASSERT_TRUE(last_.ok()) << last_.error_message();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(url_.substr(std::string("sqlite:").size()).c_str(), &db), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const std::string& sql = dry.statement().sql();
    ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt, &tail), SQLITE_OK)
        << sqlite3_errmsg(db);
    EXPECT_EQ(std::string(tail), "");
    for (int i = 0; i < dry.statement().params_size(); ++i) {
      const v1::Value& p = dry.statement().params(i);
      if (p.has_int_value()) {
        sqlite3_bind_int64(stmt, i + 1, p.int_value());
      } else {
        sqlite3_bind_text(stmt, i + 1, p.string_value().c_str(), -1, SQLITE_TRANSIENT);
      }
    }
    int n = 0;
    while (sqlite3_step(stmt) == SQLITE_ROW) ++n;
    EXPECT_EQ(n, rows);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
};

TEST_P(Relational, ThreeLevelsInOneStatement) {
  const long before = GetParam() == "sqlite" ? 0 : StatementsRun();
  v1::FindResult found = Find(kThreeLevels);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  if (GetParam() == "sqlite") {
    SqliteRunsOneStatement(kThreeLevels, 2);
  } else {
    EXPECT_EQ(StatementsRun() - before, 1);
  }
  EXPECT_EQ(found.json(), kThreeLevelsJson);

  // The typed rows carry the same values, exactly.
  ASSERT_EQ(found.rows_size(), 2);
  const auto& bob = found.rows(0).fields();
  EXPECT_EQ(bob.at("id").value().int_value(), 9007199254740993);
  EXPECT_EQ(bob.at("balance").value().decimal_value(), "123456789012.99");
  EXPECT_TRUE(bob.at("avatar").value().has_null_value());
  const auto& ada = found.rows(1).fields();
  EXPECT_EQ(ada.at("avatar").value().bytes_value(), std::string("\x00\xff", 2));
  EXPECT_EQ(ada.at("joined_at").value().timestamp_value(), "2024-02-29T13:45:00.5Z");
  const v1::NestedRows& articles = ada.at("articles").rows();
  ASSERT_EQ(articles.rows_size(), 2);
  const auto& first = articles.rows(1).fields();
  EXPECT_EQ(first.at("id").value().int_value(), 10);
  EXPECT_EQ(first.at("published_on").value().date_value(), "2024-01-10");
  EXPECT_EQ(first.at("editor").row().fields().at("name").value().string_value(), "Bob");
  ASSERT_EQ(first.at("comments").rows().rows_size(), 2);
  EXPECT_EQ(first.at("comments").rows().rows(0).fields().at("likes").value().int_value(), 9);
  ASSERT_EQ(first.at("topics").rows().rows_size(), 2);
  EXPECT_EQ(first.at("topics").rows().rows(1).fields().at("name").value().string_value(), "sql");

  // The same values as a flat select of the same rows.
  v1::QueryResult flat;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Select, queries_.get(),
                   FromJson<v1::SelectRequest>(R"({"target": {"schema": "blog"},
      "select": {"table": "authors", "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "name"}}},
        {"expression": {"column": {"name": "balance"}}}, {"expression": {"column": {"name": "joined_at"}}},
        {"expression": {"column": {"name": "avatar"}}}],
      "where": {"ne": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "Cy"}}}},
      "order_by": [{"expression": {"column": {"name": "name"}}, "descending": true}]}})"),
                   &flat)
                  .ok());
  ASSERT_EQ(flat.rows_size(), 2);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < flat.columns_size(); ++c) {
      EXPECT_EQ(found.rows(r).fields().at(flat.columns(c).name()).value().SerializeAsString(),
                flat.rows(r).values(c).SerializeAsString())
          << flat.columns(c).name();
    }
  }

  // A format asks for one of the two: the same rows, or the same JSON, alone.
  v1::FindManyRequest rows_only = FromJson<v1::FindManyRequest>(kThreeLevels);
  rows_only.set_format(v1::FIND_FORMAT_ROWS);
  v1::FindResult rows;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindMany, queries_.get(), rows_only, &rows).ok());
  EXPECT_EQ(rows.json(), "");
  v1::FindResult both_rows = found;
  both_rows.clear_json();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(rows, both_rows)) << rows.DebugString();
  v1::FindManyRequest json_only = rows_only;
  json_only.set_format(v1::FIND_FORMAT_JSON);
  v1::FindResult json;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindMany, queries_.get(), json_only, &json).ok());
  EXPECT_EQ(json.rows_size(), 0);
  EXPECT_EQ(json.json(), kThreeLevelsJson);
}

TEST_P(Relational, FindFirstOneRelationsAndRelationNames) {
  // Two relations between articles and authors (author, editor), told apart by relation_name; a
  // relation back from comments (one); an empty byte string.
  const std::string request =
      R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name", "avatar"],
      "where": {"eq": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "Cy"}}}},
      "with": {"edited": {"columns": ["title"], "with": {"author": {"columns": ["name"]}, "comments": {}}}}}})";
  const long before = GetParam() == "sqlite" ? 0 : StatementsRun();
  v1::FindResult cy = Find(request, true);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  if (GetParam() != "sqlite") {
    EXPECT_EQ(StatementsRun() - before, 1);
  }
  EXPECT_EQ(cy.json(),
            R"([{"name":"Cy","avatar":"","edited":[{"title":"Ada three","author":{"name":"Ada"},"comments":[]}]}])");

  v1::FindResult comment =
      Find(R"({"target": {"schema": "blog"}, "find": {"table": "comments", "exclude_columns": ["id", "article_id"],
      "order_by": [{"expression": {"column": {"name": "id"}}}],
      "with": {"article": {"columns": ["title"], "with": {"topics": {"columns": ["name"], "order_by": [{"expression": {"column": {"name": "name"}}, "descending": true}]}}}}}})",
           true);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(comment.json(),
            R"([{"body":"c1","likes":5,"article":{"title":"Ada one","topics":[{"name":"sql"},{"name":"db"}]}}])");

  v1::FindResult none = Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors",
      "where": {"eq": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "nobody"}}}}}})",
                             true);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(none.rows_size(), 0);
  EXPECT_EQ(none.json(), "[]");
}

// `related` (Drizzle's relational filters): rows with a related row that matches, through one,
// many and many-to-many relations, nested, negated, and at a nested level; one statement each.
TEST_P(Relational, WhereReachesThroughRelations) {
  const std::string liked = R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name"],
      "order_by": [{"expression": {"column": {"name": "name"}}}],
      "where": {"related": {"relation": "articles", "where": {"related": {"relation": "comments",
        "where": {"gte": {"left": {"column": {"name": "likes"}}, "right": {"value": {"int_value": "8"}}}}}}}}}})";
  const long before = GetParam() == "sqlite" ? 0 : StatementsRun();
  v1::FindResult found = Find(liked);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  if (GetParam() == "sqlite") {
    SqliteRunsOneStatement(liked, 1);
  } else {
    EXPECT_EQ(StatementsRun() - before, 1);
  }
  EXPECT_EQ(found.json(), R"([{"name":"Ada"}])");

  // Many-to-many (through article_topics) beside a condition on the article itself.
  found = Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name"],
      "where": {"related": {"relation": "articles", "where": {"and": {"conditions": [
        {"is_not_null": {"column": {"name": "published_on"}}},
        {"related": {"relation": "topics", "where": {"eq": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "grpc"}}}}}}]}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(found.json(), R"([{"name":"Ada"}])");

  // None: authors without articles; any related row without `where`.
  found = Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name"],
      "where": {"not": {"related": {"relation": "articles"}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(found.json(), R"([{"name":"Cy"}])");

  // A one relation, and a filter at a nested level (each author's articles with a comment of more
  // than six likes).
  found = Find(R"({"target": {"schema": "blog"}, "find": {"table": "articles", "columns": ["title"],
      "where": {"related": {"relation": "author", "where": {"eq": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "Bob"}}}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(found.json(), R"([{"title":"Bob one"}])");
  found = Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name"],
      "order_by": [{"expression": {"column": {"name": "name"}}}],
      "with": {"articles": {"columns": ["title"], "where": {"related": {"relation": "comments",
        "where": {"gt": {"left": {"column": {"name": "likes"}}, "right": {"value": {"int_value": "6"}}}}}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(found.json(),
            R"([{"name":"Ada","articles":[{"title":"Ada one"}]},{"name":"Bob","articles":[{"title":"Bob one"}]},)"
            R"({"name":"Cy","articles":[]}])");

  // Mistakes: a relation the table lacks (at depth), `related` outside a relational read.
  Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors",
      "where": {"related": {"relation": "articles", "where": {"related": {"relation": "author_of"}}}}}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("find.where.related.where.related.relation"));
  v1::QueryResult flat;
  Call(&v1::QueryService::Stub::Select, queries_.get(), FromJson<v1::SelectRequest>(R"({"target": {"schema": "blog"},
      "select": {"table": "authors", "where": {"related": {"relation": "articles"}}}})"),
       &flat);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("select.where.related"));
}

// `in []` matches no row and `not_in []` every row, at the top and in a relation's where.
TEST_P(Relational, EmptyInListsMatchNothingAndNotInEverything) {
  v1::FindResult none = Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name"],
      "where": {"in": {"left": {"column": {"name": "id"}}, "values": []}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(none.json(), "[]");
  v1::FindResult all = Find(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "columns": ["name"],
      "where": {"not_in": {"left": {"column": {"name": "id"}}, "values": []}},
      "order_by": [{"expression": {"column": {"name": "id"}}}],
      "with": {"articles": {"columns": ["title"], "where": {"in": {"left": {"column": {"name": "title"}}, "values": []}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(all.json(), R"([{"name":"Ada","articles":[]},{"name":"Cy","articles":[]},{"name":"Bob","articles":[]}])");
}

// Values keep their exact form inside related rows: a double to its 17th digit (SQLite's JSON
// writes 15), a JSONB document (MariaDB's alias of JSON), each at the top and one level down.
TEST_P(Relational, DoublesAndJsonbRoundTripInsideRelatedRows) {
  RegisterAndMigrate(R"({"name": "exact", "tables": [
      {"name": "parents", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
                                      {"name": "d", "type": "DOUBLE"}]},
      {"name": "children", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
                                       {"name": "parent_id", "type": "INTEGER", "not_null": true},
                                       {"name": "d", "type": "DOUBLE"}, {"name": "jb", "type": "JSONB"}],
       "foreign_keys": [{"columns": ["parent_id"], "foreign_table": "parents", "foreign_columns": ["id"]}]}],
      "relations": [{"table": "parents", "name": "children", "kind": "MANY", "target_table": "children"},
                    {"table": "children", "name": "parent", "kind": "ONE", "target_table": "parents",
                     "fields": ["parent_id"], "references": ["id"]}]})");
  v1::BatchResponse batch;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Batch, queries_.get(),
                   FromJson<v1::BatchRequest>(R"({"target": {"schema": "exact"}, "operations": [
      {"insert": {"table": "parents", "rows": [{"values": {"id": {"int_value": "1"}, "d": {"double_value": 15.35325689124218}}}]}},
      {"insert": {"table": "children", "rows": [
        {"values": {"id": {"int_value": "1"}, "parent_id": {"int_value": "1"}, "d": {"double_value": 0.1},
                    "jb": {"json_value": "{\"a\": [1, \"x\"]}"}}},
        {"values": {"id": {"int_value": "2"}, "parent_id": {"int_value": "1"}, "d": {"double_value": -2.2250738585072014e-308},
                    "jb": {"json_value": "\"just a string\""}}}]}}]})"),
                   &batch)
                  .ok())
      << last_.error_message();
  v1::FindResult found = Find(R"({"target": {"schema": "exact"}, "find": {"table": "parents",
      "with": {"children": {"columns": ["d", "jb"], "order_by": [{"expression": {"column": {"name": "id"}}}],
                            "with": {"parent": {"columns": ["d"]}}}}}})");
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  ASSERT_EQ(found.rows_size(), 1);
  const auto& children = found.rows(0).fields().at("children").rows().rows();
  ASSERT_EQ(children.size(), 2);
  EXPECT_EQ(found.rows(0).fields().at("d").value().double_value(), 15.35325689124218);
  EXPECT_EQ(children[0].fields().at("d").value().double_value(), 0.1);
  EXPECT_EQ(children[1].fields().at("d").value().double_value(), -2.2250738585072014e-308);
  EXPECT_EQ(children[0].fields().at("parent").row().fields().at("d").value().double_value(), 15.35325689124218);
  // JSONB as JSON (key order and spacing are the database's: PostgreSQL's jsonb rewrites them).
  EXPECT_THAT(children[0].fields().at("jb").value().json_value(), ::testing::MatchesRegex(R"(\{"a": ?\[1, ?"x"\]\})"));
  EXPECT_EQ(children[1].fields().at("jb").value().json_value(), "\"just a string\"");
}

TEST_P(Relational, BadRequestsNameTheirField) {
  auto refused = [&](const std::string& json, bool first = false) {
    Find(json, first);
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << json;
    auto paths = FieldPaths(last_);
    return paths.empty() ? last_.error_message() : paths[0];
  };
  EXPECT_EQ(refused(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "with": {"nope": {}}}})"),
            R"(find.with["nope"])");
  EXPECT_EQ(
      refused(
          R"({"target": {"schema": "blog"}, "find": {"table": "authors", "with": {"articles": {"columns": ["nope"]}}}})"),
      R"(find.with["articles"].columns[0])");
  EXPECT_EQ(
      refused(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "with": {"articles": {"with": {"author":
      {"order_by": [{"expression": {"column": {"name": "id"}}}]}}}}}})"),
      R"(find.with["articles"].with["author"].order_by)");
  EXPECT_EQ(refused(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "with": {"articles": {"where":
      {"eq": {"left": {"column": {"name": "title"}}, "right": {"value": {"int_value": "1"}}}}}}}})"),
            R"(find.with["articles"].where.eq.right.value)");
  EXPECT_EQ(
      refused(
          R"({"target": {"schema": "blog"}, "find": {"table": "authors", "with": {"articles": {"table": "topics"}}}})"),
      R"(find.with["articles"].table)");
  EXPECT_EQ(
      refused(
          R"({"target": {"schema": "blog"}, "find": {"table": "authors", "extras": [{"expression": {"column": {"name": "name"}}}]}})"),
      "find.extras[0].alias");
  EXPECT_EQ(refused(R"({"target": {"schema": "blog"}, "find": {"table": "authors", "limit": "3"}})", true),
            "find.limit");  // FindFirst
}

// Relations nest 16 levels deep (authors → articles → author → articles ...) in one statement,
// the deepest level's conditions as deep as expressions go (32); a 17th level is refused with its
// path and the limit. SQLite's parser (a stack of 100) takes about 6 levels: beyond, it refuses
// the statement with INVALID_ARGUMENT and its own words.
TEST_P(Relational, RelationsNestSixteenLevelsAndNoDeeper) {
  const auto nested = [](int levels, int condition_depth) {
    v1::FindManyRequest request =
        FromJson<v1::FindManyRequest>(R"({"target": {"schema": "blog"}, "find": {"table": "authors"}})");
    v1::Find* find = request.mutable_find();
    std::string path = "find";
    for (int i = 1; i < levels; ++i) {
      const std::string relation = i % 2 == 1 ? "articles" : "author";
      find = &(*find->mutable_with())[relation];
      path += ".with[\"" + relation + "\"]";
    }
    // The deepest level's condition: id >= 0, inside single-condition `and`s.
    v1::Condition* condition = find->mutable_where();
    for (int i = 1; i < condition_depth; ++i) condition = condition->mutable_and_()->add_conditions();
    *condition = FromJson<v1::Condition>(
        R"({"gte": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "0"}}}})");
    return std::make_pair(request, path);
  };
  v1::FindResult result;
  const bool sqlite = GetParam() == "sqlite";
  ASSERT_TRUE(
      Call(&v1::QueryService::Stub::FindMany, queries_.get(), nested(sqlite ? 6 : 16, sqlite ? 8 : 30).first, &result)
          .ok())
      << last_.error_message();
  EXPECT_EQ(result.rows_size(), 3);  // every author, each with the chain below
  if (sqlite) {
    EXPECT_FALSE(Call(&v1::QueryService::Stub::FindMany, queries_.get(), nested(7, 1).first, &result).ok());
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(last_.error_message(), HasSubstr("parser stack overflow"));
  }
  const auto [seventeen, too_deep] = nested(17, 1);
  EXPECT_FALSE(Call(&v1::QueryService::Stub::FindMany, queries_.get(), seventeen, &result).ok());
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(std::count(too_deep.begin(), too_deep.end(), '['), 16);
  EXPECT_THAT(FieldPaths(last_), ElementsAre(too_deep));
  EXPECT_THAT(last_.error_message(), HasSubstr("relations (`with`) nest at most 16 levels"));
}

TEST_P(Relational, LintWarnsAndStrictRefuses) {
  // A one relation without a foreign key, over a nullable column; a foreign key without an index.
  const std::string schema = R"({"name": "linted", "tables": [
      {"name": "teams", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}]},
      {"name": "players", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
         {"name": "team_id", "type": "INTEGER"},
         {"name": "coach_id", "type": "INTEGER", "not_null": true, "references": {"table": "teams", "column": "id"}}]}],
    "relations": [
      {"table": "players", "name": "team", "kind": "ONE", "target_table": "teams", "fields": ["team_id"], "references": ["id"]},
      {"table": "players", "name": "coach", "kind": "ONE", "target_table": "teams", "fields": ["coach_id"], "references": ["id"]}]})";
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = FromJson<v1::Schema>(schema);
  request.set_strict(true);
  v1::RegisterSchemaResponse response;
  Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("schema.relations[0].fields", "schema.relations[0].fields[0]",
                                             "schema.tables[1].columns[2].references"));
  v1::GetSchemaResponse got;
  Call(&v1::SchemaService::Stub::GetSchema, schemas_.get(),
       FromJson<v1::GetSchemaRequest>(R"({"target": {"schema": "linted"}})"), &got);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::NOT_FOUND);  // strict stored nothing

  request.set_strict(false);
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response).ok());
  std::vector<std::string> warnings;
  for (const auto& w : response.warnings()) warnings.push_back(w.code() + " " + w.field());
  EXPECT_THAT(warnings, ElementsAre("RELATION_WITHOUT_FOREIGN_KEY schema.relations[0].fields",
                                    "NULLABLE_ONE_RELATION schema.relations[0].fields[0]",
                                    "FOREIGN_KEY_WITHOUT_INDEX schema.tables[1].columns[2].references"));
  EXPECT_THAT(response.warnings(0).message(), ::testing::HasSubstr("relations do not create foreign keys"));

  // A many relation with nothing to resolve it by is an error, not a warning.
  *request.mutable_schema() = FromJson<v1::Schema>(R"({"name": "broken", "tables": [
      {"name": "a", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}]},
      {"name": "b", "columns": [{"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true}]}],
    "relations": [{"table": "a", "name": "bs", "kind": "MANY", "target_table": "b"}]})");
  Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ElementsAre("schema.relations[0].fields"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, Relational, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
