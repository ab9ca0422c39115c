#include "dialects/mysql/mysql_driver.h"

#include <mysql.h>
#include <mysqld_error.h>
#include <poll.h>
#include <algorithm>
#include <cctype>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "dialects/mysql/mysql_introspect.h"
#include "dialects/sdk/plugin_support.h"

struct Endpoint {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string user, password, database;
};

struct sluice_conn {
  MYSQL* my = nullptr;
  Endpoint endpoint;
};

struct sluice_stmt {
  sluice_conn* conn = nullptr;
  MYSQL_STMT* stmt = nullptr;
  // Parameters, as bound.
  std::vector<MYSQL_BIND> params;
  std::vector<std::string> param_text;
  std::vector<long long> param_int;
  std::vector<double> param_double;
  std::vector<char> param_null;
  // Results: every column is fetched as text (the client converts), then typed by its field.
  MYSQL_RES* meta = nullptr;
  std::vector<MYSQL_BIND> columns;
  std::vector<std::string> buffers;
  std::vector<unsigned long> lengths;
  std::vector<my_bool> nulls;
  std::vector<std::string> scratch;
  bool executed = false;
  uint64_t affected = 0;
  int64_t last_id = 0;
  uint64_t rows = 0;  // fetched so far
  // The non-blocking path (send, then poll before each step), on Connector/C's non-blocking
  // API: where the statement is. kExecuting and kFetching have a call under way that waits for
  // `wait` (MYSQL_WAIT_READ / _WRITE) on the socket.
  enum class Async {
    kNone,       // sent by step (the blocking path), or not sent
    kExecuting,  // mysql_stmt_execute_start / _cont
    kFetching,   // mysql_stmt_fetch_start / _cont
    kRow,        // a fetch finished (`ret`): the next step returns its row (or the end)
    kNextRow,    // a row was stepped: the next fetch starts at the next poll
    kDone,       // no more rows
    kFailed,     // the execute failed: the next step returns the statement's error
  } async = Async::kNone;
  int wait = 0;
  // What the finished call returned: mysql_stmt_execute_* 0 or 1, mysql_stmt_fetch_* 0, 1,
  // MYSQL_NO_DATA or MYSQL_DATA_TRUNCATED.
  int ret = 0;
};

