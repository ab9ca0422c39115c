// MySQL / MariaDB specifics, against the real MariaDB server tools/test.sh starts: every type
// round-trips exactly, generated keys are reported, constraint errors name their constraint, a
// call's deadline stops its statement (KILL QUERY), and a server restart is survived.
#include <mysql.h>

#include <regex>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/dialect_fixture.h"
#include "tests/e2e/recorded_calls.h"

namespace sluice {
namespace {

using testing::ToJson;

template <typename Message>
Message Json(const std::string& json) {
  return testing::FromJson<Message>(json);
}

// A session of the test's own (to hold locks and look at the process list).
class Session {
 public:
  explicit Session(const std::string& url) : my_(mysql_init(nullptr)) {
    std::smatch m;
    static const std::regex kUrl("mysql://([^:]*):([^@]*)@([^:]*):([0-9]+)/(.*)");
    EXPECT_TRUE(std::regex_match(url, m, kUrl)) << url;
    EXPECT_TRUE(mysql_real_connect(my_, m[3].str().c_str(), m[1].str().c_str(), m[2].str().c_str(), m[5].str().c_str(),
                                   std::stoi(m[4].str()), nullptr, 0))
        << mysql_error(my_);
  }
  ~Session() { mysql_close(my_); }
  std::string Exec(const std::string& sql) {
    EXPECT_EQ(mysql_query(my_, sql.c_str()), 0) << sql << ": " << mysql_error(my_);
    std::string value;
    if (MYSQL_RES* r = mysql_store_result(my_)) {
      if (MYSQL_ROW row = mysql_fetch_row(r)) value = row[0] ? row[0] : "";
      mysql_free_result(r);
    }
    return value;
  }

 private:
  MYSQL* my_;
};

constexpr char kSchema[] = R"({"schema": {"name": "kinds", "tables": [{"name": "samples", "columns": [
    {"name": "id", "type": "BIGINT", "primary_key": true, "not_null": true, "auto_increment": true},
    {"name": "i1", "type": "TINYINT"}, {"name": "u1", "type": "TINYINT", "unsigned": true},
    {"name": "i2", "type": "SMALLINT"}, {"name": "i3", "type": "MEDIUMINT"}, {"name": "i4", "type": "INTEGER"},
    {"name": "u8", "type": "BIGINT", "unsigned": true}, {"name": "b", "type": "BOOLEAN"},
    {"name": "n", "type": "DECIMAL", "precision": 30, "scale": 10}, {"name": "f", "type": "REAL"},
    {"name": "d", "type": "DOUBLE"}, {"name": "ch", "type": "CHAR", "length": 3},
    {"name": "vc", "type": "VARCHAR", "length": 5}, {"name": "t", "type": "TEXT"},
    {"name": "vb", "type": "BYTES", "length": 4}, {"name": "blob", "type": "BYTES"},
    {"name": "day", "type": "DATE"}, {"name": "tm", "type": "TIME"}, {"name": "dt", "type": "TIMESTAMP"},
    {"name": "ts", "type": "TIMESTAMPTZ"}, {"name": "j", "type": "JSON"}, {"name": "u", "type": "UUID"},
    {"name": "m", "type": "ENUM", "enum_name": "mood"},
    {"name": "qty", "type": "INTEGER", "not_null": true, "default": {"value": {"int_value": "1"}}}],
    "checks": [{"name": "samples_qty_positive", "condition": {"gt": {"left": {"column": {"name": "qty"}}, "right": {"value": {"int_value": "0"}}}}}]}],
  "enums": [{"name": "mood", "values": ["happy", "sad"]}]}})";

class Mysql : public testing::DialectTest {
 protected:
  Mysql() : DialectTest("mysql", kSchema) {}

  std::shared_ptr<void> LockSamples() override {
    auto session = std::make_shared<Session>(url_);
    session->Exec("LOCK TABLES samples WRITE");
    return session;  // the lock ends with the session
  }
  int RunningInserts() override {
    return std::stoi(
        Session(url_).Exec("SELECT count(*) FROM information_schema.processlist WHERE info LIKE 'INSERT INTO%'"));
  }
  std::string SleepSql() override { return "SELECT SLEEP(30)"; }
  int Connections() override {
    return std::stoi(Session(url_).Exec("SELECT count(*) FROM information_schema.processlist WHERE db = database()"));
  }
};

