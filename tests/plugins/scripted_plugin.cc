// A dialect plugin whose "database" is a script: the tests of the executor, the pool, the
// watchdog and the services say what each statement returns or how it fails, and read back
// what ran, without a database server. The SQL is rendered by the SDK like any dialect's.
//
// URL: `scripted:PATH`. PATH is a JSON file, read again at every statement (so a test may change
// it between calls):
//
//   {"connect_error": {"code": 14, "message": "..."},            (optional: connect fails)
//    "rules": [
//      {"match": "SELECT",                                         (a substring of the SQL)
//       "columns": ["id", "name"], "rows": [[1, "a"], [2, null]],  (numbers: INT64 or DOUBLE)
//       "changes": 1, "last_insert_id": 7},
//      {"match": "INSERT", "error": {"code": 6, "message": "dup", "sqlstate": "23505",
//                                     "constraint": "users_email_key"}},
//      {"match": "slow", "block_ms": 60000}]}                      (waits until interrupted)
//
// The first rule whose `match` occurs in the statement answers it; a statement no rule matches
// fails INVALID_ARGUMENT ("scripted: no rule for ..."), except BEGIN / COMMIT / ROLLBACK and
// the ping, which succeed unless a rule matches them. Every event is appended to PATH.log, one
// line each: `connect`, `prepare SQL`, `execute SQL [p1, p2]`, `begin`, `commit`, `rollback`,
// `interrupt`, `disconnect`.
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/json.h"
#include "dialects/sdk/plugin_support.h"
#include "dialects/sdk/sql_dialect.h"

struct sluice_conn {
  std::string path;
  std::atomic<bool> interrupted{false};
};

struct sluice_stmt {
  sluice_conn* conn;
  std::string sql;
  std::vector<std::string> params;  // bound values as text
  std::vector<std::string> columns;
  std::vector<std::vector<sluice::JsonValue>> rows;
  size_t next = 0;  // the row the next step returns
  bool ran = false;
  uint64_t changes = 0;
  int64_t last_insert_id = 0;
  std::string text;  // the current value's text, valid until the next step
};

namespace sluice::scripted {
namespace {

using sdk::Guard;
using sdk::SetError;

class ScriptedDialect : public sdk::SqlDialect {
 public:
  absl::string_view name() const override { return "scripted"; }
  absl::StatusOr<std::string> TypeName(const plan::Type& type) const override { return std::string("TEXT"); }
  absl::Status AutoIncrement(const plan::ColumnDef&, std::string*, std::string*, bool*) const override {
    return absl::OkStatus();
  }
  absl::StatusOr<std::string> Function(plan::Op op) const override {
    if (op == plan::RANDOM_UUID) return std::string("random_uuid()");
    return sdk::SqlDialect::Function(op);
  }
  bool has_transactional_ddl() const override { return true; }
  sdk::JsonRows json_rows() const override { return sdk::JsonRows::kOrderedDerivedTable; }
  std::string JsonArrayFunction() const override { return "json_array"; }
  std::string JsonAggregateFunction() const override { return "json_group_array"; }
  std::string EmptyJsonArray() const override { return "'[]'"; }
  std::string JsonLeaf(const plan::Type&) const override { return "{}"; }
};

void Log(const sluice_conn* conn, const std::string& line) {
  std::ofstream(conn->path + ".log", std::ios::app) << line << "\n";
}

absl::StatusOr<JsonValue> ReadScript(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("scripted: cannot read the script ", path));
  std::stringstream text;
  text << in.rdbuf();
  return ParseJson(text.str());
}

const JsonValue* Field(const JsonValue& object, absl::string_view key) {
  for (size_t i = 0; i < object.keys.size(); ++i) {
    if (object.keys[i] == key) return &object.items[i];
  }
  return nullptr;
}

int32_t ScriptedError(const JsonValue& error, sluice_error* err) {
  const JsonValue* code = Field(error, "code");
  const JsonValue* message = Field(error, "message");
  const JsonValue* sqlstate = Field(error, "sqlstate");
  const JsonValue* constraint = Field(error, "constraint");
  return SetError(err, code ? std::stoi(code->text) : SLUICE_STATUS_INTERNAL,
                  message ? message->text : "scripted error", sqlstate ? sqlstate->text : "",
                  constraint ? constraint->text : "");
}

// The rule answering `sql`, or nullptr.
absl::StatusOr<const JsonValue*> RuleFor(const JsonValue& script, const std::string& sql) {
  const JsonValue* rules = Field(script, "rules");
  if (rules == nullptr) return nullptr;
  for (const JsonValue& rule : rules->items) {
    const JsonValue* match = Field(rule, "match");
    if (match != nullptr && absl::StrContains(sql, match->text)) return &rule;
  }
  return nullptr;
}

// Runs what the script says for `sql` on `conn` (transaction control and the ping succeed
// without a rule); fills `stmt` when there is one.
int32_t Run(sluice_conn* conn, const std::string& sql, bool needs_rule, sluice_stmt* stmt, sluice_error* err) {
  auto script = ReadScript(conn->path);
  if (!script.ok()) return SetError(err, script.status());
  static const JsonValue kNoRule;
  auto found = RuleFor(*script, sql);
  if (!found.ok()) return SetError(err, found.status());
  const JsonValue* rule = *found;
  if (rule == nullptr) {
    if (needs_rule) return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, absl::StrCat("scripted: no rule for ", sql));
    rule = &kNoRule;
  }
  if (const JsonValue* block = Field(*rule, "block_ms")) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::stoll(block->text));
    while (std::chrono::steady_clock::now() < until) {
      if (conn->interrupted.exchange(false)) return SetError(err, SLUICE_STATUS_CANCELLED, "scripted: interrupted");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  if (const JsonValue* error = Field(*rule, "error")) return ScriptedError(*error, err);
  if (stmt == nullptr) return SLUICE_STATUS_OK;
  if (const JsonValue* columns = Field(*rule, "columns")) {
    for (const JsonValue& c : columns->items) stmt->columns.push_back(c.text);
  }
  if (const JsonValue* rows = Field(*rule, "rows")) {
    for (const JsonValue& row : rows->items) stmt->rows.push_back(row.items);
  }
  if (const JsonValue* changes = Field(*rule, "changes")) stmt->changes = std::stoull(changes->text);
  if (const JsonValue* id = Field(*rule, "last_insert_id")) stmt->last_insert_id = std::stoll(id->text);
  return SLUICE_STATUS_OK;
}