namespace sluice::mysql {
namespace {

using sdk::Guard;
using sdk::SetError;

constexpr unsigned kDuplicateConstraintName = 1826;  // ER_DUP_CONSTRAINT_NAME (a CHECK)

int32_t CodeFor(unsigned error) {
  switch (error) {
    case ER_DUP_ENTRY:
    case ER_DUP_KEY:
    case ER_TABLE_EXISTS_ERROR:
    case ER_DUP_KEYNAME:
    case ER_DUP_FIELDNAME:
    case kDuplicateConstraintName:
      return SLUICE_STATUS_ALREADY_EXISTS;
    case ER_BAD_TABLE_ERROR:
    case ER_CANT_DROP_FIELD_OR_KEY:
      return SLUICE_STATUS_NOT_FOUND;
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2:
    case ER_BAD_NULL_ERROR:
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
    case 4025:  // ER_CONSTRAINT_FAILED (a CHECK)
      return SLUICE_STATUS_FAILED_PRECONDITION;
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
      return SLUICE_STATUS_ABORTED;
    case ER_QUERY_INTERRUPTED:
      return SLUICE_STATUS_CANCELLED;
    case 1969:  // ER_STATEMENT_TIMEOUT
      return SLUICE_STATUS_DEADLINE_EXCEEDED;
    case ER_EMPTY_QUERY:
    case ER_PARSE_ERROR:        // raw SQL a client wrote
    case ER_SP_DOES_NOT_EXIST:  // an unknown savepoint
    case ER_PS_MANY_PARAM:      // too many placeholders
    case ER_INVALID_CHARACTER_STRING:
    case ER_DATA_TOO_LONG:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
      return SLUICE_STATUS_INVALID_ARGUMENT;
    case ER_NOT_SUPPORTED_YET:
      return SLUICE_STATUS_UNIMPLEMENTED;
    case 2002:  // CR_CONNECTION_ERROR
    case 2003:  // CR_CONN_HOST_ERROR
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
      return SLUICE_STATUS_UNAVAILABLE;
    default:
      return SLUICE_STATUS_INTERNAL;
  }
}

// The error class of a server error number ("" where the code tells enough).
const char* ReasonFor(unsigned error) {
  switch (error) {
    case ER_DUP_ENTRY:
    case ER_DUP_KEY:
      return SLUICE_REASON_UNIQUE_VIOLATION;
    case ER_NO_REFERENCED_ROW:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED:
    case ER_ROW_IS_REFERENCED_2:
      return SLUICE_REASON_FOREIGN_KEY_VIOLATION;
    case ER_BAD_NULL_ERROR:
      return SLUICE_REASON_NOT_NULL_VIOLATION;
    case 4025:  // ER_CONSTRAINT_FAILED
      return SLUICE_REASON_CHECK_VIOLATION;
    case ER_NO_SUCH_TABLE:
      return SLUICE_REASON_UNDEFINED_TABLE;
    case ER_BAD_FIELD_ERROR:
      return SLUICE_REASON_UNDEFINED_COLUMN;
    case ER_BAD_TABLE_ERROR:
      return SLUICE_REASON_UNDEFINED_TABLE;
    case ER_CANT_DROP_FIELD_OR_KEY:
      return SLUICE_REASON_UNDEFINED_OBJECT;
    case ER_TABLE_EXISTS_ERROR:
    case ER_DUP_KEYNAME:
    case ER_DUP_FIELDNAME:
    case kDuplicateConstraintName:
      return SLUICE_REASON_DUPLICATE_OBJECT;
    default:
      return "";
  }
}

// The constraint a message names: "... for key 'users.email'" or "CONSTRAINT `name` failed".
std::string ConstraintOf(absl::string_view message) {
  for (auto [open, close] : {std::pair{"for key '", "'"}, std::pair{"CONSTRAINT `", "`"}}) {
    size_t at = message.find(open);
    if (at == absl::string_view::npos) continue;
    at += std::strlen(open);
    const size_t end = message.find(close, at);
    if (end != absl::string_view::npos) return std::string(message.substr(at, end - at));
  }
  return "";
}

int32_t Error(unsigned code, const char* sqlstate, const char* message, sluice_error* err) {
  // A foreign key whose name exists: "Can't create table ... (errno: 121 "Duplicate key on write or update")".
  if (code == ER_CANT_CREATE_TABLE && absl::string_view(message).find("errno: 121") != absl::string_view::npos) {
    return sdk::SetReason(
        err, SetError(err, SLUICE_STATUS_ALREADY_EXISTS, message, absl::StrCat(code), ConstraintOf(message)),
        SLUICE_REASON_DUPLICATE_OBJECT);
  }
  return sdk::SetReason(err, SetError(err, CodeFor(code), message, absl::StrCat(code), ConstraintOf(message)),
                        ReasonFor(code));
}

int32_t ConnError(sluice_conn* conn, sluice_error* err) {
  return Error(mysql_errno(conn->my), mysql_sqlstate(conn->my), mysql_error(conn->my), err);
}

int32_t StmtError(sluice_stmt* s, sluice_error* err) {
  // An error that arrives with the rows (a failed INSERT ... RETURNING, read unbuffered) is
  // the connection's.
  if (mysql_stmt_errno(s->stmt) == 0) return ConnError(s->conn, err);
  return Error(mysql_stmt_errno(s->stmt), mysql_stmt_sqlstate(s->stmt), mysql_stmt_error(s->stmt), err);
}

int32_t Query(sluice_conn* conn, const std::string& sql, sluice_error* err) {
  if (mysql_real_query(conn->my, sql.data(), sql.size()) != 0) return ConnError(conn, err);
  // Drain any result (SELECT GET_LOCK(...)).
  if (MYSQL_RES* r = mysql_store_result(conn->my)) mysql_free_result(r);
  return SLUICE_STATUS_OK;
}

std::string PercentDecode(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      if (absl::SimpleHexAtoi(s.substr(i + 1, 2), &v)) {
        out += static_cast<char>(v);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// mysql://user:password@host:port/database
bool ParseUrl(absl::string_view url, Endpoint* out) {
  if (!absl::ConsumePrefix(&url, "mysql://") && !absl::ConsumePrefix(&url, "mariadb://")) return false;
  const size_t slash = url.find('/');
  absl::string_view authority = url.substr(0, slash);
  if (slash != absl::string_view::npos) out->database = PercentDecode(url.substr(slash + 1));
  const size_t at = authority.rfind('@');
  if (at != absl::string_view::npos) {
    absl::string_view credentials = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = credentials.find(':');
    out->user = PercentDecode(credentials.substr(0, colon));
    if (colon != absl::string_view::npos) out->password = PercentDecode(credentials.substr(colon + 1));
  }
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(authority.substr(colon + 1), &out->port)) return false;
    authority = authority.substr(0, colon);
  }
  if (!authority.empty()) out->host = std::string(authority);
  return true;
}

MYSQL* Open(const Endpoint& e) {
  MYSQL* my = mysql_init(nullptr);
  mysql_options(my, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // The non-blocking API on top of the blocking one (which keeps working): send / poll.
  mysql_options(my, MYSQL_OPT_NONBLOCK, 0);
  if (!mysql_real_connect(my, e.host.c_str(), e.user.c_str(), e.password.c_str(),
                          e.database.empty() ? nullptr : e.database.c_str(), e.port, nullptr, 0)) {
    return my;  // the caller reads the error
  }
  return my;
}

// "2024-02-29T13:45:00.5+02:00" → "2024-02-29 11:45:00.5" (UTC, the session's time zone).
std::string ToUtcDatetime(absl::string_view ts) {
  std::string t(ts);
  if (t.size() > 10 && t[10] == 'T') t[10] = ' ';
  if (absl::EndsWith(t, "Z")) {
    t.pop_back();
    return t;
  }
  if (t.size() < 25 || (t[t.size() - 6] != '+' && t[t.size() - 6] != '-')) return t;
  const int sign = t[t.size() - 6] == '+' ? 1 : -1;
  const int minutes =
      sign * (std::atoi(t.substr(t.size() - 5, 2).c_str()) * 60 + std::atoi(t.substr(t.size() - 2).c_str()));
  t.resize(t.size() - 6);
  std::tm tm{};
  tm.tm_year = std::atoi(t.substr(0, 4).c_str()) - 1900;
  tm.tm_mon = std::atoi(t.substr(5, 2).c_str()) - 1;
  tm.tm_mday = std::atoi(t.substr(8, 2).c_str());
  tm.tm_hour = std::atoi(t.substr(11, 2).c_str());
  tm.tm_min = std::atoi(t.substr(14, 2).c_str());
  tm.tm_sec = std::atoi(t.substr(17, 2).c_str());
  std::time_t seconds = timegm(&tm) - minutes * 60;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &utc);
  return buf + t.substr(19);  // keeps the fraction
}

// "2024-02-29 13:45:00.500000" → "2024-02-29T13:45:00.5" (+ "Z" for TIMESTAMP columns, UTC).
void NormalizeDatetime(std::string* t, bool utc) {
  if (t->size() > 10 && (*t)[10] == ' ') (*t)[10] = 'T';
  if (t->find('.') != std::string::npos) {
    while (!t->empty() && t->back() == '0') t->pop_back();
    if (!t->empty() && t->back() == '.') t->pop_back();
  }
  if (utc) *t += 'Z';
}

void TrimFraction(std::string* t) {
  if (t->find('.') == std::string::npos) return;
  while (!t->empty() && t->back() == '0') t->pop_back();
  if (!t->empty() && t->back() == '.') t->pop_back();
}

void FreeResult(sluice_stmt* s) {
  if (s->meta) mysql_free_result(s->meta);
  s->meta = nullptr;
  if (s->executed) mysql_stmt_free_result(s->stmt);
  s->executed = false;
}

void Disconnect(sluice_conn* conn);

int32_t Connect(const char* url, sluice_conn** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    auto conn = std::make_unique<sluice_conn>();
    if (!ParseUrl(url ? url : "", &conn->endpoint)) {
      return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "expected mysql://user:password@host:port/database");
    }
    conn->my = Open(conn->endpoint);
    if (mysql_errno(conn->my) != 0) {
      int32_t code =
          SetError(err, SLUICE_STATUS_UNAVAILABLE, absl::StrCat("cannot connect to mysql: ", mysql_error(conn->my)));
      mysql_close(conn->my);
      return code;
    }
    // UTC timestamps, strict values, standard string literals.
    int32_t code = Query(conn.get(),
                         "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,"
                         "NO_BACKSLASH_ESCAPES,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO'",
                         err);
    if (code != SLUICE_STATUS_OK) {
      mysql_close(conn->my);
      return code;
    }
    *out = conn.release();
    return SLUICE_STATUS_OK;
  });
}

