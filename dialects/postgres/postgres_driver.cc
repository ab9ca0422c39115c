#include "dialects/postgres/postgres_driver.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "dialects/postgres/pg_array.h"
#include "dialects/postgres/postgres_introspect.h"
#include "dialects/sdk/plugin_support.h"

struct sluice_conn {
  PGconn* pg = nullptr;
  // Type OID → whether it is an array type (learnt from pg_type for OIDs not known up front,
  // such as arrays of enums).
  std::unordered_map<::Oid, bool> is_array;
  PGcancel* cancel = nullptr;
  std::mutex cancel_mu;
  uint64_t next_statement = 0;
  // `sluice_statements=unnamed` on the URL (behind a transaction pooler such as PgBouncer): no
  // named prepared statement outlives its round trip; each execution parses its SQL anew.
  bool unnamed = false;
  // Pipelining (ABI 1.5; named statements only): the executions sent and not finished, oldest
  // first (a statement once per execution), in libpq's pipeline mode while there are any. Each
  // is followed by a sync point (it ends its implicit transaction), but a group's members before
  // its last (ABI 1.6: the group is one transaction).
  struct Execution {
    sluice_stmt* stmt;
    bool synced;
  };
  std::deque<Execution> in_flight;
};

struct sluice_stmt {
  sluice_conn* conn = nullptr;
  std::string name;
  std::string sql;  // for unnamed statements
  std::vector<std::string> values;
  std::vector<char> is_null;
  // The statement's description: its result columns, known before it runs.
  PGresult* described = nullptr;
  std::vector<char> array_columns;
  // Rows arrive one at a time (single-row mode): `result` holds the current one.
  PGresult* result = nullptr;
  int row = -1;
  bool executed = false;
  bool done = false;
  uint64_t affected = 0;
  // Per column: the current row's value when it needed converting.
  std::vector<std::string> scratch;
  // Pipelining: the statement's executions in flight on its connection; whether the oldest of
  // the connection's is this statement's and was stepped (a reset drains it); whether `result`
  // holds all of its rows (an execution that was not the oldest when sent is not read row by
  // row: single-row mode is set when it becomes the oldest, if libpq still allows it).
  int sends = 0;
  bool reading = false;
  bool whole = false;
};

namespace sluice::postgres {
namespace {

using sdk::Guard;
using sdk::SetError;

// PostgreSQL type OIDs (pg_type.dat) the driver decodes.
enum TypeOid : ::Oid {
  kBool = 16,
  kBytea = 17,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kOid = 26,
  kJson = 114,
  kFloat4 = 700,
  kFloat8 = 701,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestampTz = 1184,
  kNumeric = 1700,
  kUuid = 2950,
  kJsonb = 3802,
  kTimestampArray = 1115,
  kTimestampTzArray = 1185,
};

int32_t CodeFor(absl::string_view sqlstate, absl::string_view message) {
  if (sqlstate == "23505") return SLUICE_STATUS_ALREADY_EXISTS;
  if (absl::StartsWith(sqlstate, "23")) return SLUICE_STATUS_FAILED_PRECONDITION;
  if (absl::StartsWith(sqlstate, "40") || sqlstate == "25P02") return SLUICE_STATUS_ABORTED;
  if (sqlstate == "57014") {
    return absl::StrContains(message, "timeout") ? SLUICE_STATUS_DEADLINE_EXCEEDED : SLUICE_STATUS_CANCELLED;
  }
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "57P")) return SLUICE_STATUS_UNAVAILABLE;
  if (sqlstate == "42P07" || sqlstate == "42710" || sqlstate == "42P06") return SLUICE_STATUS_ALREADY_EXISTS;
  if (sqlstate == "42P01" || sqlstate == "42703" || sqlstate == "42704") return SLUICE_STATUS_FAILED_PRECONDITION;
  if (sqlstate == "42501") return SLUICE_STATUS_PERMISSION_DENIED;
  // Class 42 (a syntax error, a wrong reference, DISTINCT with a foreign ORDER BY, ...), a row hit
  // twice by one ON CONFLICT (21000), an unknown savepoint (3B001): the statement the client
  // asked for, not a bug in sluiced.
  if (absl::StartsWith(sqlstate, "42") || sqlstate == "21000" || sqlstate == "3B001") {
    return SLUICE_STATUS_INVALID_ARGUMENT;
  }
  if (absl::StartsWith(sqlstate, "22")) return SLUICE_STATUS_INVALID_ARGUMENT;
  if (absl::StartsWith(sqlstate, "53") || absl::StartsWith(sqlstate, "54")) return SLUICE_STATUS_RESOURCE_EXHAUSTED;
  return SLUICE_STATUS_INTERNAL;
}

