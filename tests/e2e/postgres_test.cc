// PostgreSQL specifics, against the real server tools/test.sh starts: every type round-trips
// exactly, constraint errors name their constraint, a call's deadline or cancel stops its
// statement in the server, and a server restart is survived.
#include <libpq-fe.h>

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/dialect_fixture.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/support/in_process_server.h"
#include "tests/support/status_details.h"

namespace sluice {
namespace {

using testing::FieldPaths;
using ::testing::HasSubstr;

template <typename Message>
Message Json(const std::string& json) {
  return testing::FromJson<Message>(json);
}

using testing::ToJson;

// A libpq session of the test's own (to hold locks, read pg_stat_activity).
class Session {
 public:
  explicit Session(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~Session() { PQfinish(conn_); }
  std::string Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::string value = PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_);
    PQclear(r);
    return value;
  }

 private:
  PGconn* conn_;
};

constexpr char kSchema[] = R"({"schema": {"name": "kinds", "enums": [{"name": "mood", "values": ["happy", "sad"]}],
  "sequences": [{"name": "ticket_numbers", "namespace": "lab", "start": "1000", "increment": "10"}],
  "tables": [{"name": "samples", "namespace": "lab", "columns": [
    {"name": "id", "type": "BIGINT", "primary_key": true, "not_null": true, "auto_increment": true},
    {"name": "i2", "type": "SMALLINT"}, {"name": "i4", "type": "INTEGER"}, {"name": "i8", "type": "BIGINT"},
    {"name": "b", "type": "BOOLEAN"}, {"name": "t", "type": "TEXT"}, {"name": "vc", "type": "VARCHAR", "length": 5},
    {"name": "ch", "type": "CHAR", "length": 3}, {"name": "n", "type": "DECIMAL", "precision": 30, "scale": 10},
    {"name": "r", "type": "REAL"}, {"name": "d", "type": "DOUBLE"}, {"name": "day", "type": "DATE"},
    {"name": "tm", "type": "TIME"}, {"name": "ts", "type": "TIMESTAMP"}, {"name": "tstz", "type": "TIMESTAMPTZ"},
    {"name": "iv", "type": "INTERVAL"}, {"name": "j", "type": "JSON"}, {"name": "jb", "type": "JSONB"},
    {"name": "u", "type": "UUID"}, {"name": "bytes", "type": "BYTES"}, {"name": "m", "type": "ENUM", "enum_name": "mood"},
    {"name": "qty", "type": "INTEGER", "not_null": true, "default": {"value": {"int_value": "1"}}},
    {"name": "words", "type": "TEXT", "array": true}, {"name": "nums", "type": "BIGINT", "array": true},
    {"name": "moods", "type": "ENUM", "enum_name": "mood", "array": true},
    {"name": "times", "type": "TIMESTAMPTZ", "array": true},
    {"name": "ticket", "type": "BIGINT", "not_null": true, "default": {"sequence": "ticket_numbers"}}],
    "checks": [{"name": "samples_qty_positive", "condition": {"gt": {"left": {"column": {"name": "qty"}}, "right": {"value": {"int_value": "0"}}}}}],
    "indexes": [{"name": "samples_t_partial", "columns": ["t"], "where": {"is_not_null": {"column": {"name": "t"}}}, "method": "btree"}]}]}})";

class Postgres : public testing::DialectTest {
 protected:
  Postgres() : DialectTest("postgres", kSchema) {}