void Disconnect(sluice_conn* conn) {
  if (conn == nullptr) return;
  mysql_close(conn->my);
  delete conn;
}

int32_t Ping(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    // An idle connection has nothing to read; anything there (an error packet from a server
    // shutting down, or the end of the stream) means it is gone. No round trip.
    pollfd fd{static_cast<int>(mysql_get_socket(conn->my)), POLLIN, 0};
    if (fd.fd < 0 || poll(&fd, 1, 0) != 0) {
      return SetError(err, SLUICE_STATUS_UNAVAILABLE, "mysql connection lost while idle");
    }
    return SLUICE_STATUS_OK;
  });
}

// Whether `sql` holds nothing to run: white space, `-- ` / `#` / `/* */` comments (not MySQL's
// executable `/*! */` ones) and semicolons. MariaDB accepts a comment alone as a statement that
// does nothing; an empty statement is the client's mistake.
bool NothingToRun(absl::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ';') {
      ++i;
    } else if (c == '#' || (absl::StartsWith(sql.substr(i), "--") &&
                            (i + 2 == sql.size() || std::isspace(static_cast<unsigned char>(sql[i + 2]))))) {
      const size_t end = sql.find('\n', i);
      i = end == absl::string_view::npos ? sql.size() : end + 1;
    } else if (absl::StartsWith(sql.substr(i), "/*") && !absl::StartsWith(sql.substr(i), "/*!")) {
      const size_t end = sql.find("*/", i + 2);
      if (end == absl::string_view::npos) return false;  // unterminated: the server says what is wrong
      i = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

int32_t Prepare(sluice_conn* conn, const char* sql, size_t sql_size, sluice_stmt** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (NothingToRun(absl::string_view(sql, sql_size))) {
      return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "the statement is empty");
    }
    auto s = std::make_unique<sluice_stmt>();
    s->conn = conn;
    s->stmt = mysql_stmt_init(conn->my);
    if (s->stmt == nullptr) return ConnError(conn, err);
    if (mysql_stmt_prepare(s->stmt, sql, sql_size) != 0) {
      int32_t code = StmtError(s.get(), err);
      mysql_stmt_close(s->stmt);
      return code;
    }
    const size_t n = mysql_stmt_param_count(s->stmt);
    s->params.assign(n, MYSQL_BIND{});
    s->param_text.assign(n, std::string());
    s->param_int.assign(n, 0);
    s->param_double.assign(n, 0);
    s->param_null.assign(n, 1);
    *out = s.release();
    return SLUICE_STATUS_OK;
  });
}