// The error class of a SQLSTATE ("" where the code tells enough).
const char* ReasonFor(absl::string_view sqlstate) {
  if (sqlstate == "23505") return SLUICE_REASON_UNIQUE_VIOLATION;
  if (sqlstate == "23503") return SLUICE_REASON_FOREIGN_KEY_VIOLATION;
  if (sqlstate == "23502") return SLUICE_REASON_NOT_NULL_VIOLATION;
  if (sqlstate == "23514") return SLUICE_REASON_CHECK_VIOLATION;
  if (sqlstate == "42P01") return SLUICE_REASON_UNDEFINED_TABLE;
  if (sqlstate == "42703") return SLUICE_REASON_UNDEFINED_COLUMN;
  // duplicate table (or index), object, schema, column
  if (sqlstate == "42P07" || sqlstate == "42710" || sqlstate == "42P06" || sqlstate == "42701") {
    return SLUICE_REASON_DUPLICATE_OBJECT;
  }
  if (sqlstate == "42704") return SLUICE_REASON_UNDEFINED_OBJECT;
  return "";
}

// The error of `result` (or of the connection when there is no result).
int32_t PgError(sluice_conn* conn, const PGresult* result, sluice_error* err) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (sqlstate == nullptr || PQstatus(conn->pg) == CONNECTION_BAD) {
    return SetError(err, SLUICE_STATUS_UNAVAILABLE,
                    absl::StrCat("postgres connection lost: ", PQerrorMessage(conn->pg)), sqlstate ? sqlstate : "");
  }
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  std::string message = primary ? primary : PQresultErrorMessage(result);
  if (detail) absl::StrAppend(&message, " (", detail, ")");
  const int32_t code = SetError(err, CodeFor(sqlstate, message), message, sqlstate, constraint ? constraint : "");
  return sdk::SetReason(err, code, ReasonFor(sqlstate));
}

// Runs `sql` (no parameters) and expects no error.
int32_t Exec(sluice_conn* conn, const char* sql, sluice_error* err) {
  PGresult* result = PQexec(conn->pg, sql);
  const ExecStatusType status = PQresultStatus(result);
  int32_t code = SLUICE_STATUS_OK;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    code = PgError(conn, result, err);
  }
  PQclear(result);
  return code;
}