int32_t Connect(const char* url, sluice_conn** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    const std::string text = url ? url : "";
    if (!absl::StartsWith(text, "scripted:")) {
      return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "a scripted URL is scripted:PATH");
    }
    auto conn = std::make_unique<sluice_conn>();
    conn->path = text.substr(std::string("scripted:").size());
    auto script = ReadScript(conn->path);
    if (!script.ok()) return SetError(err, script.status());
    if (const JsonValue* error = Field(*script, "connect_error")) return ScriptedError(*error, err);
    Log(conn.get(), "connect");
    *out = conn.release();
    return SLUICE_STATUS_OK;
  });
}

void Disconnect(sluice_conn* conn) {
  Log(conn, "disconnect");
  delete conn;
}

int32_t Ping(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&] { return Run(conn, "PING", false, nullptr, err); });
}

int32_t Prepare(sluice_conn* conn, const char* sql, size_t size, sluice_stmt** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    auto stmt = std::make_unique<sluice_stmt>();
    stmt->conn = conn;
    stmt->sql.assign(sql, size);
    Log(conn, "prepare " + stmt->sql);
    *out = stmt.release();
    return SLUICE_STATUS_OK;
  });
}

int32_t Bind(sluice_stmt* stmt, uint32_t slot, const sluice_value* value, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (stmt->params.size() <= slot) stmt->params.resize(slot + 1);
    switch (value->kind) {
      case SLUICE_VALUE_NULL:
        stmt->params[slot] = "NULL";
        break;
      case SLUICE_VALUE_BOOL:
      case SLUICE_VALUE_INT64:
        stmt->params[slot] = absl::StrCat(value->num.i64);
        break;
      case SLUICE_VALUE_UINT64:
        stmt->params[slot] = absl::StrCat(value->num.u64);
        break;
      case SLUICE_VALUE_DOUBLE:
        stmt->params[slot] = absl::StrCat(value->num.f64);
        break;
      default:
        stmt->params[slot] = std::string(value->data, value->size);
    }
    return SLUICE_STATUS_OK;
  });
}