int32_t Bind(sluice_stmt* s, uint32_t slot, const sluice_value* v, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (slot >= s->params.size()) {
      return SetError(err, SLUICE_STATUS_OUT_OF_RANGE,
                      absl::StrCat("mysql: the statement has ", s->params.size(), " parameters"));
    }
    MYSQL_BIND& b = s->params[slot];
    b = MYSQL_BIND{};
    s->param_null[slot] = 0;
    b.is_null = reinterpret_cast<my_bool*>(&s->param_null[slot]);
    std::string& text = s->param_text[slot];
    switch (v->kind) {
      case SLUICE_VALUE_NULL:
        s->param_null[slot] = 1;
        b.buffer_type = MYSQL_TYPE_NULL;
        return SLUICE_STATUS_OK;
      case SLUICE_VALUE_BOOL:
      case SLUICE_VALUE_INT64:
        s->param_int[slot] = v->num.i64;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &s->param_int[slot];
        return SLUICE_STATUS_OK;
      case SLUICE_VALUE_UINT64:
        s->param_int[slot] = static_cast<long long>(v->num.u64);
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.is_unsigned = 1;
        b.buffer = &s->param_int[slot];
        return SLUICE_STATUS_OK;
      case SLUICE_VALUE_DOUBLE:
        s->param_double[slot] = v->num.f64;
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &s->param_double[slot];
        return SLUICE_STATUS_OK;
      case SLUICE_VALUE_BYTES:
        text.assign(v->data ? v->data : "", v->size);
        b.buffer_type = MYSQL_TYPE_BLOB;
        break;
      case SLUICE_VALUE_TIMESTAMP:
        text = ToUtcDatetime(absl::string_view(v->data ? v->data : "", v->size));
        b.buffer_type = MYSQL_TYPE_STRING;
        break;
      case SLUICE_VALUE_DECIMAL:  // exact: compared and computed as a decimal, not a double
        text.assign(v->data ? v->data : "", v->size);
        b.buffer_type = MYSQL_TYPE_NEWDECIMAL;
        break;
      case SLUICE_VALUE_ARRAY:
        return SetError(err, SLUICE_STATUS_UNIMPLEMENTED, "dialect mysql does not support arrays");
      default:
        text.assign(v->data ? v->data : "", v->size);
        b.buffer_type = MYSQL_TYPE_STRING;
        break;
    }
    b.buffer = text.data();
    b.buffer_length = text.size();
    b.length_value = text.size();
    b.length = &b.length_value;
    return SLUICE_STATUS_OK;
  });
}