  std::shared_ptr<void> LockSamples() override {
    auto session = std::make_shared<Session>(url_);
    session->Exec("BEGIN");
    session->Exec("LOCK TABLE lab.samples IN ACCESS EXCLUSIVE MODE");
    return session;  // the lock ends with the session
  }
  int RunningInserts() override {
    return std::stoi(
        Session(url_).Exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND state = 'active' AND query LIKE 'INSERT INTO%'"));
  }
  std::string SleepSql() override { return "SELECT pg_sleep(30)"; }
  // A sluiced of the test's own, with a pool of `size` connections to the test's database.
  std::unique_ptr<testing::InProcessServer> Pooled(int size) {
    return std::make_unique<testing::InProcessServer>(std::vector<std::string>{
        "--plugin-dir", "lib/plugins", "--pool-size", std::to_string(size), "--database", "default=" + url_});
  }
  // A row of the test's table (through the fixture's own sluiced).
  bool InsertI4(int id, int i4) {
    v1::QueryResult result;
    const grpc::Status status =
        Insert(absl::StrCat(R"({"id": {"int_value": ")", id, R"("}, "i4": {"int_value": ")", i4, R"("}})"), &result);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return status.ok();
  }
  // A session of the test's own holding a lock on row `id` until it goes.
  std::shared_ptr<Session> LockRow(int id) {
    auto session = std::make_shared<Session>(url_);
    session->Exec("BEGIN");
    session->Exec(absl::StrCat("SELECT * FROM lab.samples WHERE id = ", id, " FOR UPDATE"));
    return session;
  }
  int Connections() override {
    return std::stoi(Session(url_).Exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"));
  }
};

TEST_F(Postgres, EveryTypeRoundTripsExactly) {
  v1::QueryResult inserted;
  grpc::Status status = Insert(R"({"i2": {"int_value": "-32768"}, "i4": {"int_value": "2147483647"},
      "i8": {"int_value": "9223372036854775807"}, "b": {"bool_value": false}, "t": {"string_value": "Grüße, 世界 ☕"},
      "vc": {"string_value": "abcde"}, "ch": {"string_value": "ab"}, "n": {"decimal_value": "12345678901234567890.0123456789"},
      "r": {"double_value": 1.5}, "d": {"double_value": 0.1}, "day": {"date_value": "2024-02-29"},
      "tm": {"time_value": "13:45:00.123456"}, "ts": {"timestamp_value": "2024-02-29T13:45:00.5"},
      "tstz": {"timestamp_value": "2024-02-29T13:45:00+02:00"}, "iv": {"string_value": "1 day 02:00:00"},
      "j": {"json_value": "{\"b\":1,\"a\":[1,2]}"}, "jb": {"json_value": "{\"b\":1,\"a\":[1,2]}"},
      "u": {"uuid_value": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}, "bytes": {"bytes_value": "AP8A"},
      "m": {"string_value": "sad"},
      "words": {"list_value": {"values": [{"string_value": "a,b"}, {"string_value": "say \"hi\""}, {"null_value": null},
                                          {"string_value": "back\\slash"}, {"string_value": "NULL"}, {"string_value": ""}]}},
      "nums": {"list_value": {"values": [{"int_value": "-9223372036854775808"}, {"null_value": null}, {"int_value": "7"}]}},
      "moods": {"list_value": {"values": [{"string_value": "happy"}, {"string_value": "sad"}]}},
      "times": {"list_value": {"values": [{"timestamp_value": "2024-01-02T03:04:05Z"}]}}})",
                               &inserted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  v1::QueryResult result = SelectAll();
  ASSERT_EQ(result.rows_size(), 1);
  EXPECT_EQ(
      ToJson(result.rows(0)),
      absl::StrCat(
          R"({"values":[{"int_value":"1"},{"int_value":"-32768"},)",
          R"({"int_value":"2147483647"},{"int_value":"9223372036854775807"},{"bool_value":false},)",
          R"({"string_value":"Grüße, 世界 ☕"},{"string_value":"abcde"},{"string_value":"ab "},)",
          R"({"decimal_value":"12345678901234567890.0123456789"},{"double_value":1.5},{"double_value":0.1},)",
          R"({"date_value":"2024-02-29"},{"time_value":"13:45:00.123456"},{"timestamp_value":"2024-02-29T13:45:00.5"},)",
          R"({"timestamp_value":"2024-02-29T11:45:00Z"},{"string_value":"1 day 02:00:00"},)",
          R"({"json_value":"{\"b\":1,\"a\":[1,2]}"},{"json_value":"{\"a\": [1, 2], \"b\": 1}"},)",
          R"({"uuid_value":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},{"bytes_value":"AP8A"},{"string_value":"sad"},{"int_value":"1"},)",
          R"({"list_value":{"values":[{"string_value":"a,b"},{"string_value":"say \"hi\""},{"null_value":null},)",
          R"({"string_value":"back\\slash"},{"string_value":"NULL"},{"string_value":""}]}},)",
          R"({"list_value":{"values":[{"int_value":"-9223372036854775808"},{"null_value":null},{"int_value":"7"}]}},)",
          R"({"list_value":{"values":[{"string_value":"happy"},{"string_value":"sad"}]}},)",
          R"({"list_value":{"values":[{"timestamp_value":"2024-01-02T03:04:05Z"}]}},{"int_value":"1000"}]})"));
  // The table lives in the `lab` namespace, with its partial index.
  Session session(url_);
  EXPECT_EQ(session.Exec("SELECT indexdef FROM pg_indexes WHERE indexname = 'samples_t_partial'"),
            "CREATE INDEX samples_t_partial ON lab.samples USING btree (t) WHERE (t IS NOT NULL)");
}

// An IN list of values is bound as one array (`= ANY($1)`): each kind of column finds its row
// through it, text with commas and quotes, timestamps with zones, decimals, enums included.
TEST_F(Postgres, InListsBindAsOneArrayForEveryKind) {
  v1::QueryResult inserted;
  ASSERT_TRUE(Insert(R"({"i2": {"int_value": "-32768"}, "i8": {"int_value": "9223372036854775807"},
      "b": {"bool_value": true}, "t": {"string_value": "a,b \"q\" {x} back\\slash"}, "ch": {"string_value": "ab"},
      "n": {"decimal_value": "12345678901234567890.0123456789"}, "d": {"double_value": 0.1},
      "day": {"date_value": "2024-02-29"}, "tm": {"time_value": "13:45:00.123456"},
      "ts": {"timestamp_value": "2024-02-29T13:45:00.5"}, "tstz": {"timestamp_value": "2024-02-29T13:45:00+02:00"},
      "u": {"uuid_value": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, "m": {"string_value": "sad"}})",
                     &inserted)
                  .ok());
  // Each column with two values: the row's and another.
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> lists = {
      {"i2", {R"({"int_value": "-32768"})", R"({"int_value": "5"})"}},
      {"i8", {R"({"int_value": "9223372036854775807"})", R"({"int_value": "0"})"}},
      {"b", {R"({"bool_value": true})", R"({"bool_value": true})"}},
      {"t", {R"({"string_value": "a,b \"q\" {x} back\\slash"})", R"({"string_value": "NULL"})"}},
      {"ch", {R"({"string_value": "ab"})", R"({"string_value": "zz"})"}},
      {"n", {R"({"decimal_value": "12345678901234567890.0123456789"})", R"({"decimal_value": "1"})"}},
      {"d", {R"({"double_value": 0.1})", R"({"double_value": 2})"}},
      {"day", {R"({"date_value": "2024-02-29"})", R"({"date_value": "2000-01-01"})"}},
      {"tm", {R"({"time_value": "13:45:00.123456"})", R"({"time_value": "00:00:00"})"}},
      {"ts", {R"({"timestamp_value": "2024-02-29T13:45:00.5"})", R"({"timestamp_value": "2024-02-29T13:45:00"})"}},
      {"tstz", {R"({"timestamp_value": "2024-02-29T11:45:00Z"})", R"({"timestamp_value": "2024-02-29T13:45:00Z"})"}},
      {"u",
       {R"({"uuid_value": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"})",
        R"({"uuid_value": "00000000-0000-0000-0000-000000000000"})"}},
      {"m", {R"({"string_value": "sad"})", R"({"string_value": "happy"})"}},
  };
  for (const auto& [column, values] : lists) {
    v1::QueryResult found;
    grpc::ClientContext context;
    grpc::Status status = testing::CallInto(
        &v1::QueryService::Stub::Select, &*queries_, &context,
        Json<v1::SelectRequest>(absl::StrCat(
            R"({"target": {"schema": "kinds"}, "select": {"table": "samples", "columns": [{"expression": {"column": {"name": "id"}}}],
                "where": {"in": {"left": {"column": {"name": ")",
            column, R"("}}, "values": [{"value": )", values.first, R"(}, {"value": )", values.second, R"(}]}}}})")),
        &found);
    ASSERT_TRUE(status.ok()) << column << ": " << status.error_message();
    EXPECT_EQ(found.rows_size(), 1) << column;
  }
}