TEST_F(Mysql, EveryTypeRoundTripsExactly) {
  v1::QueryResult inserted;
  grpc::Status status = Insert(R"({"i1": {"int_value": "-128"}, "u1": {"int_value": "255"},
      "i2": {"int_value": "-32768"}, "i3": {"int_value": "8388607"}, "i4": {"int_value": "2147483647"},
      "u8": {"uint_value": "18446744073709551615"}, "b": {"bool_value": true},
      "n": {"decimal_value": "12345678901234567890.0123456789"}, "f": {"double_value": 1.5}, "d": {"double_value": 0.1},
      "ch": {"string_value": "ab"}, "vc": {"string_value": "Grüß"}, "t": {"string_value": "世界 ☕ 😀"},
      "vb": {"bytes_value": "AP8A"}, "blob": {"bytes_value": "AAECAwQ="}, "day": {"date_value": "2024-02-29"},
      "tm": {"time_value": "13:45:00.123456"}, "dt": {"timestamp_value": "2024-02-29T13:45:00.5"},
      "ts": {"timestamp_value": "2024-02-29T13:45:00+02:00"}, "j": {"json_value": "{\"b\":1,\"a\":[1,2]}"},
      "u": {"uuid_value": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"}, "m": {"string_value": "sad"}})",
                               &inserted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(inserted.last_insert_id(), 1);  // the generated key, reported
  v1::QueryResult result = SelectAll();
  ASSERT_EQ(result.rows_size(), 1);
  EXPECT_EQ(
      ToJson(result.rows(0)),
      absl::StrCat(
          R"({"values":[{"int_value":"1"},{"int_value":"-128"},{"int_value":"255"},)",
          R"({"int_value":"-32768"},{"int_value":"8388607"},{"int_value":"2147483647"},{"uint_value":"18446744073709551615"},)",
          R"({"bool_value":true},{"decimal_value":"12345678901234567890.0123456789"},{"double_value":1.5},{"double_value":0.1},)",
          R"({"string_value":"ab"},{"string_value":"Grüß"},{"string_value":"世界 ☕ 😀"},{"bytes_value":"AP8A"},)",
          R"({"bytes_value":"AAECAwQ="},{"date_value":"2024-02-29"},{"time_value":"13:45:00.123456"},)",
          R"({"timestamp_value":"2024-02-29T13:45:00.5"},{"timestamp_value":"2024-02-29T11:45:00Z"},)",
          R"({"json_value":"{\"b\":1,\"a\":[1,2]}"},{"uuid_value":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},)",
          R"({"string_value":"sad"},{"int_value":"1"}]})"));
}

// Rows stream from the server into buffers that start small: longer values grow them, on any row.
TEST_F(Mysql, LongValuesGrowTheirBuffers) {
  const std::string long_text(100000, 'x');
  const std::string long_bytes(70000, '\xff');
  v1::QueryResult inserted;
  for (int i = 0; i < 3; ++i) {
    v1::InsertRequest request = Json<v1::InsertRequest>(
        R"({"target": {"schema": "kinds"}, "insert": {"table": "samples", "rows": [{"values": {}}]}})");
    auto& values = *request.mutable_insert()->mutable_rows(0)->mutable_values();
    values["t"].set_string_value(i == 1 ? long_text : "short");
    values["blob"].set_bytes_value(i == 2 ? long_bytes : "b");
    grpc::ClientContext context;
    ASSERT_TRUE(testing::CallInto(&v1::QueryService::Stub::Insert, &*queries_, &context, request, &inserted).ok());
  }
  v1::QueryResult result = SelectAll();
  ASSERT_EQ(result.rows_size(), 3);
  int t = -1, blob = -1;
  for (int c = 0; c < result.columns_size(); ++c) {
    if (result.columns(c).name() == "t") t = c;
    if (result.columns(c).name() == "blob") blob = c;
  }
  ASSERT_GE(t, 0);
  ASSERT_GE(blob, 0);
  EXPECT_EQ(result.rows(0).values(t).string_value(), "short");
  EXPECT_EQ(result.rows(1).values(t).string_value(), long_text);
  EXPECT_EQ(result.rows(2).values(t).string_value(), "short");
  EXPECT_EQ(result.rows(1).values(blob).bytes_value(), "b");
  EXPECT_EQ(result.rows(2).values(blob).bytes_value(), long_bytes);
}

TEST_F(Mysql, ConstraintErrorsNameTheConstraint) {
  v1::QueryResult result;
  grpc::Status status = Insert(R"({"qty": {"int_value": "0"}})", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << status.error_message();
  EXPECT_EQ(testing::ErrorInfo(status, "constraint"), "samples_qty_positive");
  EXPECT_EQ(testing::ErrorInfo(status, "sqlstate"), "4025");
  ASSERT_TRUE(Insert(R"({"id": {"int_value": "7"}})", &result).ok());
  status = Insert(R"({"id": {"int_value": "7"}})", &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(testing::ErrorInfo(status, "constraint"), "PRIMARY");
  EXPECT_EQ(testing::ErrorInfo(status, "sqlstate"), "1062");
}

TEST_F(Mysql, TheDeadlineKillsTheStatementInTheServer) { DeadlineStopsTheStatement(); }

TEST_F(Mysql, ACancelledCallKillsItsStatement) { CancelStopsTheStatement(); }

// Run by its own test target (exclusive: it restarts the shared server, through tools/test.sh).
TEST_F(Mysql, RestartServer_CallsInFlightFailUnavailableAndLaterCallsSucceed) { RestartIsSurvived("mariadb"); }

}  // namespace
}  // namespace sluice