// After the statement ran: its affected rows (no result set), or its result's metadata and the
// column buffers bound. No I/O.
int32_t Executed(sluice_stmt* s, sluice_error* err) {
  s->executed = true;
  s->meta = mysql_stmt_result_metadata(s->stmt);
  if (s->meta == nullptr) {  // no result set
    s->affected = mysql_stmt_affected_rows(s->stmt);
    s->last_id = static_cast<int64_t>(mysql_stmt_insert_id(s->stmt));
    return SLUICE_STATUS_OK;
  }
  // Rows are not stored: each fetch reads the next one from the server, so a large
  // result streams. Buffers start small and grow to the longest value seen.
  const unsigned n = mysql_num_fields(s->meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(s->meta);
  s->columns.assign(n, MYSQL_BIND{});
  s->buffers.assign(n, std::string());
  s->lengths.assign(n, 0);
  s->nulls.assign(n, 0);
  s->scratch.assign(n, std::string());
  s->rows = 0;
  for (unsigned i = 0; i < n; ++i) {
    s->buffers[i].resize(std::min<unsigned long>(fields[i].length, 256) + 1);
    MYSQL_BIND& b = s->columns[i];
    b.buffer_type =
        fields[i].charsetnr == 63 && fields[i].type >= MYSQL_TYPE_TINY_BLOB && fields[i].type <= MYSQL_TYPE_BLOB
            ? MYSQL_TYPE_BLOB
            : MYSQL_TYPE_STRING;
    b.buffer = s->buffers[i].data();
    b.buffer_length = s->buffers[i].size();
    b.length = &s->lengths[i];
    b.is_null = &s->nulls[i];
  }
  if (mysql_stmt_bind_result(s->stmt, s->columns.data()) != 0) return StmtError(s, err);
  return SLUICE_STATUS_OK;
}

// What a fetch returned (`rc`): a row (its long values fetched again into grown buffers), the
// end, or the error.
int32_t Fetched(sluice_stmt* s, int rc, int32_t* has_row, sluice_error* err) {
  if (rc == MYSQL_NO_DATA) {
    // A statement with rows (INSERT ... RETURNING): it changed as many as it returned.
    s->affected = s->rows;
    s->last_id = static_cast<int64_t>(mysql_stmt_insert_id(s->stmt));
    return SLUICE_STATUS_OK;
  }
  if (rc == 1) return StmtError(s, err);
  // A value longer than its buffer (`lengths` holds the whole length): grow the buffer, fetch
  // the value again, bind anew.
  bool grown = false;
  for (size_t i = 0; i < s->columns.size(); ++i) {
    if (s->nulls[i] || s->lengths[i] < s->buffers[i].size()) continue;
    grown = true;
    s->buffers[i].resize(std::max<size_t>(s->lengths[i] + 1, 2 * s->buffers[i].size()));
    MYSQL_BIND& b = s->columns[i];
    b.buffer = s->buffers[i].data();
    b.buffer_length = s->buffers[i].size();
    if (mysql_stmt_fetch_column(s->stmt, &b, static_cast<unsigned>(i), 0) != 0) return StmtError(s, err);
  }
  if (grown && mysql_stmt_bind_result(s->stmt, s->columns.data()) != 0) return StmtError(s, err);
  ++s->rows;
  *has_row = 1;
  return SLUICE_STATUS_OK;
}

// The non-blocking path's steps. A call's writes are waited for here (a statement larger than
// the socket's buffer): the host waits for reads only.
int FlushWrites(sluice_stmt* s, int status, int (*cont)(sluice_stmt*, int)) {
  while (status & MYSQL_WAIT_WRITE) {
    pollfd fd{static_cast<int>(mysql_get_socket(s->conn->my)), POLLOUT, -1};
    (void)poll(&fd, 1, -1);
    status = cont(s, MYSQL_WAIT_WRITE);
  }
  return status;
}

int ExecuteCont(sluice_stmt* s, int ready) { return mysql_stmt_execute_cont(&s->ret, s->stmt, ready); }
int FetchCont(sluice_stmt* s, int ready) { return mysql_stmt_fetch_cont(&s->ret, s->stmt, ready); }

// A fetch started (or finished at once: the row was in the client's buffer).
void StartFetch(sluice_stmt* s) {
  s->wait = FlushWrites(s, mysql_stmt_fetch_start(&s->ret, s->stmt), FetchCont);
  s->async = s->wait == 0 ? sluice_stmt::Async::kRow : sluice_stmt::Async::kFetching;
}

// The execute finished (`ret` holds its result).
void ExecuteFinished(sluice_stmt* s) {
  using Async = sluice_stmt::Async;
  sluice_error ignored{};
  if (s->ret != 0 || Executed(s, &ignored) != SLUICE_STATUS_OK) {
    s->async = Async::kFailed;
  } else if (s->meta == nullptr) {
    s->async = Async::kDone;
  } else {
    StartFetch(s);
  }
}

// Goes on with the call under way, if any, for what the socket now has (never blocks).
void Advance(sluice_stmt* s) {
  using Async = sluice_stmt::Async;
  if (s->async == Async::kNextRow) return StartFetch(s);
  if (s->async != Async::kExecuting && s->async != Async::kFetching) return;
  const bool executing = s->async == Async::kExecuting;
  s->wait = FlushWrites(s, executing ? ExecuteCont(s, MYSQL_WAIT_READ) : FetchCont(s, MYSQL_WAIT_READ),
                        executing ? ExecuteCont : FetchCont);
  if (s->wait != 0) return;
  if (executing) return ExecuteFinished(s);
  s->async = Async::kRow;
}

// The call under way, finished by waiting on the socket (a step without poll, a reset).
void Complete(sluice_stmt* s) {
  using Async = sluice_stmt::Async;
  while (s->async == Async::kExecuting || s->async == Async::kFetching) {
    pollfd fd{static_cast<int>(mysql_get_socket(s->conn->my)), POLLIN, -1};
    (void)poll(&fd, 1, -1);
    Advance(s);
  }
}

int32_t Send(sluice_stmt* s, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (s->executed || s->async != sluice_stmt::Async::kNone) {
      return SetError(err, SLUICE_STATUS_FAILED_PRECONDITION, "mysql: the statement was sent already");
    }
    if (!s->params.empty() && mysql_stmt_bind_param(s->stmt, s->params.data()) != 0) return StmtError(s, err);
    s->wait = FlushWrites(s, mysql_stmt_execute_start(&s->ret, s->stmt), ExecuteCont);
    s->async = sluice_stmt::Async::kExecuting;
    if (s->wait == 0) ExecuteFinished(s);
    return SLUICE_STATUS_OK;
  });
}