TEST_F(Postgres, DefaultsComeFromSequences) {
  v1::QueryResult first, second;
  ASSERT_TRUE(Insert("{}", &first).ok());
  // A multi-row insert where one row sets the column and the other takes the sequence.
  grpc::ClientContext context;
  ASSERT_TRUE(testing::CallInto(&v1::QueryService::Stub::Insert, &*queries_, &context,
                                Json<v1::InsertRequest>(R"({"target": {"schema": "kinds"}, "insert": {
      "table": "samples", "rows": [{"values": {"ticket": {"int_value": "5"}}}, {"values": {}}],
      "returning": ["ticket"]}})"),
                                &second)
                  .ok());
  EXPECT_EQ(ToJson(second),
            R"({"columns":[{"name":"ticket","table":"samples","type":"BIGINT"}],)"
            R"("rows":[{"values":[{"int_value":"5"}]},{"values":[{"int_value":"1010"}]}],"rows_affected":"2"})");
}

TEST_F(Postgres, DistinctOnAndArrayOperators) {
  v1::QueryResult result;
  for (
      const char* row :
      {R"({"m": {"string_value": "sad"}, "words": {"list_value": {"values": [{"string_value": "a"}, {"string_value": "b"}]}}})",
       R"({"m": {"string_value": "sad"}, "words": {"list_value": {"values": [{"string_value": "c"}]}}})",
       R"({"m": {"string_value": "happy"}, "words": {"list_value": {"values": [{"string_value": "b"}, {"string_value": "c"}]}}})"}) {
    ASSERT_TRUE(Insert(row, &result).ok());
  }
  auto ids = [&](const std::string& select) {
    grpc::ClientContext context;
    v1::QueryResult r;
    grpc::Status status = testing::CallInto(
        &v1::QueryService::Stub::Select, &*queries_, &context,
        Json<v1::SelectRequest>(absl::StrCat(
            R"({"target": {"schema": "kinds"}, "select": {"table": "samples", "columns": [{"expression": {"column": {"name": "id"}}}], )",
            select, "}}")),
        &r);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<int64_t> out;
    for (const auto& row : r.rows()) out.push_back(row.values(0).int_value());
    return out;
  };
  EXPECT_THAT(
      ids(R"("where": {"array_contains": {"left": {"column": {"name": "words"}}, "right": {"value": {"list_value": {"values": [{"string_value": "b"}]}}}}},
                     "order_by": [{"expression": {"column": {"name": "id"}}}])"),
      ::testing::ElementsAre(1, 3));
  EXPECT_THAT(
      ids(R"("where": {"array_overlaps": {"left": {"column": {"name": "words"}}, "right": {"value": {"list_value": {"values": [{"string_value": "a"}, {"string_value": "z"}]}}}}})"),
      ::testing::ElementsAre(1));
  // One row per mood: the one with the highest id.
  EXPECT_THAT(ids(R"("distinct_on": [{"column": {"name": "m"}}],
                     "order_by": [{"expression": {"column": {"name": "m"}}}, {"expression": {"column": {"name": "id"}}, "descending": true}])"),
              ::testing::ElementsAre(3, 2));
}

TEST_F(Postgres, ConstraintErrorsNameTheConstraint) {
  v1::QueryResult result;
  grpc::Status status = Insert(R"({"qty": {"int_value": "0"}})", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(testing::ErrorInfo(status, "constraint"), "samples_qty_positive");
  EXPECT_EQ(testing::ErrorInfo(status, "sqlstate"), "23514");
  ASSERT_TRUE(Insert(R"({"id": {"int_value": "7"}})", &result).ok());
  status = Insert(R"({"id": {"int_value": "7"}})", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(testing::ErrorInfo(status, "constraint"), "samples_pkey");
  EXPECT_EQ(testing::ErrorInfo(status, "sqlstate"), "23505");
}

// Pull's namespaces reach PostgreSQL as one bound text[] of quoted names: a name with `{` or a
// quote is just a name (no INTERNAL from a malformed array literal); a name the ABI cannot carry
// (a comma, NUL, empty) is refused with its field path before any SQL.
TEST_F(Postgres, PullNamespacesAreBoundAsOneArray) {
  Session(url_).Exec("CREATE SCHEMA \"we{ird\"\"ns\"; CREATE TABLE \"we{ird\"\"ns\".things (id integer PRIMARY KEY)");
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(),
                   Json<v1::PullRequest>(R"({"namespaces": ["we{ird\"ns", "x{"]})"), &pulled)
                  .ok())
      << last_.error_message();
  ASSERT_EQ(pulled.schema().tables_size(), 1) << pulled.DebugString();
  EXPECT_EQ(pulled.schema().tables(0).name(), "things");
  EXPECT_EQ(pulled.schema().tables(0).namespace_(), "we{ird\"ns");
  EXPECT_EQ(Call(&v1::MigrationService::Stub::Pull, migrations_.get(),
                 Json<v1::PullRequest>(R"({"namespaces": ["lab", "nope,public"]})"), &pulled)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(testing::FieldPaths(last_), std::vector<std::string>{"namespaces[1]"});
}

// A migration marked no_transaction runs statement by statement: CREATE INDEX CONCURRENTLY, which
// PostgreSQL refuses inside a transaction block, applies; unmarked, it fails and nothing is kept.
TEST_F(Postgres, AMigrationOutsideATransactionCreatesAnIndexConcurrently) {
  auto migrate = [&](bool no_transaction) {
    v1::MigrateRequest request;
    request.mutable_target()->set_schema("kinds");
    v1::Migration* m = request.add_migrations();
    m->set_name(no_transaction ? "0001_index_outside" : "0001_index_inside");
    m->set_no_transaction(no_transaction);
    m->add_statements("CREATE INDEX CONCURRENTLY samples_i4 ON lab.samples (i4)");
    v1::MigrateResponse response;
    Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), request, &response);
    return response;
  };
  migrate(false);
  EXPECT_FALSE(last_.ok());
  EXPECT_THAT(last_.error_message(), HasSubstr("cannot run inside a transaction block"));
  EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM pg_indexes WHERE indexname = 'samples_i4'"), "0");
  v1::MigrateResponse applied = migrate(true);
  ASSERT_TRUE(last_.ok()) << last_.error_message();
  EXPECT_EQ(applied.applied_size(), 1);
  EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM pg_indexes WHERE indexname = 'samples_i4'"), "1");
}

