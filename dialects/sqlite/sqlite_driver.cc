#include "dialects/sqlite/sqlite_driver.h"

#include <sqlite3.h>

#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "dialects/sdk/plugin_support.h"
#include "dialects/sqlite/sqlite_introspect.h"

struct sluice_conn {
  sqlite3* db = nullptr;
};

struct sluice_stmt {
  sluice_conn* conn = nullptr;
  sqlite3_stmt* stmt = nullptr;
  uint64_t changes = 0;
  int64_t last_insert_id = 0;
  // Whether this run of the statement has begun: the connection's last rowid is cleared before it,
  // so that a rowid after it is this statement's own (an upsert that inserted nothing would
  // otherwise report the rowid another statement left behind).
  bool started = false;
};

namespace sluice::sqlite {
namespace {

using sdk::Guard;
using sdk::SetError;

int32_t CodeFor(int extended) {
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_ROWID:
      return SLUICE_STATUS_ALREADY_EXISTS;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_CONSTRAINT_TRIGGER:
      return SLUICE_STATUS_FAILED_PRECONDITION;
    default:
      break;
  }
  switch (extended & 0xff) {
    case SQLITE_CONSTRAINT:
    case SQLITE_READONLY:
      return SLUICE_STATUS_FAILED_PRECONDITION;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return SLUICE_STATUS_ABORTED;
    case SQLITE_INTERRUPT:
      return SLUICE_STATUS_CANCELLED;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return SLUICE_STATUS_UNAVAILABLE;
    case SQLITE_FULL:
    case SQLITE_TOOBIG:
    case SQLITE_NOMEM:
      return SLUICE_STATUS_RESOURCE_EXHAUSTED;
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return SLUICE_STATUS_INVALID_ARGUMENT;
    default:
      return SLUICE_STATUS_INTERNAL;
  }
}

// SQLite names the violated constraint after the colon: "CHECK constraint failed: age_ok",
// "UNIQUE constraint failed: users.email".
std::string ConstraintOf(int extended, const char* message) {
  if ((extended & 0xff) != SQLITE_CONSTRAINT || message == nullptr) return "";
  const char* colon = std::strstr(message, ": ");
  return colon ? std::string(colon + 2) : "";
}

int32_t DbError(sqlite3* db, int rc, sluice_error* err, absl::string_view context = "") {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const char* message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int32_t code = CodeFor(extended);
  const char* reason = "";
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      reason = SLUICE_REASON_UNIQUE_VIOLATION;
      break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      reason = SLUICE_REASON_FOREIGN_KEY_VIOLATION;
      break;
    case SQLITE_CONSTRAINT_NOTNULL:
      reason = SLUICE_REASON_NOT_NULL_VIOLATION;
      break;
    case SQLITE_CONSTRAINT_CHECK:
      reason = SLUICE_REASON_CHECK_VIOLATION;
      break;
  }
  // SQLITE_ERROR covers schema mismatches too: a table not created yet must be created first.
  if (extended == SQLITE_ERROR && message != nullptr) {
    if (absl::StartsWith(message, "no such table") || absl::StartsWith(message, "no such column")) {
      code = SLUICE_STATUS_FAILED_PRECONDITION;
      reason =
          absl::StartsWith(message, "no such table") ? SLUICE_REASON_UNDEFINED_TABLE : SLUICE_REASON_UNDEFINED_COLUMN;
    } else if (absl::EndsWith(message, "already exists")) {
      code = SLUICE_STATUS_ALREADY_EXISTS;
      reason = SLUICE_REASON_DUPLICATE_OBJECT;
    } else {
      // What the client's statement asked for: a syntax error, an unknown savepoint, a pattern or
      // expression too complex, too many parameters.
      for (const char* client :
           {"syntax error", "no such savepoint", "parser stack overflow", "pattern too complex",
            "too many SQL variables", "incomplete input", "unrecognized token", "Expression tree is too large"}) {
        if (absl::StrContains(message, client)) code = SLUICE_STATUS_INVALID_ARGUMENT;
      }
    }
  }
  SetError(err, code, absl::StrCat(context, message), absl::StrCat(extended), ConstraintOf(extended, message));
  return sdk::SetReason(err, code, reason);
}