int32_t Socket(sluice_conn* conn) { return static_cast<int32_t>(mysql_get_socket(conn->my)); }

int32_t Poll(sluice_stmt* s, int32_t* ready, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    Advance(s);
    *ready = s->async == sluice_stmt::Async::kExecuting || s->async == sluice_stmt::Async::kFetching ? 0 : 1;
    return SLUICE_STATUS_OK;
  });
}

int32_t Step(sluice_stmt* s, int32_t* has_row, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    using Async = sluice_stmt::Async;
    *has_row = 0;
    if (s->async != Async::kNone) {  // sent: the row a fetch brought, or the end, or the error
      if (s->async == Async::kNextRow) StartFetch(s);
      Complete(s);
      switch (s->async) {
        case Async::kFailed:
          return StmtError(s, err);
        case Async::kRow: {
          const int32_t code = Fetched(s, s->ret, has_row, err);
          s->async = *has_row ? Async::kNextRow : Async::kDone;
          return code;
        }
        default:
          return SLUICE_STATUS_OK;
      }
    }
    if (!s->executed) {
      if (!s->params.empty() && mysql_stmt_bind_param(s->stmt, s->params.data()) != 0) return StmtError(s, err);
      if (mysql_stmt_execute(s->stmt) != 0) return StmtError(s, err);
      const int32_t code = Executed(s, err);
      if (code != SLUICE_STATUS_OK || s->meta == nullptr) return code;
    }
    if (s->meta == nullptr) return SLUICE_STATUS_OK;
    return Fetched(s, mysql_stmt_fetch(s->stmt), has_row, err);
  });
}