// Hand-made tables with serial and identity keys (and the sequences they own) pull, register and
// push --dry-run with nothing to do.
TEST_F(Postgres, HandMadeSerialAndIdentityKeysRoundTrip) {
  Session(url_).Exec(
      "CREATE TABLE hand_serial (id serial PRIMARY KEY, label text NOT NULL); "
      "CREATE TABLE hand_identity (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
      "serial_id integer REFERENCES hand_serial (id))");
  v1::PullRequest pull;
  pull.mutable_target()->set_schema("hand");
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), pull, &pulled).ok()) << last_.error_message();
  v1::Schema hand = pulled.schema();
  // Only the hand-made tables (the fixture's own schema manages the rest).
  hand.clear_tables();
  for (const auto& t : pulled.schema().tables()) {
    if (absl::StartsWith(t.name(), "hand_")) *hand.add_tables() = t;
  }
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = hand;
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message() << "\n"
      << hand.DebugString();
  v1::PushResponse dry;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Push, migrations_.get(),
                   Json<v1::PushRequest>(R"({"target": {"schema": "hand"}, "dry_run": true})"), &dry)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(dry.statements(), ::testing::ElementsAre()) << hand.DebugString();
  // Pull tells the three kinds apart: serial, ALWAYS, and (the default) BY DEFAULT.
  for (const auto& t : hand.tables()) {
    EXPECT_EQ(t.columns(0).identity(), t.name() == "hand_serial" ? v1::Column::SERIAL : v1::Column::ALWAYS) << t.name();
  }
}