std::string Hex(absl::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// "2024-02-29 13:45:00.5+00" → RFC 3339 "2024-02-29T13:45:00.5Z".
void NormalizeTimestamp(std::string* ts) {
  if (ts->size() > 10 && (*ts)[10] == ' ') (*ts)[10] = 'T';
  if (absl::EndsWith(*ts, "+00")) {
    ts->replace(ts->size() - 3, 3, "Z");
  } else if (ts->size() > 3 && ((*ts)[ts->size() - 3] == '+' || (*ts)[ts->size() - 3] == '-')) {
    *ts += ":00";
  }
}

// Whether values of type `oid` are arrays (pg_type.typcategory 'A'): the built-in scalar types
// are known; others (enums, arrays) are asked once per type and connection.
bool IsArrayType(sluice_conn* conn, ::Oid oid) {
  switch (oid) {
    case kBool:
    case kBytea:
    case kInt8:
    case kInt2:
    case kInt4:
    case 25 /* text */:
    case kOid:
    case kJson:
    case kFloat4:
    case kFloat8:
    case 1042 /* bpchar */:
    case 1043 /* varchar */:
    case kDate:
    case kTime:
    case kTimestamp:
    case kTimestampTz:
    case 1186 /* interval */:
    case kNumeric:
    case kUuid:
    case kJsonb:
      return false;
    default:
      break;
  }
  auto it = conn->is_array.find(oid);
  if (it != conn->is_array.end()) return it->second;
  const std::string sql = absl::StrCat("SELECT typcategory = 'A' FROM pg_type WHERE oid = ", oid);
  PGresult* r = PQexec(conn->pg, sql.c_str());
  const bool array = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return conn->is_array[oid] = array;
}

int Nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

void Disconnect(sluice_conn* conn);

// `url` without its `sluice_statements=...` query parameter (libpq refuses parameters it does not
// know), whose value goes to `*statements`.
std::string WithoutStatementsOption(const std::string& url, std::string* statements) {
  const size_t query = url.find('?');
  if (query == std::string::npos) return url;
  std::vector<std::string> kept;
  for (absl::string_view item : absl::StrSplit(url.substr(query + 1), '&')) {
    if (absl::ConsumePrefix(&item, "sluice_statements=")) {
      *statements = std::string(item);
    } else if (!item.empty()) {
      kept.emplace_back(item);
    }
  }
  return url.substr(0, query) + (kept.empty() ? "" : "?" + absl::StrJoin(kept, "&"));
}

int32_t Connect(const char* url, sluice_conn** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    std::string statements;
    const std::string conninfo = WithoutStatementsOption(url, &statements);
    if (!statements.empty() && statements != "unnamed" && statements != "named") {
      return SetError(
          err, SLUICE_STATUS_INVALID_ARGUMENT,
          absl::StrCat("postgres: sluice_statements is `named` (the default) or `unnamed`, not `", statements, "`"));
    }
    auto* conn = new sluice_conn();
    conn->unnamed = statements == "unnamed";
    conn->pg = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn->pg) != CONNECTION_OK) {
      int32_t code = SetError(err, SLUICE_STATUS_UNAVAILABLE,
                              absl::StrCat("cannot connect to postgres: ", PQerrorMessage(conn->pg)));
      Disconnect(conn);
      return code;
    }
    // The server's notices ("relation ... already exists, skipping") are not errors, and libpq
    // would print them on sluiced's stderr as lines of its own, outside sluiced's log format.
    PQsetNoticeProcessor(
        conn->pg, [](void*, const char*) {}, nullptr);
    // Timestamps come back in UTC and ISO form; text is UTF-8.
    int32_t code = Exec(conn, "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET client_encoding = 'UTF8'", err);
    if (code != SLUICE_STATUS_OK) {
      Disconnect(conn);
      return code;
    }
    conn->cancel = PQgetCancel(conn->pg);
    *out = conn;
    return SLUICE_STATUS_OK;
  });
}

void Disconnect(sluice_conn* conn) {
  if (conn == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(conn->cancel_mu);
    if (conn->cancel) PQfreeCancel(conn->cancel);
    conn->cancel = nullptr;
  }
  PQfinish(conn->pg);
  delete conn;
}

int32_t Ping(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    // An idle connection has nothing to read; anything there (a FATAL from a server shutting
    // down, or the end of the stream) means it is gone. No round trip.
    pollfd fd{PQsocket(conn->pg), POLLIN, 0};
    if (PQstatus(conn->pg) != CONNECTION_OK || fd.fd < 0 || poll(&fd, 1, 0) != 0) {
      return SetError(err, SLUICE_STATUS_UNAVAILABLE, "postgres connection lost while idle");
    }
    return SLUICE_STATUS_OK;
  });
}

// The calls that wait for the server (prepare, begin, commit, rollback) are not for a connection
// with executions in flight (pipelining): libpq refuses them there.
int32_t Pipelining(sluice_conn* conn, sluice_error* err) {
  return SetError(err, SLUICE_STATUS_FAILED_PRECONDITION,
                  absl::StrCat("postgres: ", conn->in_flight.size(), " statements are in flight on the connection"));
}