int32_t Exec(sluice_conn* conn, const char* sql, sluice_error* err) {
  int rc = sqlite3_exec(conn->db, sql, nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? SLUICE_STATUS_OK : DbError(conn->db, rc, err);
}

// `sqlite:PATH`, `sqlite://PATH` (so `sqlite:///abs/path.db` is absolute).
std::string PathOf(absl::string_view url) {
  if (absl::ConsumePrefix(&url, "sqlite://")) return std::string(url);
  absl::ConsumePrefix(&url, "sqlite:");
  return std::string(url);
}

void Disconnect(sluice_conn* conn);

int32_t Connect(const char* url, sluice_conn** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    const std::string path = PathOf(url ? url : "");
    if (path.empty()) {
      return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "sqlite URL names no file (expected sqlite:PATH)");
    }
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      int32_t code = DbError(db, rc, err, absl::StrCat("cannot open ", path, ": "));
      sqlite3_close_v2(db);
      return code;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 10000);
    auto* conn = new sluice_conn{db};
    // Foreign keys are enforced; WAL lets readers and one writer share the file.
    int32_t code = Exec(conn,
                        "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; "
                        "PRAGMA synchronous = NORMAL;",
                        err);
    if (code != SLUICE_STATUS_OK) {
      Disconnect(conn);
      return code;
    }
    *out = conn;
    return SLUICE_STATUS_OK;
  });
}

void Disconnect(sluice_conn* conn) {
  if (conn == nullptr) return;
  sqlite3_close_v2(conn->db);
  delete conn;
}

// A file does not go away like a server: nothing to check.
int32_t Ping(sluice_conn*, sluice_error*) { return SLUICE_STATUS_OK; }

int32_t Prepare(sluice_conn* conn, const char* sql, size_t sql_size, sluice_stmt** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(conn->db, sql, static_cast<int>(sql_size), SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return DbError(conn->db, rc, err);
    // Only white space or comments: SQLite prepares nothing.
    if (stmt == nullptr) return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "the statement is empty");
    // One statement at a time: what follows the first must be empty too (not run silently).
    sqlite3_stmt* next = nullptr;
    const int rest = static_cast<int>(sql + sql_size - tail);
    if (rest > 0 && sqlite3_prepare_v2(conn->db, tail, rest, &next, nullptr) == SQLITE_OK && next != nullptr) {
      sqlite3_finalize(next);
      sqlite3_finalize(stmt);
      return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "more than one statement: send one at a time");
    }
    *out = new sluice_stmt{conn, stmt};
    return SLUICE_STATUS_OK;
  });
}

int32_t Bind(sluice_stmt* s, uint32_t slot, const sluice_value* v, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    const int i = static_cast<int>(slot) + 1;
    int rc = SQLITE_OK;
    switch (v->kind) {
      case SLUICE_VALUE_NULL:
        rc = sqlite3_bind_null(s->stmt, i);
        break;
      case SLUICE_VALUE_BOOL:
      case SLUICE_VALUE_INT64:
        rc = sqlite3_bind_int64(s->stmt, i, v->num.i64);
        break;
      case SLUICE_VALUE_UINT64:
        if (v->num.u64 > static_cast<uint64_t>(INT64_MAX)) {
          return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "sqlite stores integers up to 9223372036854775807");
        }
        rc = sqlite3_bind_int64(s->stmt, i, static_cast<int64_t>(v->num.u64));
        break;
      case SLUICE_VALUE_DOUBLE:
        rc = sqlite3_bind_double(s->stmt, i, v->num.f64);
        break;
      case SLUICE_VALUE_BYTES:
        rc = sqlite3_bind_blob64(s->stmt, i, v->data ? v->data : "", v->size, SQLITE_TRANSIENT);
        break;
      case SLUICE_VALUE_DECIMAL: {
        // As a number where a double holds it exactly enough (15 significant digits), so that
        // expressions compute with it; a NUMERIC column stores it as it would the text. Longer
        // ones stay text (which a NUMERIC column keeps as written).
        const absl::string_view text(v->data ? v->data : "", v->size);
        int digits = 0;
        bool leading = true;
        for (char c : text) {
          if (c < '0' || c > '9') continue;
          leading = leading && c == '0';
          digits += leading ? 0 : 1;
        }
        int64_t integer = 0;
        double real = 0;
        if (digits <= 15 && absl::SimpleAtoi(text, &integer)) {
          rc = sqlite3_bind_int64(s->stmt, i, integer);
        } else if (digits <= 15 && absl::SimpleAtod(text, &real)) {
          rc = sqlite3_bind_double(s->stmt, i, real);
        } else {
          rc = sqlite3_bind_text64(s->stmt, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        }
        break;
      }
      case SLUICE_VALUE_TEXT:
      case SLUICE_VALUE_DATE:
      case SLUICE_VALUE_TIME:
      case SLUICE_VALUE_TIMESTAMP:
      case SLUICE_VALUE_JSON:
      case SLUICE_VALUE_UUID:
        rc = sqlite3_bind_text64(s->stmt, i, v->data ? v->data : "", v->size, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      default:
        return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, absl::StrCat("sqlite: unknown value kind ", v->kind));
    }
    return rc == SQLITE_OK ? SLUICE_STATUS_OK : DbError(s->conn->db, rc, err);
  });
}