// Sequences with bounds, cycle and cache; identity columns GENERATED ALWAYS (writes that give a
// value refused) and serial ones, distinct from the default BY DEFAULT identity: created, read
// back by pull, changed by push (ALTER SEQUENCE, SET GENERATED), and their mistakes.
TEST_F(Postgres, SequenceOptionsAndIdentityKinds) {
  const std::string schema = R"({"name": "counters",
    "sequences": [{"name": "laps", "start": "3", "increment": "2", "min_value": "1", "max_value": "5", "cycle": true, "cache": "4"}],
    "tables": [
      {"name": "always_ids", "columns": [
        {"name": "id", "type": "BIGINT", "primary_key": true, "not_null": true, "auto_increment": true, "identity": "ALWAYS"},
        {"name": "lap", "type": "BIGINT", "not_null": true, "default": {"sequence": "laps"}}]},
      {"name": "serial_ids", "columns": [
        {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true, "auto_increment": true, "identity": "SERIAL"},
        {"name": "label", "type": "TEXT"}]}]})";
  const auto register_schema = [&](const std::string& json) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = Json<v1::Schema>(json);
    v1::RegisterSchemaResponse registered;
    return Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered);
  };
  RegisterAndMigrate(schema);
  const auto insert = [&](const std::string& table, const std::string& row) {
    v1::QueryResult result;
    grpc::ClientContext context;
    last_ = testing::CallInto(
        &v1::QueryService::Stub::Insert, &*queries_, &context,
        Json<v1::InsertRequest>(absl::StrCat(R"({"target": {"schema": "counters"}, "insert": {"table": ")", table,
                                             R"(", "rows": [)", row, R"(], "returning": ["id"]}})")),
        &result);
    return result;
  };
  std::vector<std::string> laps;
  for (int i = 0; i < 4; ++i) {
    v1::QueryResult r = insert("always_ids", R"({"values": {}})");
    ASSERT_EQ(r.rows_size(), 1) << last_.error_message();
    EXPECT_EQ(r.rows(0).values(0).int_value(), i + 1);
  }
  EXPECT_EQ(Session(url_).Exec("SELECT string_agg(lap::text, ',' ORDER BY id) FROM always_ids"), "3,5,1,3");  // cycles
  // ALWAYS: a write that gives the id is refused before SQL, with its path.
  insert("always_ids", R"({"values": {"id": {"int_value": "9"}}})");
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(FieldPaths(last_), ::testing::ElementsAre("insert.rows[0].values[\"id\"]"));
  v1::QueryResult updated;
  grpc::ClientContext update_context;
  last_ =
      testing::CallInto(&v1::QueryService::Stub::Update, &*queries_, &update_context,
                        Json<v1::UpdateRequest>(R"({"target": {"schema": "counters"}, "update": {"table": "always_ids",
                        "set": {"id": {"int_value": "9"}}, "all_rows": true}})"),
                        &updated);
  EXPECT_THAT(FieldPaths(last_), ::testing::ElementsAre("update.set[\"id\"]"));
  // SERIAL: a value may be given; else the owned sequence's next.
  EXPECT_EQ(insert("serial_ids", R"({"values": {"label": {"string_value": "a"}}})").rows(0).values(0).int_value(), 1);
  EXPECT_EQ(Session(url_).Exec("SELECT format_type(atttypid, atttypmod) || ' ' || attidentity::text || "
                               "pg_get_serial_sequence('serial_ids', 'id') FROM pg_attribute "
                               "WHERE attrelid = 'serial_ids'::regclass AND attname = 'id'"),
            "integer public.serial_ids_id_seq");

  // Pull reads every option back.
  v1::PullRequest pull;
  pull.mutable_target()->set_schema("counters");
  v1::PullResponse pulled;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Pull, migrations_.get(), pull, &pulled).ok()) << last_.error_message();
  bool seen = false;
  for (const v1::Sequence& q : pulled.schema().sequences()) {
    if (q.name() != "laps") continue;
    seen = true;
    EXPECT_EQ(ToJson(q), R"({"name":"laps","start":"3","increment":"2","max_value":"5","cycle":true,"cache":"4"})");
  }
  EXPECT_TRUE(seen) << pulled.DebugString();
  for (const v1::Table& t : pulled.schema().tables()) {
    if (t.name() == "always_ids") EXPECT_EQ(t.columns(0).identity(), v1::Column::ALWAYS);
    if (t.name() == "serial_ids") EXPECT_EQ(t.columns(0).identity(), v1::Column::SERIAL);
  }

  // Another schema's sequence in the same namespace is not counters' to drop.
  RegisterAndMigrate(R"({"name": "others", "sequences": [{"name": "other_numbers"}], "tables": [{"name": "others",
      "columns": [{"name": "n", "type": "BIGINT", "default": {"sequence": "other_numbers"}}]}]})");
  // Push: new options are one ALTER SEQUENCE; ALWAYS → BY DEFAULT one SET GENERATED.
  std::string changed = absl::StrReplaceAll(
      schema,
      {{R"("increment": "2", "min_value": "1", "max_value": "5", "cycle": true, "cache": "4")", R"("increment": "1")"},
       {R"("identity": "ALWAYS")", R"("identity": "BY_DEFAULT")"}});
  ASSERT_TRUE(register_schema(changed).ok()) << last_.error_message();
  v1::PushResponse pushed;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Push, migrations_.get(),
                   Json<v1::PushRequest>(R"({"target": {"schema": "counters"}})"), &pushed)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(pushed.statements(),
              ::testing::ElementsAre(
                  R"(ALTER SEQUENCE "laps" INCREMENT BY 1 NO MINVALUE NO MAXVALUE START WITH 3 CACHE 1 NO CYCLE)",
                  R"(ALTER TABLE "always_ids" ALTER COLUMN "id" SET GENERATED BY DEFAULT)"));
  EXPECT_EQ(insert("always_ids", R"({"values": {"id": {"int_value": "100"}}})").rows(0).values(0).int_value(), 100);
  insert("always_ids", R"({"values": {"id": {"int_value": "101"}}})");
  EXPECT_EQ(
      Session(url_).Exec("SELECT (SELECT lap FROM always_ids WHERE id = 101) - lap FROM always_ids WHERE id = 100"),
      "1");  // now by 1, past 5

  // serial ↔ identity is not a change push makes; and the schema's own mistakes.
  ASSERT_TRUE(
      register_schema(absl::StrReplaceAll(changed, {{R"("identity": "SERIAL")", R"("identity": "ALWAYS")"}})).ok());
  Call(&v1::MigrationService::Stub::Push, migrations_.get(),
       Json<v1::PushRequest>(R"({"target": {"schema": "counters"}})"), &pushed);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(last_.error_message(), HasSubstr("between serial and identity"));
  register_schema(
      absl::StrReplaceAll(schema, {{R"("auto_increment": true, "identity": "SERIAL")", R"("identity": "SERIAL")"}}));
  EXPECT_THAT(FieldPaths(last_), ::testing::ElementsAre("schema.tables[1].columns[0].identity"));
  register_schema(absl::StrReplaceAll(schema, {{R"("start": "3")", R"("start": "7")"}}));
  EXPECT_THAT(FieldPaths(last_), ::testing::ElementsAre("schema.sequences[0].start"));
  register_schema(absl::StrReplaceAll(schema, {{R"("min_value": "1")", R"("min_value": "5")"}}));
  EXPECT_THAT(FieldPaths(last_), ::testing::ElementsAre("schema.sequences[0].max_value"));
}

// With --sql-comment, a call's traceparent rides on its statement as a sqlcommenter comment, seen
// in pg_stat_activity while the statement runs (here: waits for a lock).
TEST_F(Postgres, TheTraceparentIsInTheStatementWithSqlComment) {
  testing::InProcessServer commented({"--plugin-dir", "lib/plugins", "--database", "default=" + url_, "--sql-comment"});
  ASSERT_TRUE(commented.ok());
  auto queries = v1::QueryService::NewStub(commented.channel());
  grpc::Status selected;
  std::string seen;
  {
    auto lock = LockSamples();
    std::thread call([&] {
      grpc::ClientContext context;
      context.AddMetadata("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
      v1::SelectResponse response;
      selected = queries->Select(
          &context, Json<v1::SelectRequest>(R"({"target": {"schema": "kinds"}, "select": {"table": "samples"}})"),
          &response);
    });
    for (int i = 0; i < 100 && seen.empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      seen = Session(url_).Exec(
          "SELECT coalesce(max(query), '') FROM pg_stat_activity WHERE query LIKE '%traceparent=%' AND pid <> "
          "pg_backend_pid()");
    }
    lock.reset();  // the select goes on
    call.join();
  }
  EXPECT_TRUE(selected.ok()) << selected.error_message();
  EXPECT_THAT(seen, HasSubstr("FROM \"lab\".\"samples\""));
  EXPECT_THAT(seen, HasSubstr("/*traceparent='00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'*/"));
}

// The value of the metric line that starts with `name` (0 when absent).
uint64_t Counter(const testing::InProcessServer& server, const std::string& name) {
  const std::string metrics = server.metrics();
  const size_t at = metrics.find(name + " ");
  return at == std::string::npos ? 0 : std::stoull(metrics.substr(at + name.size() + 1));
}

std::string SelectI4(int id) {
  return absl::StrCat(R"({"target": {"schema": "kinds"}, "select": {"table": "samples",
      "columns": [{"expression": {"column": {"name": "i4"}}}],
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": ")",
                      id, R"("}}}}}})");
}