uint32_t ColumnCount(sluice_stmt* s) { return s->meta ? mysql_num_fields(s->meta) : 0; }

int32_t ColumnName(sluice_stmt* s, uint32_t column, const char** name, size_t* size, sluice_error* err) {
  if (s->meta == nullptr || column >= mysql_num_fields(s->meta)) {
    return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "no such result column");
  }
  MYSQL_FIELD* f = mysql_fetch_field_direct(s->meta, column);
  *name = f->name;
  *size = f->name_length;
  return SLUICE_STATUS_OK;
}

int32_t ColumnValue(sluice_stmt* s, uint32_t column, sluice_value* out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (s->meta == nullptr || column >= s->columns.size()) {
      return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "no such result column");
    }
    *out = sluice_value{};
    if (s->nulls[column]) {
      out->kind = SLUICE_VALUE_NULL;
      return SLUICE_STATUS_OK;
    }
    const char* text = s->buffers[column].data();
    const size_t size = s->lengths[column];
    out->data = text;
    out->size = size;
    MYSQL_FIELD* f = mysql_fetch_field_direct(s->meta, column);
    const absl::string_view value(text, size);
    std::string& scratch = s->scratch[column];
    switch (f->type) {
      case MYSQL_TYPE_TINY:
      case MYSQL_TYPE_SHORT:
      case MYSQL_TYPE_INT24:
      case MYSQL_TYPE_LONG:
      case MYSQL_TYPE_LONGLONG:
      case MYSQL_TYPE_YEAR:
        if (f->flags & UNSIGNED_FLAG) {
          out->kind = SLUICE_VALUE_UINT64;
          if (!absl::SimpleAtoi(value, &out->num.u64))
            return SetError(err, SLUICE_STATUS_INTERNAL, "mysql: bad integer");
        } else {
          out->kind = SLUICE_VALUE_INT64;
          if (!absl::SimpleAtoi(value, &out->num.i64))
            return SetError(err, SLUICE_STATUS_INTERNAL, "mysql: bad integer");
        }
        break;
      case MYSQL_TYPE_FLOAT:
      case MYSQL_TYPE_DOUBLE:
        out->kind = SLUICE_VALUE_DOUBLE;
        if (!absl::SimpleAtod(value, &out->num.f64)) return SetError(err, SLUICE_STATUS_INTERNAL, "mysql: bad double");
        break;
      case MYSQL_TYPE_NEWDECIMAL:
      case MYSQL_TYPE_DECIMAL:
        out->kind = SLUICE_VALUE_DECIMAL;
        break;
      case MYSQL_TYPE_DATE:
        out->kind = SLUICE_VALUE_DATE;
        break;
      case MYSQL_TYPE_TIME:
        scratch.assign(value.data(), value.size());
        TrimFraction(&scratch);
        out->kind = SLUICE_VALUE_TIME;
        out->data = scratch.data();
        out->size = scratch.size();
        break;
      case MYSQL_TYPE_DATETIME:
      case MYSQL_TYPE_TIMESTAMP:
        scratch.assign(value.data(), value.size());
        NormalizeDatetime(&scratch, f->type == MYSQL_TYPE_TIMESTAMP);
        out->kind = SLUICE_VALUE_TIMESTAMP;
        out->data = scratch.data();
        out->size = scratch.size();
        break;
      default:
        out->kind = f->charsetnr == 63 && f->type != MYSQL_TYPE_STRING && f->type != MYSQL_TYPE_VAR_STRING
                        ? SLUICE_VALUE_BYTES
                        : SLUICE_VALUE_TEXT;
        break;
    }
    return SLUICE_STATUS_OK;
  });
}