int32_t Step(sluice_stmt* s, int32_t* has_row, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!s->started) {
      s->started = true;
      sqlite3_set_last_insert_rowid(s->conn->db, 0);
    }
    int rc = sqlite3_step(s->stmt);
    if (rc == SQLITE_ROW) {
      *has_row = 1;
      return SLUICE_STATUS_OK;
    }
    *has_row = 0;
    if (rc == SQLITE_DONE) {
      s->changes = sqlite3_changes64(s->conn->db);
      s->last_insert_id = s->changes > 0 ? sqlite3_last_insert_rowid(s->conn->db) : 0;
      return SLUICE_STATUS_OK;
    }
    int32_t code = DbError(s->conn->db, rc, err);
    sqlite3_reset(s->stmt);
    return code;
  });
}

uint32_t ColumnCount(sluice_stmt* s) { return static_cast<uint32_t>(sqlite3_column_count(s->stmt)); }

int32_t ColumnName(sluice_stmt* s, uint32_t column, const char** name, size_t* size, sluice_error* err) {
  const char* n = sqlite3_column_name(s->stmt, static_cast<int>(column));
  if (n == nullptr) return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "no such result column");
  *name = n;
  *size = std::strlen(n);
  return SLUICE_STATUS_OK;
}

int32_t ColumnValue(sluice_stmt* s, uint32_t column, sluice_value* out, sluice_error* err) {
  const int i = static_cast<int>(column);
  *out = sluice_value{};
  switch (sqlite3_column_type(s->stmt, i)) {
    case SQLITE_NULL:
      out->kind = SLUICE_VALUE_NULL;
      break;
    case SQLITE_INTEGER:
      out->kind = SLUICE_VALUE_INT64;
      out->num.i64 = sqlite3_column_int64(s->stmt, i);
      break;
    case SQLITE_FLOAT:
      out->kind = SLUICE_VALUE_DOUBLE;
      out->num.f64 = sqlite3_column_double(s->stmt, i);
      break;
    case SQLITE_TEXT:
      out->kind = SLUICE_VALUE_TEXT;
      out->data = reinterpret_cast<const char*>(sqlite3_column_text(s->stmt, i));
      out->size = static_cast<size_t>(sqlite3_column_bytes(s->stmt, i));
      break;
    case SQLITE_BLOB:
      out->kind = SLUICE_VALUE_BYTES;
      out->data = static_cast<const char*>(sqlite3_column_blob(s->stmt, i));
      out->size = static_cast<size_t>(sqlite3_column_bytes(s->stmt, i));
      break;
    default:
      return SetError(err, SLUICE_STATUS_INTERNAL, "sqlite: unknown column type");
  }
  return SLUICE_STATUS_OK;
}

int32_t Changes(sluice_stmt* s, uint64_t* rows_affected, int64_t* last_insert_id, sluice_error*) {
  *rows_affected = s->changes;
  *last_insert_id = s->last_insert_id;
  return SLUICE_STATUS_OK;
}

int32_t Reset(sluice_stmt* s, sluice_error*) {
  // sqlite3_reset repeats the last step's error, which was already reported.
  sqlite3_reset(s->stmt);
  sqlite3_clear_bindings(s->stmt);
  s->changes = 0;
  s->last_insert_id = 0;
  s->started = false;
  return SLUICE_STATUS_OK;
}

void Finalize(sluice_stmt* s) {
  if (s == nullptr) return;
  sqlite3_finalize(s->stmt);
  delete s;
}

int32_t Begin(sluice_conn* conn, int32_t, sluice_error* err) {
  // SQLite transactions are serializable; IMMEDIATE takes the write lock up front, so two
  // writers never deadlock upgrading a read lock.
  return Guard(err, [&]() -> int32_t { return Exec(conn, "BEGIN IMMEDIATE", err); });
}

int32_t Commit(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t { return Exec(conn, "COMMIT", err); });
}

int32_t Rollback(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (sqlite3_get_autocommit(conn->db)) return SLUICE_STATUS_OK;  // nothing open
    return Exec(conn, "ROLLBACK", err);
  });
}

void Interrupt(sluice_conn* conn) { sqlite3_interrupt(conn->db); }

}  // namespace

// One database, no namespaces: `names` is not read.
int32_t IntrospectDatabase(sluice_conn* conn, const char*, size_t, void** out, size_t* out_size, sluice_error* err) {
  return sdk::IntrospectInto(out, out_size, err, [&] { return Introspect(conn->db); });
}

void FillDriver(sluice_dialect_api* api) { SLUICE_SDK_SET_DRIVER_FUNCTIONS(api); }

}  // namespace sluice::sqlite