int32_t Prepare(sluice_conn* conn, const char* sql, size_t sql_size, sluice_stmt** out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!conn->in_flight.empty()) return Pipelining(conn, err);
    auto stmt = std::make_unique<sluice_stmt>();
    stmt->conn = conn;
    stmt->name = conn->unnamed ? "" : absl::StrCat("sluice_", conn->next_statement++);
    const std::string text(sql, sql_size);
    if (conn->unnamed) stmt->sql = text;
    // Unnamed, outside a transaction: parsed and described inside one of its own, so that a
    // transaction pooler runs both on the same server connection.
    const bool own_transaction = conn->unnamed && PQtransactionStatus(conn->pg) == PQTRANS_IDLE;
    if (own_transaction) {
      const int32_t begun = Exec(conn, "BEGIN", err);
      if (begun != SLUICE_STATUS_OK) return begun;
    }
    const auto end = [&](int32_t code) {
      if (own_transaction) {
        sluice_error ignored{};
        Exec(conn, "ROLLBACK", &ignored);
      }
      return code;
    };
    PGresult* prepared = PQprepare(conn->pg, stmt->name.c_str(), text.c_str(), 0, nullptr);
    int32_t code = PQresultStatus(prepared) == PGRES_COMMAND_OK ? SLUICE_STATUS_OK : PgError(conn, prepared, err);
    PQclear(prepared);
    if (code != SLUICE_STATUS_OK) return end(code);
    PGresult* described = PQdescribePrepared(conn->pg, stmt->name.c_str());
    if (PQresultStatus(described) != PGRES_COMMAND_OK) {
      code = PgError(conn, described, err);
      PQclear(described);
      return end(code);
    }
    end(SLUICE_STATUS_OK);
    stmt->values.resize(PQnparams(described));
    stmt->is_null.assign(stmt->values.size(), 1);
    stmt->described = described;
    for (int c = 0; c < PQnfields(described); ++c) {
      stmt->array_columns.push_back(IsArrayType(conn, PQftype(described, c)));
    }
    *out = stmt.release();
    return SLUICE_STATUS_OK;
  });
}

int32_t Bind(sluice_stmt* s, uint32_t slot, const sluice_value* v, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (slot >= s->values.size()) {
      return SetError(err, SLUICE_STATUS_OUT_OF_RANGE,
                      absl::StrCat("postgres: the statement has ", s->values.size(), " parameters, not ", slot + 1));
    }
    std::string& out = s->values[slot];
    s->is_null[slot] = 0;
    switch (v->kind) {
      case SLUICE_VALUE_NULL:
        s->is_null[slot] = 1;
        break;
      case SLUICE_VALUE_BOOL:
        out = v->num.i64 ? "true" : "false";
        break;
      case SLUICE_VALUE_INT64:
        out = absl::StrCat(v->num.i64);
        break;
      case SLUICE_VALUE_UINT64:
        out = absl::StrCat(v->num.u64);
        break;
      case SLUICE_VALUE_DOUBLE: {
        if (std::isnan(v->num.f64)) {
          out = "NaN";
        } else if (std::isinf(v->num.f64)) {
          out = v->num.f64 > 0 ? "Infinity" : "-Infinity";
        } else {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.17g", v->num.f64);
          out = buf;
        }
        break;
      }
      case SLUICE_VALUE_BYTES:
        out = Hex(absl::string_view(v->data ? v->data : "", v->size));
        break;
      case SLUICE_VALUE_ARRAY: {
        auto literal = JsonArrayToPg(absl::string_view(v->data ? v->data : "", v->size));
        if (!literal) return SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "postgres: malformed array value");
        out = *std::move(literal);
        break;
      }
      default:
        out.assign(v->data ? v->data : "", v->size);
        break;
    }
    // libpq sends a text parameter up to its first NUL: the value would be cut short, silently.
    if (!s->is_null[slot] && out.find('\0') != std::string::npos) {
      return sdk::SetReason(
          err,
          SetError(err, SLUICE_STATUS_INVALID_ARGUMENT,
                   absl::StrCat("postgres: parameter ", slot + 1,
                                " holds a NUL character (U+0000), which PostgreSQL text cannot store")),
          SLUICE_REASON_UNSTORABLE_VALUE);
    }
    return SLUICE_STATUS_OK;
  });
}

// Reads and drops what is left of the statement's results (the connection is then idle).
void Drain(sluice_stmt* s) {
  if (s->result) PQclear(s->result);
  s->result = nullptr;
  if (s->executed && !s->done) {
    while (PGresult* r = PQgetResult(s->conn->pg)) PQclear(r);
  }
  s->done = true;
}

// The bound values as libpq takes them (null for SQL NULL), valid until the next bind.
std::vector<const char*> ParamValues(const sluice_stmt& s) {
  std::vector<const char*> values(s.values.size());
  for (size_t i = 0; i < values.size(); ++i) values[i] = s.is_null[i] ? nullptr : s.values[i].c_str();
  return values;
}