int32_t Changes(sluice_stmt* s, uint64_t* rows_affected, int64_t* last_insert_id, sluice_error*) {
  *rows_affected = s->affected == static_cast<uint64_t>(-1) ? 0 : s->affected;
  *last_insert_id = s->last_id;
  return SLUICE_STATUS_OK;
}

int32_t Reset(sluice_stmt* s, sluice_error*) {
  Complete(s);  // a non-blocking call under way ends first
  s->async = sluice_stmt::Async::kNone;
  mysql_stmt_reset(s->stmt);  // first: it reads and drops the rows not fetched yet
  FreeResult(s);
  s->param_null.assign(s->params.size(), 1);
  s->affected = 0;
  s->last_id = 0;
  return SLUICE_STATUS_OK;
}

void Finalize(sluice_stmt* s) {
  if (s == nullptr) return;
  Complete(s);
  FreeResult(s);
  mysql_stmt_close(s->stmt);
  delete s;
}

int32_t Begin(sluice_conn* conn, int32_t isolation, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    static constexpr const char* kLevels[] = {nullptr, "READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ",
                                              "SERIALIZABLE"};
    if (isolation > 0 && isolation <= 4) {
      int32_t code = Query(conn, absl::StrCat("SET TRANSACTION ISOLATION LEVEL ", kLevels[isolation]), err);
      if (code != SLUICE_STATUS_OK) return code;
    }
    return Query(conn, "START TRANSACTION", err);
  });
}

int32_t Commit(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t { return Query(conn, "COMMIT", err); });
}

int32_t Rollback(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t { return Query(conn, "ROLLBACK", err); });
}

// KILL QUERY from a second connection (a connection cannot interrupt itself).
void Interrupt(sluice_conn* conn) {
  const unsigned long id = mysql_thread_id(conn->my);
  MYSQL* killer = Open(conn->endpoint);
  if (mysql_errno(killer) == 0) {
    const std::string sql = absl::StrCat("KILL QUERY ", id);
    mysql_real_query(killer, sql.data(), sql.size());
  }
  mysql_close(killer);
}

}  // namespace

// One database, no namespaces: `names` is not read.
int32_t IntrospectDatabase(sluice_conn* conn, const char*, size_t, void** out, size_t* out_size, sluice_error* err) {
  return sdk::IntrospectInto(out, out_size, err, [&] { return Introspect(conn->my); });
}

void FillDriver(sluice_dialect_api* api) {
  SLUICE_SDK_SET_DRIVER_FUNCTIONS(api);
  api->socket = Socket;
  api->send = Send;
  api->poll = Poll;
  api->capabilities |= SLUICE_CAP_SEND_READS;  // an execute reads what has arrived
}

}  // namespace sluice::mysql