int32_t Step(sluice_stmt* stmt, int32_t* has_row, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!stmt->ran) {
      stmt->ran = true;
      Log(stmt->conn, absl::StrCat("execute ", stmt->sql, " [", absl::StrJoin(stmt->params, ", "), "]"));
      const int32_t code = Run(stmt->conn, stmt->sql, true, stmt, err);
      if (code != SLUICE_STATUS_OK) return code;
    }
    *has_row = stmt->next < stmt->rows.size() ? 1 : 0;
    if (*has_row) ++stmt->next;
    return SLUICE_STATUS_OK;
  });
}

uint32_t ColumnCount(sluice_stmt* stmt) { return static_cast<uint32_t>(stmt->columns.size()); }

int32_t ColumnName(sluice_stmt* stmt, uint32_t column, const char** name, size_t* size, sluice_error* err) {
  if (column >= stmt->columns.size()) return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "scripted: no such column");
  *name = stmt->columns[column].data();
  *size = stmt->columns[column].size();
  return SLUICE_STATUS_OK;
}

int32_t ColumnValue(sluice_stmt* stmt, uint32_t column, sluice_value* out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    const std::vector<JsonValue>& row = stmt->rows[stmt->next - 1];
    *out = sluice_value{};
    if (column >= row.size()) return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "scripted: the row is too short");
    const JsonValue& value = row[column];
    switch (value.kind) {
      case JsonValue::kNull:
        out->kind = SLUICE_VALUE_NULL;
        break;
      case JsonValue::kBool:
        out->kind = SLUICE_VALUE_BOOL;
        out->num.i64 = value.boolean ? 1 : 0;
        break;
      case JsonValue::kNumber:
        if (value.text.find_first_of(".eE") == std::string::npos) {
          out->kind = SLUICE_VALUE_INT64;
          out->num.i64 = std::stoll(value.text);
        } else {
          out->kind = SLUICE_VALUE_DOUBLE;
          out->num.f64 = std::stod(value.text);
        }
        break;
      default:
        stmt->text = value.text;
        out->kind = SLUICE_VALUE_TEXT;
        out->data = stmt->text.data();
        out->size = stmt->text.size();
    }
    return SLUICE_STATUS_OK;
  });
}

int32_t Changes(sluice_stmt* stmt, uint64_t* rows_affected, int64_t* last_insert_id, sluice_error*) {
  *rows_affected = stmt->changes;
  *last_insert_id = stmt->last_insert_id;
  return SLUICE_STATUS_OK;
}

int32_t Reset(sluice_stmt* stmt, sluice_error*) {
  stmt->params.clear();
  stmt->columns.clear();
  stmt->rows.clear();
  stmt->next = 0;
  stmt->ran = false;
  stmt->changes = 0;
  stmt->last_insert_id = 0;
  return SLUICE_STATUS_OK;
}

void Finalize(sluice_stmt* stmt) { delete stmt; }

int32_t Control(sluice_conn* conn, const char* what, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    Log(conn, absl::AsciiStrToLower(what));
    return Run(conn, what, false, nullptr, err);
  });
}

int32_t Begin(sluice_conn* conn, int32_t, sluice_error* err) { return Control(conn, "BEGIN", err); }
int32_t Commit(sluice_conn* conn, sluice_error* err) { return Control(conn, "COMMIT", err); }
int32_t Rollback(sluice_conn* conn, sluice_error* err) { return Control(conn, "ROLLBACK", err); }

void Interrupt(sluice_conn* conn) {
  conn->interrupted = true;
  Log(conn, "interrupt");
}

void FillDriver(sluice_dialect_api* api) {
  api->connect = Connect;
  api->disconnect = Disconnect;
  api->ping = Ping;
  api->prepare = Prepare;
  api->bind = Bind;
  api->step = Step;
  api->column_count = ColumnCount;
  api->column_name = ColumnName;
  api->column_value = ColumnValue;
  api->changes = Changes;
  api->reset = Reset;
  api->finalize = Finalize;
  api->begin = Begin;
  api->commit = Commit;
  api->rollback = Rollback;
  api->interrupt = Interrupt;
}

}  // namespace
}  // namespace sluice::scripted

extern "C" SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
  return sluice::sdk::DialectApi<sluice::scripted::ScriptedDialect>(
      {"scripted", "0.1.0", "scripted", sluice::scripted::FillDriver});
}