// Sends the bound statement (the results are read by Step).
int32_t SendStatement(sluice_stmt* s, sluice_error* err) {
  const std::vector<const char*> values = ParamValues(*s);
  const int sent = s->conn->unnamed ? PQsendQueryParams(s->conn->pg, s->sql.c_str(), static_cast<int>(values.size()),
                                                        nullptr, values.data(), nullptr, nullptr, 0)
                                    : PQsendQueryPrepared(s->conn->pg, s->name.c_str(), static_cast<int>(values.size()),
                                                          values.data(), nullptr, nullptr, 0);
  if (!sent) return PgError(s->conn, nullptr, err);
  // Rows come one by one, so a large result never sits whole in memory.
  PQsetSingleRowMode(s->conn->pg);
  s->executed = true;
  s->done = false;
  s->scratch.assign(PQnfields(s->described), std::string());
  return SLUICE_STATUS_OK;
}

// Reads the sync point that follows a finished execution: the end of its implicit transaction
// (its commit, whose error comes before the sync point). The server sends it with the
// execution's last result, so this does not wait in practice.
int32_t TakeSync(sluice_conn* conn, sluice_error* err) {
  int32_t code = SLUICE_STATUS_OK;
  for (int nulls = 0; nulls < 2;) {
    PGresult* r = PQgetResult(conn->pg);
    if (r == nullptr) {
      if (PQstatus(conn->pg) == CONNECTION_BAD) return PgError(conn, nullptr, err);
      ++nulls;
      continue;
    }
    const ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_PIPELINE_SYNC && code == SLUICE_STATUS_OK) code = PgError(conn, r, err);
    PQclear(r);
    if (status == PGRES_PIPELINE_SYNC) return code;
  }
  return code != SLUICE_STATUS_OK ? code
                                  : SetError(err, SLUICE_STATUS_INTERNAL, "postgres: no sync point after a statement");
}

// The oldest execution in flight ended (its last result is read): its terminating NULL and its
// sync point, if one follows it, are read; the next execution's rows are asked for one at a
// time; the connection leaves pipeline mode once nothing is in flight.
int32_t EndExecution(sluice_stmt* s, int32_t code, sluice_error* err) {
  sluice_conn* conn = s->conn;
  if (s->result) PQclear(s->result);
  s->result = nullptr;
  s->row = -1;
  s->whole = false;
  s->reading = false;
  --s->sends;
  const bool synced = conn->in_flight.front().synced;
  conn->in_flight.pop_front();
  if (PQstatus(conn->pg) == CONNECTION_BAD) return code;
  while (PGresult* r = PQgetResult(conn->pg)) PQclear(r);  // the NULL that ends the execution
  if (synced) {
    sluice_error ignored{};
    const int32_t committed = TakeSync(conn, code == SLUICE_STATUS_OK ? err : &ignored);
    if (code == SLUICE_STATUS_OK) code = committed;
    if (conn->in_flight.empty() && committed == SLUICE_STATUS_OK) PQexitPipelineMode(conn->pg);
  }
  if (!conn->in_flight.empty()) PQsetSingleRowMode(conn->pg);
  return code;
}

int32_t NotOldest(sluice_error* err) {
  return SetError(err, SLUICE_STATUS_FAILED_PRECONDITION,
                  "postgres: the statement is not the oldest execution in flight on its connection");
}

// Sends the bound statement in pipeline mode, behind whatever is in flight on the connection;
// `synced`: a sync point after it (it ends its transaction).
int32_t SendPipelined(sluice_stmt* s, bool synced, sluice_error* err) {
  sluice_conn* conn = s->conn;
  if (PQpipelineStatus(conn->pg) == PQ_PIPELINE_OFF && !PQenterPipelineMode(conn->pg)) {
    return PgError(conn, nullptr, err);
  }
  const std::vector<const char*> values = ParamValues(*s);
  if (!PQsendQueryPrepared(conn->pg, s->name.c_str(), static_cast<int>(values.size()), values.data(), nullptr, nullptr,
                           0)) {
    const int32_t code = PgError(conn, nullptr, err);
    if (conn->in_flight.empty()) PQexitPipelineMode(conn->pg);
    return code;
  }
  // The oldest: rows come one by one, so a large result never sits whole in memory.
  if (conn->in_flight.empty()) PQsetSingleRowMode(conn->pg);
  // A sync point after each statement, or group: each runs (and fails) on its own.
  if (synced && (!PQpipelineSync(conn->pg) || PQflush(conn->pg) != 0)) {
    return SetError(err, SLUICE_STATUS_UNAVAILABLE,
                    absl::StrCat("postgres connection lost: ", PQerrorMessage(conn->pg)));
  }
  conn->in_flight.push_back({s, synced});
  ++s->sends;
  s->scratch.resize(PQnfields(s->described));
  return SLUICE_STATUS_OK;
}