std::string UpdateI4(int id, int value) {
  return absl::StrCat(R"({"target": {"schema": "kinds"}, "update": {"table": "samples",
      "set": {"i4": {"int_value": ")",
                      value,
                      R"("}}, "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": ")",
                      id, R"("}}}}}})");
}

// With a pool of one connection, the calls that come while others' statements are in flight are
// sent behind them on that connection (pipelined). Each still gets exactly its own rows, or its
// own error: a failing insert among them fails alone and changes nothing.
TEST_F(Postgres, CallsPipelinedOnOneConnectionEachGetTheirOwnResult) {
  const std::unique_ptr<testing::InProcessServer> one = Pooled(1);
  ASSERT_TRUE(one->ok());
  auto queries = v1::QueryService::NewStub(one->channel());
  for (int id = 1; id <= 40; ++id) ASSERT_TRUE(InsertI4(id, id * 10));
  const uint64_t before = Counter(*one, "sluice_pipelined_statements_total{database=\"default\"}");
  std::atomic<int> wrong{0}, rows_right{0}, refused_right{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        const int id = (t * 60 + i) % 40 + 1;
        if (i % 3 != 2) {
          v1::SelectResponse response;
          const grpc::Status status = queries->Select(&context, Json<v1::SelectRequest>(SelectI4(id)), &response);
          const v1::QueryResult& got = response.result();
          if (status.ok() && got.rows_size() == 1 && got.rows(0).values(0).int_value() == id * 10) {
            ++rows_right;
          } else {
            ++wrong;
            ADD_FAILURE() << "select " << id << ": " << status.error_message() << " " << ToJson(response.result());
          }
          continue;
        }
        // An existing key, or a quantity the check refuses.
        const bool duplicate = i % 2 == 0;
        v1::InsertResponse response;
        const grpc::Status status = queries->Insert(
            &context,
            Json<v1::InsertRequest>(absl::StrCat(
                R"({"target": {"schema": "kinds"}, "insert": {"table": "samples", "rows": [{"values": )",
                duplicate ? absl::StrCat(R"({"id": {"int_value": ")", id, R"("}})") : R"({"qty": {"int_value": "0"}})",
                "}]}}")),
            &response);
        if (status.error_code() ==
            (duplicate ? grpc::StatusCode::ALREADY_EXISTS : grpc::StatusCode::FAILED_PRECONDITION)) {
          ++refused_right;
        } else {
          ++wrong;
          ADD_FAILURE() << "insert: " << status.error_code() << " " << status.error_message();
        }
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(rows_right.load(), 8 * 40);
  EXPECT_EQ(refused_right.load(), 8 * 20);
  EXPECT_GT(Counter(*one, "sluice_pipelined_statements_total{database=\"default\"}"), before);
  EXPECT_EQ(SelectAll().rows_size(), 40);
}

// A call whose statement waits on a lock ends at its deadline while calls that came after it on
// the same (only) connection still get their rows: the interrupt meant for it never ends theirs.
TEST_F(Postgres, ADeadlineInAPipelineEndsOnlyItsOwnCall) {
  const std::unique_ptr<testing::InProcessServer> one = Pooled(1);
  ASSERT_TRUE(one->ok());
  auto queries = v1::QueryService::NewStub(one->channel());
  ASSERT_TRUE(InsertI4(1, 10));
  for (int round = 0; round < 3; ++round) {
    {  // prepared on the connection first (the first call of a statement runs on a worker)
      grpc::ClientContext context;
      v1::SelectResponse response;
      ASSERT_TRUE(queries->Select(&context, Json<v1::SelectRequest>(SelectI4(1)), &response).ok());
    }
    std::shared_ptr<Session> session = LockRow(1);
    std::thread held([&] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
      v1::UpdateResponse response;
      const grpc::Status updated = queries->Update(&context, Json<v1::UpdateRequest>(UpdateI4(1, 99)), &response);
      EXPECT_EQ(updated.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    });
    std::vector<std::thread> readers;
    std::atomic<int> right{0};
    for (int t = 0; t < 6; ++t) {
      readers.emplace_back([&] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
        v1::SelectResponse response;
        const grpc::Status status = queries->Select(&context, Json<v1::SelectRequest>(SelectI4(1)), &response);
        if (status.ok() && response.result().rows_size() == 1)
          ++right;
        else
          ADD_FAILURE() << status.error_code() << " " << status.error_message();
      });
    }
    held.join();
    for (std::thread& t : readers) t.join();
    EXPECT_EQ(right.load(), 6);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server had time to cancel it
    session.reset();                                              // the lock ends: the cancelled update must not apply
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Session(url_).Exec("SELECT i4 FROM lab.samples WHERE id = 1"), "10");
}