int32_t Send(sluice_stmt* s, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!s->conn->unnamed) return SendPipelined(s, /*synced=*/true, err);
    if (s->executed)
      return SetError(err, SLUICE_STATUS_FAILED_PRECONDITION, "postgres: the statement was sent already");
    return SendStatement(s, err);
  });
}

int32_t SendGrouped(sluice_stmt* s, int32_t last, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (s->conn->unnamed) {
      return SetError(err, SLUICE_STATUS_FAILED_PRECONDITION,
                      "postgres: statements are sent one at a time on a sluice_statements=unnamed connection");
    }
    return SendPipelined(s, /*synced=*/last != 0, err);
  });
}

// Reads what arrived for the oldest execution without blocking; `ready` when the next step
// will not block.
int32_t PollPipelined(sluice_stmt* s, int32_t* ready, sluice_error* err) {
  sluice_conn* conn = s->conn;
  if (conn->in_flight.empty() || conn->in_flight.front().stmt != s) return NotOldest(err);
  if (s->whole) return SLUICE_STATUS_OK;  // the rows are in hand
  if (PQisBusy(conn->pg) && !PQconsumeInput(conn->pg)) return PgError(conn, nullptr, err);
  *ready = PQisBusy(conn->pg) ? 0 : 1;
  return SLUICE_STATUS_OK;
}

// The oldest execution's next row, or its end.
int32_t StepPipelined(sluice_stmt* s, int32_t* has_row, sluice_error* err) {
  sluice_conn* conn = s->conn;
  if (conn->in_flight.empty() || conn->in_flight.front().stmt != s) return NotOldest(err);
  s->reading = true;
  if (s->whole) {
    if (++s->row < PQntuples(s->result)) {
      *has_row = 1;
      return SLUICE_STATUS_OK;
    }
    return EndExecution(s, SLUICE_STATUS_OK, err);
  }
  if (s->result) PQclear(s->result);
  s->result = PQgetResult(conn->pg);
  const ExecStatusType status = PQresultStatus(s->result);
  if (status == PGRES_SINGLE_TUPLE) {
    s->row = 0;
    *has_row = 1;
    return SLUICE_STATUS_OK;
  }
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
    const char* tuples = PQcmdTuples(s->result);
    s->affected = tuples && *tuples ? std::strtoull(tuples, nullptr, 10) : 0;
    if (status == PGRES_TUPLES_OK && PQntuples(s->result) > 0) {  // all the rows at once
      s->whole = true;
      s->row = 0;
      *has_row = 1;
      return SLUICE_STATUS_OK;
    }
    return EndExecution(s, SLUICE_STATUS_OK, err);
  }
  int32_t code;
  if (status == PGRES_EMPTY_QUERY) {
    code = SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "the statement is empty");
  } else if (status == PGRES_PIPELINE_ABORTED) {  // a group's member after one that failed
    code = SetError(err, SLUICE_STATUS_ABORTED,
                    "postgres: not run: an earlier statement of its transaction failed, and nothing was kept");
  } else {
    code = PgError(conn, s->result, err);
  }
  return EndExecution(s, code, err);
}

uint32_t PipelineDepth(sluice_conn* conn) { return conn->unnamed ? 1 : 64; }

int32_t Socket(sluice_conn* conn) { return PQsocket(conn->pg); }

// Reads what the server sent without blocking: the next PQgetResult (Step) will not block
// once libpq is no longer busy. The socket is read only when what libpq holds does not make
// the next result: a result's rows usually arrive together, and a read per row (the host polls
// before each step) failed with EAGAIN for all but the first.
int32_t Poll(sluice_stmt* s, int32_t* ready, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    *ready = 1;
    if (s->sends > 0) return PollPipelined(s, ready, err);
    if (!s->executed || s->done || !PQisBusy(s->conn->pg)) return SLUICE_STATUS_OK;
    if (!PQconsumeInput(s->conn->pg)) return PgError(s->conn, nullptr, err);
    *ready = PQisBusy(s->conn->pg) ? 0 : 1;
    return SLUICE_STATUS_OK;
  });
}

int32_t Step(sluice_stmt* s, int32_t* has_row, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    *has_row = 0;
    if (s->sends > 0) return StepPipelined(s, has_row, err);
    if (!s->executed) {
      const int32_t code = SendStatement(s, err);
      if (code != SLUICE_STATUS_OK) return code;
    }
    if (s->done) return SLUICE_STATUS_OK;
    if (s->result) PQclear(s->result);
    s->result = PQgetResult(s->conn->pg);
    const ExecStatusType status = PQresultStatus(s->result);
    if (status == PGRES_SINGLE_TUPLE) {
      s->row = 0;
      *has_row = 1;
      return SLUICE_STATUS_OK;
    }
    int32_t code = SLUICE_STATUS_OK;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
      const char* tuples = PQcmdTuples(s->result);
      s->affected = tuples && *tuples ? std::strtoull(tuples, nullptr, 10) : 0;
    } else if (status == PGRES_EMPTY_QUERY) {  // only white space or comments
      code = SetError(err, SLUICE_STATUS_INVALID_ARGUMENT, "the statement is empty");
    } else {
      code = PgError(s->conn, s->result, err);
    }
    Drain(s);
    return code;
  });
}

uint32_t ColumnCount(sluice_stmt* s) { return static_cast<uint32_t>(PQnfields(s->described)); }

int32_t ColumnName(sluice_stmt* s, uint32_t column, const char** name, size_t* size, sluice_error* err) {
  if (static_cast<int>(column) >= PQnfields(s->described)) {
    return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "no such result column");
  }
  *name = PQfname(s->described, static_cast<int>(column));
  *size = std::strlen(*name);
  return SLUICE_STATUS_OK;
}

int32_t ColumnValue(sluice_stmt* s, uint32_t column, sluice_value* out, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    const int c = static_cast<int>(column);
    if (s->result == nullptr || c >= PQnfields(s->result) || s->row < 0 || s->row >= PQntuples(s->result)) {
      return SetError(err, SLUICE_STATUS_OUT_OF_RANGE, "no current row or no such column");
    }
    *out = sluice_value{};
    if (PQgetisnull(s->result, s->row, c)) {
      out->kind = SLUICE_VALUE_NULL;
      return SLUICE_STATUS_OK;
    }
    const char* text = PQgetvalue(s->result, s->row, c);
    const size_t size = static_cast<size_t>(PQgetlength(s->result, s->row, c));
    out->data = text;
    out->size = size;
    std::string& scratch = s->scratch[c];
    switch (PQftype(s->result, c)) {
      case kBool:
        out->kind = SLUICE_VALUE_BOOL;
        out->num.i64 = text[0] == 't';
        break;
      case kInt2:
      case kInt4:
      case kInt8:
        out->kind = SLUICE_VALUE_INT64;
        out->num.i64 = std::strtoll(text, nullptr, 10);
        break;
      case kOid:
        out->kind = SLUICE_VALUE_UINT64;
        out->num.u64 = std::strtoull(text, nullptr, 10);
        break;
      case kFloat4:
      case kFloat8:
        out->kind = SLUICE_VALUE_DOUBLE;
        out->num.f64 = std::strtod(text, nullptr);  // also "NaN", "Infinity"
        break;
      case kNumeric:
        out->kind = SLUICE_VALUE_DECIMAL;
        break;
      case kBytea: {
        // Hex output: \x0a0b...
        scratch.clear();
        for (size_t i = 2; i + 1 < size; i += 2)
          scratch += static_cast<char>(Nibble(text[i]) << 4 | Nibble(text[i + 1]));
        out->kind = SLUICE_VALUE_BYTES;
        out->data = scratch.data();
        out->size = scratch.size();
        break;
      }
      case kDate:
        out->kind = SLUICE_VALUE_DATE;
        break;
      case kTime:
        out->kind = SLUICE_VALUE_TIME;
        break;
      case kTimestamp:
      case kTimestampTz: {
        scratch.assign(text, size);
        NormalizeTimestamp(&scratch);
        out->kind = SLUICE_VALUE_TIMESTAMP;
        out->data = scratch.data();
        out->size = scratch.size();
        break;
      }
      case kJson:
      case kJsonb:
        out->kind = SLUICE_VALUE_JSON;
        break;
      case kUuid:
        out->kind = SLUICE_VALUE_UUID;
        break;
      default: {
        const ::Oid type = PQftype(s->result, c);
        if (!s->array_columns[c]) {
          out->kind = SLUICE_VALUE_TEXT;
          break;
        }
        const bool timestamps = type == kTimestampArray || type == kTimestampTzArray;
        auto json = PgArrayToJson(absl::string_view(text, size), timestamps ? NormalizeTimestamp : nullptr);
        if (!json)
          return SetError(err, SLUICE_STATUS_UNIMPLEMENTED, "postgres: only one-dimensional arrays are supported");
        scratch = *std::move(json);
        out->kind = SLUICE_VALUE_ARRAY;
        out->data = scratch.data();
        out->size = scratch.size();
        break;
      }
    }
    return SLUICE_STATUS_OK;
  });
}