// Calls join a connection's pipeline only while its oldest statement is young: a statement that
// waits (on a row lock here) holds up no call that comes after its first moments; those take
// the pool's other connection.
TEST_F(Postgres, CallsDoNotQueueBehindAStatementThatWaits) {
  const std::unique_ptr<testing::InProcessServer> two = Pooled(2);
  ASSERT_TRUE(two->ok());
  auto queries = v1::QueryService::NewStub(two->channel());
  ASSERT_TRUE(InsertI4(1, 10));
  const auto select = [&](std::chrono::milliseconds timeout) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    v1::SelectResponse response;
    return queries->Select(&context, Json<v1::SelectRequest>(SelectI4(1)), &response);
  };
  const auto update = [&](std::chrono::milliseconds timeout) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    v1::UpdateResponse response;
    return queries->Update(&context, Json<v1::UpdateRequest>(UpdateI4(1, 11)), &response);
  };
  // The select prepared on the first connection; then, while a locked update holds that one
  // (prepared there by the blocking path), on the second.
  ASSERT_TRUE(select(std::chrono::seconds(10)).ok());
  std::shared_ptr<Session> session = LockRow(1);
  std::thread first(
      [&] { EXPECT_EQ(update(std::chrono::milliseconds(500)).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(select(std::chrono::seconds(10)).ok());
  first.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // cancelled, the connection back
  // Now the update runs on the first connection without a thread waiting (both statements are
  // prepared there) and waits on the lock; calls that come later must not queue behind it.
  grpc::Status waited;
  const uint64_t before = Counter(*two, "sluice_nonblocking_statements_total{database=\"default\"}");
  std::thread held([&] { waited = update(std::chrono::seconds(20)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Counter(*two, "sluice_nonblocking_statements_total{database=\"default\"}") - before, 1u)
      << "the update was to wait on the lock without a thread waiting for it";
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> readers;
  std::atomic<int> right{0};
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      const grpc::Status status = select(std::chrono::seconds(5));
      if (status.ok())
        ++right;
      else
        ADD_FAILURE() << status.error_code() << " " << status.error_message();
    });
  }
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(right.load(), 4);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  session.reset();  // the lock ends: the update goes on
  held.join();
  EXPECT_TRUE(waited.ok()) << waited.error_message();
  EXPECT_EQ(Session(url_).Exec("SELECT i4 FROM lab.samples WHERE id = 1"), "11");
}

// A Batch on `id`: an insert (i4 = id * 10), an update of it (to id * 10 + 1) and a select of it; with
// `duplicate_of`, an insert of that existing id second.
v1::BatchRequest InsertUpdateSelect(int id, int duplicate_of = 0) {
  const std::string where = absl::StrCat(
      R"("where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": ")", id, R"("}}}})");
  std::string operations = absl::StrCat(R"({"insert": {"table": "samples", "rows": [{"values": {"id": {"int_value": ")",
                                        id, R"("}, "i4": {"int_value": ")", id * 10, R"("}}}]}})");
  if (duplicate_of != 0) {
    absl::StrAppend(&operations, R"(, {"insert": {"table": "samples", "rows": [{"values": {"id": {"int_value": ")",
                    duplicate_of, R"("}}}]}})");
  }
  absl::StrAppend(
      &operations, R"(, {"update": {"table": "samples", "set": {"i4": {"int_value": ")", id * 10 + 1, R"("}}, )", where,
      R"(}}, {"select": {"table": "samples", "columns": [{"expression": {"column": {"name": "i4"}}}], )", where, "}}");
  return Json<v1::BatchRequest>(absl::StrCat(R"({"target": {"schema": "kinds"}, "operations": [)", operations, "]}"));
}

// On PostgreSQL a Batch's statements are sent together, as one transaction (one round trip, no
// thread waiting): all apply, or none; the failing operation is named; its deadline ends it.
TEST_F(Postgres, ABatchIsSentWholeAsOneTransaction) {
  const std::unique_ptr<testing::InProcessServer> one = Pooled(1);
  ASSERT_TRUE(one->ok());
  auto queries = v1::QueryService::NewStub(one->channel());
  const auto batch = [&](const v1::BatchRequest& request, v1::BatchResponse* response,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    return queries->Batch(&context, request, response);
  };
  const std::string sent = "sluice_nonblocking_statements_total{database=\"default\"}";
  v1::BatchResponse response;
  // The first runs a statement at a time on a worker (which prepares them on the connection).
  ASSERT_TRUE(batch(InsertUpdateSelect(1), &response).ok());
  uint64_t before = Counter(*one, sent);
  response.Clear();
  const grpc::Status whole = batch(InsertUpdateSelect(2), &response);
  ASSERT_TRUE(whole.ok()) << whole.error_message();
  EXPECT_EQ(Counter(*one, sent) - before, 3u) << "the three statements were to be sent together";
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).rows_affected(), 1u);
  EXPECT_EQ(response.results(1).rows_affected(), 1u);
  ASSERT_EQ(response.results(2).rows_size(), 1);
  EXPECT_EQ(response.results(2).rows(0).values(0).int_value(), 21);

  // A duplicate key second: the error names it, and the insert before it is not kept; the same
  // on a worker (the first time: the second insert is not prepared yet) and sent together.
  for (const uint64_t together : {0u, 4u}) {
    before = Counter(*one, sent);
    const grpc::Status duplicate = batch(InsertUpdateSelect(3, /*duplicate_of=*/1), &response);
    EXPECT_EQ(duplicate.error_code(), grpc::StatusCode::ALREADY_EXISTS) << duplicate.error_message();
    EXPECT_THAT(duplicate.error_message(), HasSubstr("operations[1] failed, nothing was kept"));
    EXPECT_EQ(Counter(*one, sent) - before, together);
    EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM lab.samples WHERE id = 3"), "0");
  }

  // A statement that waits on a lock past the call's deadline: nothing of the batch is kept.
  // (Its statements prepared first: a batch with the lock row's id.)
  ASSERT_TRUE(batch(InsertUpdateSelect(4), &response).ok());
  auto session = std::make_shared<Session>(url_);
  session->Exec("BEGIN");
  session->Exec("LOCK TABLE lab.samples IN SHARE MODE");  // inserts wait
  before = Counter(*one, sent);
  const grpc::Status late = batch(InsertUpdateSelect(5), &response, std::chrono::milliseconds(300));
  EXPECT_EQ(late.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << late.error_message();
  EXPECT_EQ(Counter(*one, sent) - before, 3u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the server had time to cancel it
  session.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM lab.samples WHERE id = 5"), "0");
  EXPECT_EQ(Session(url_).Exec("SELECT string_agg(id::text || ':' || i4::text, ',' ORDER BY id) FROM lab.samples"),
            "1:11,2:21,4:41");
}

// libpq sends a text parameter up to its first NUL: such a value is refused, not stored cut
// short (Drizzle's driver gets PostgreSQL's own refusal for it), and the error names its field.
TEST_F(Postgres, TextWithANulIsRefusedNotCutShort) {
  v1::QueryResult result;
  grpc::Status status = Insert(R"({"id": {"int_value": "7"}, "t": {"string_value": "ab\u0000cd"}})", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("holds a NUL character (U+0000), which PostgreSQL text cannot store"));
  EXPECT_EQ(FieldPaths(status), std::vector<std::string>{"insert.rows[0].values[\"t\"]"});
  EXPECT_EQ(testing::ErrorInfo(status, "reason"), "UNSTORABLE_VALUE");
  // In an array's element (sent as one array literal): that element.
  status = Insert(R"({"id": {"int_value": "8"}, "words": {"list_value": {"values": [{"string_value": "a"},
      {"string_value": "b\u0000"}]}}})",
                  &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_EQ(FieldPaths(status), std::vector<std::string>{"insert.rows[0].values[\"words\"].list_value.values[1]"});
  EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM lab.samples WHERE id IN (7, 8)"), "0");
}

// A batch member that cannot be sent (its value is refused when bound) after the members before
// it went: the connection is dropped (nothing of theirs is kept), the error names that member.
TEST_F(Postgres, ABatchWhoseMemberCannotBeSentKeepsNothing) {
  const std::unique_ptr<testing::InProcessServer> one = Pooled(1);
  ASSERT_TRUE(one->ok());
  auto queries = v1::QueryService::NewStub(one->channel());
  const std::string sent = "sluice_nonblocking_statements_total{database=\"default\"}";
  // Two inserts of two shapes; the second's text is `t`.
  const auto batch = [&](int id, const std::string& t, uint64_t* sent_together) {
    const uint64_t before = Counter(*one, sent);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::BatchResponse response;
    const grpc::Status status = queries->Batch(
        &context,
        Json<v1::BatchRequest>(
            absl::StrCat(R"({"target": {"schema": "kinds"}, "operations": [)",
                         R"({"insert": {"table": "samples", "rows": [{"values": {"id": {"int_value": ")", id,
                         R"("}}}]}},)", R"({"insert": {"table": "samples", "rows": [{"values": {"id": {"int_value": ")",
                         id + 1, R"("}, "t": {"string_value": ")", t, R"("}}}]}}]})")),
        &response);
    *sent_together = Counter(*one, sent) - before;
    return status;
  };
  uint64_t together = 0;
  const auto refused = [](const grpc::Status& status) {
    return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
           absl::StrContains(status.error_message(), "operations[1] failed, nothing was kept: ") &&
           absl::StrContains(status.error_message(), "NUL character (U+0000)") &&
           FieldPaths(status) == std::vector<std::string>{"operations[1].insert.rows[0].values[\"t\"]"};
  };
  // On a worker, a statement at a time (the shapes are not prepared on the connection yet).
  const grpc::Status first = batch(10, "x\\u0000y", &together);
  EXPECT_TRUE(refused(first)) << first.error_code() << " " << first.error_message();
  EXPECT_EQ(together, 0u);
  ASSERT_TRUE(batch(12, "ok", &together).ok());
  ASSERT_TRUE(batch(14, "ok", &together).ok());
  EXPECT_EQ(together, 2u) << "both shapes prepared: the batch is sent together";
  // Sent together: the first insert went before the second's bind failed.
  const grpc::Status second = batch(16, "x\\u0000y", &together);
  EXPECT_TRUE(refused(second)) << second.error_code() << " " << second.error_message();
  EXPECT_EQ(together, 0u);
  // The connection was dropped: its replacement prepares the shapes on a worker first.
  ASSERT_TRUE(batch(18, "ok", &together).ok());
  EXPECT_EQ(together, 0u) << "a new connection, nothing prepared on it yet";
  ASSERT_TRUE(batch(20, "ok", &together).ok());
  EXPECT_EQ(together, 2u);
  EXPECT_EQ(Session(url_).Exec("SELECT string_agg(id::text, ',' ORDER BY id) FROM lab.samples"),
            "12,13,14,15,18,19,20,21");
}

// Batches and single calls from many threads on one connection: each batch applies whole or not
// at all, and every call gets its own result.
TEST_F(Postgres, BatchesOnOneConnectionEachApplyWholeOrNotAtAll) {
  const std::unique_ptr<testing::InProcessServer> one = Pooled(1);
  ASSERT_TRUE(one->ok());
  auto queries = v1::QueryService::NewStub(one->channel());
  ASSERT_TRUE(InsertI4(1, 10));
  std::atomic<int> wrong{0}, applied{0}, refused{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const int id = 100 + t * 20 + i;
        const bool fails = i % 4 == 3;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
        v1::BatchResponse response;
        const grpc::Status status = queries->Batch(&context, InsertUpdateSelect(id, fails ? 1 : 0), &response);
        if (fails && status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
          ++refused;
        } else if (!fails && status.ok() && response.results_size() == 3 && response.results(2).rows_size() == 1 &&
                   response.results(2).rows(0).values(0).int_value() == id * 10 + 1) {
          ++applied;
        } else {
          ++wrong;
          ADD_FAILURE() << "batch " << id << ": " << status.error_code() << " " << status.error_message();
        }
        grpc::ClientContext read_context;
        v1::SelectResponse read;
        if (!queries->Select(&read_context, Json<v1::SelectRequest>(SelectI4(1)), &read).ok() ||
            read.result().rows_size() != 1 || read.result().rows(0).values(0).int_value() != 10) {
          ++wrong;
          ADD_FAILURE() << "select: " << ToJson(read.result());
        }
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(applied.load(), 8 * 15);
  EXPECT_EQ(refused.load(), 8 * 5);
  EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM lab.samples"), std::to_string(1 + 8 * 15));
  EXPECT_EQ(Session(url_).Exec("SELECT count(*) FROM lab.samples WHERE id >= 100 AND i4 <> id * 10 + 1"), "0");
}

TEST_F(Postgres, TheDeadlineStopsTheStatementInTheServer) { DeadlineStopsTheStatement(); }

TEST_F(Postgres, ACancelledCallStopsItsStatement) { CancelStopsTheStatement(); }

// Run by its own test target (exclusive: it restarts the shared server, through tools/test.sh).
TEST_F(Postgres, RestartServer_CallsInFlightFailUnavailableAndLaterCallsSucceed) { RestartIsSurvived("postgres"); }

}  // namespace
}  // namespace sluice