int32_t Changes(sluice_stmt* s, uint64_t* rows_affected, int64_t* last_insert_id, sluice_error*) {
  *rows_affected = s->affected;
  *last_insert_id = 0;  // PostgreSQL reports generated keys through RETURNING
  return SLUICE_STATUS_OK;
}

int32_t Reset(sluice_stmt* s, sluice_error*) {
  // A pipelined execution the host stopped reading is read to its end; others are left alone.
  int32_t has_row = 1;
  sluice_error ignored{};
  while (s->reading && has_row && StepPipelined(s, &has_row, &ignored) == SLUICE_STATUS_OK) {
  }
  Drain(s);
  s->executed = false;
  s->done = false;
  s->row = -1;
  s->affected = 0;
  s->is_null.assign(s->values.size(), 1);
  return SLUICE_STATUS_OK;
}

void Finalize(sluice_stmt* s) {
  if (s == nullptr) return;
  Drain(s);
  if (s->described) PQclear(s->described);
  if (PQstatus(s->conn->pg) == CONNECTION_OK && PQtransactionStatus(s->conn->pg) == PQTRANS_IDLE) {
    const std::string sql = "DEALLOCATE \"" + s->name + "\"";
    PQclear(PQexec(s->conn->pg, sql.c_str()));
  }
  delete s;
}

int32_t Begin(sluice_conn* conn, int32_t isolation, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!conn->in_flight.empty()) return Pipelining(conn, err);
    switch (isolation) {
      case SLUICE_ISOLATION_READ_UNCOMMITTED:
        return Exec(conn, "BEGIN ISOLATION LEVEL READ UNCOMMITTED", err);
      case SLUICE_ISOLATION_READ_COMMITTED:
        return Exec(conn, "BEGIN ISOLATION LEVEL READ COMMITTED", err);
      case SLUICE_ISOLATION_REPEATABLE_READ:
        return Exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
      case SLUICE_ISOLATION_SERIALIZABLE:
        return Exec(conn, "BEGIN ISOLATION LEVEL SERIALIZABLE", err);
      default:
        return Exec(conn, "BEGIN", err);
    }
  });
}

int32_t Commit(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!conn->in_flight.empty()) return Pipelining(conn, err);
    return Exec(conn, "COMMIT", err);
  });
}

int32_t Rollback(sluice_conn* conn, sluice_error* err) {
  return Guard(err, [&]() -> int32_t {
    if (!conn->in_flight.empty()) return Pipelining(conn, err);
    if (PQtransactionStatus(conn->pg) == PQTRANS_IDLE) return SLUICE_STATUS_OK;
    return Exec(conn, "ROLLBACK", err);
  });
}

void Interrupt(sluice_conn* conn) {
  std::lock_guard<std::mutex> lock(conn->cancel_mu);
  if (conn->cancel == nullptr) return;
  char message[256];
  PQcancel(conn->cancel, message, sizeof message);
}

}  // namespace

int32_t IntrospectDatabase(sluice_conn* conn, const char* names, size_t names_size, void** out, size_t* out_size,
                           sluice_error* err) {
  return sdk::IntrospectInto(out, out_size, err, [&] {
    // "" (and an empty list) is the default schema, public.
    std::vector<std::string> namespaces = absl::StrSplit(absl::string_view(names ? names : "", names_size), ',');
    for (std::string& n : namespaces) {
      if (n.empty()) n = "public";
    }
    return Introspect(conn->pg, namespaces);
  });
}

void FillDriver(sluice_dialect_api* api) {
  SLUICE_SDK_SET_DRIVER_FUNCTIONS(api);
  api->socket = Socket;
  api->send = Send;
  api->poll = Poll;
  api->pipeline_depth = PipelineDepth;
  api->send_grouped = SendGrouped;
}

}  // namespace sluice::postgres
