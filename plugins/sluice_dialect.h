/*
 * sluice_dialect.h — the dialect plugin ABI of Sluice. This header is the whole contract
 * between sluiced and a dialect plugin. It is plain C (C99) and stable:
 *
 *   - A plugin is a shared library exporting one function, SLUICE_DIALECT_ENTRY_SYMBOL, that
 *     returns its function table. sluiced copies the table and checks it in this order: the
 *     file opens; the entry symbol exists; the table is not NULL; struct_size covers at least
 *     the version 1.0 table; abi_major equals the host's; abi_minor is not newer than the
 *     host's; every required function is present; the dialect name is not taken. Any failure
 *     refuses that plugin with a message naming the file (and both versions where they differ).
 *   - The table grows only at its end. A member beyond the plugin's struct_size is absent.
 *     Adding members bumps the minor version; changing or removing one bumps the major version.
 *   - Nothing of C++ crosses: no exceptions (a plugin catches everything at its boundary), no
 *     C++ types. Text is pointer + length (not NUL-terminated unless said).
 *   - Errors are a status code (the gRPC canonical codes, SLUICE_STATUS_*) returned by the
 *     function, with details written into a caller-owned sluice_error.
 *   - Ownership is spelled out for every pointer below.
 *   - Versions: 1.0 first; 1.1 added SLUICE_VALUE_ARRAY and SLUICE_CAP_UPDATE_RETURNING; 1.2
 *     added SLUICE_CAP_ALTER_TABLE and the optional introspect / buffer_free; 1.3 added the
 *     optional non-blocking execution (socket / send / poll) and sluice_error.reason; 1.4
 *     added SLUICE_CAP_SEND_READS; 1.5 added the optional pipeline_depth; 1.6 the optional
 *     send_grouped.
 *   - Threads: a connection and its statements are used by one thread at a time; different
 *     connections are used concurrently; `interrupt` may be called from any thread.
 *
 * docs/plugin-abi.md explains the lifecycle with an example.
 */
#ifndef SLUICE_PLUGINS_SLUICE_DIALECT_H_
#define SLUICE_PLUGINS_SLUICE_DIALECT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_DIALECT_ABI_MAJOR 1
#define SLUICE_DIALECT_ABI_MINOR 6

/* The name of the one symbol a plugin exports (a function of type sluice_dialect_entry_fn). */
#define SLUICE_DIALECT_ENTRY_SYMBOL "sluice_dialect_entry"

#if defined(__GNUC__)
#define SLUICE_DIALECT_EXPORT __attribute__((visibility("default")))
#else
#define SLUICE_DIALECT_EXPORT
#endif

/* Status codes: the gRPC canonical codes. 0 is success. */
typedef enum sluice_status_code {
  SLUICE_STATUS_OK = 0,
  SLUICE_STATUS_CANCELLED = 1,
  SLUICE_STATUS_UNKNOWN = 2,
  SLUICE_STATUS_INVALID_ARGUMENT = 3,
  SLUICE_STATUS_DEADLINE_EXCEEDED = 4,
  SLUICE_STATUS_NOT_FOUND = 5,
  SLUICE_STATUS_ALREADY_EXISTS = 6,
  SLUICE_STATUS_PERMISSION_DENIED = 7,
  SLUICE_STATUS_RESOURCE_EXHAUSTED = 8,
  SLUICE_STATUS_FAILED_PRECONDITION = 9,
  SLUICE_STATUS_ABORTED = 10,
  SLUICE_STATUS_OUT_OF_RANGE = 11,
  SLUICE_STATUS_UNIMPLEMENTED = 12,
  SLUICE_STATUS_INTERNAL = 13,
  SLUICE_STATUS_UNAVAILABLE = 14,
  SLUICE_STATUS_DATA_LOSS = 15,
  SLUICE_STATUS_UNAUTHENTICATED = 16
} sluice_status_code;

/*
 * Error details. Owned by the caller, which zeroes it before each call; the plugin fills it
 * when it returns a non-zero code. Strings are NUL-terminated and truncated to fit.
 */
typedef struct sluice_error {
  int32_t code;              /* the same code the function returned */
  char sqlstate[8];          /* SQLSTATE or the database's own error number; "" if none */
  char constraint_name[128]; /* the violated constraint; "" if none */
  char message[1024];        /* for humans: what failed, in the database's words */
  /* Since 1.3 (a plugin built for 1.0-1.2 leaves it ""): the error's class where the code alone
   * does not tell it, one of SLUICE_REASON_*; "" otherwise. */
  char reason[32];
} sluice_error;

/* Error classes (sluice_error.reason), the same on every dialect. */
#define SLUICE_REASON_UNIQUE_VIOLATION "UNIQUE_VIOLATION"
#define SLUICE_REASON_FOREIGN_KEY_VIOLATION "FOREIGN_KEY_VIOLATION"
#define SLUICE_REASON_NOT_NULL_VIOLATION "NOT_NULL_VIOLATION"
#define SLUICE_REASON_CHECK_VIOLATION "CHECK_VIOLATION"
#define SLUICE_REASON_UNDEFINED_TABLE "UNDEFINED_TABLE"   /* no such table (or view) */
#define SLUICE_REASON_UNDEFINED_COLUMN "UNDEFINED_COLUMN" /* no such column */
#define SLUICE_REASON_DUPLICATE_OBJECT "DUPLICATE_OBJECT" /* creating a table, index, type that exists */
#define SLUICE_REASON_UNDEFINED_OBJECT "UNDEFINED_OBJECT" /* dropping an index, key or constraint that is not there */
/* compile: the plan binds more values than one statement of the dialect can (code
 * INVALID_ARGUMENT); sluiced then runs an insert's rows in parts, and refuses anything else. */
#define SLUICE_REASON_TOO_MANY_PARAMETERS "TOO_MANY_PARAMETERS"
/* bind: a value the database cannot store as given (code INVALID_ARGUMENT), such as text with a
 * NUL character in PostgreSQL; sluiced names the request field that holds it. */
#define SLUICE_REASON_UNSTORABLE_VALUE "UNSTORABLE_VALUE"

/* Kinds of sluice_value. Numbers match sluice.plan.v1.LiteralKind. */
typedef enum sluice_value_kind {
  SLUICE_VALUE_NULL = 0,
  SLUICE_VALUE_BOOL = 1,       /* i64: 0 or 1 */
  SLUICE_VALUE_INT64 = 2,      /* i64 */
  SLUICE_VALUE_UINT64 = 3,     /* u64 */
  SLUICE_VALUE_DOUBLE = 4,     /* f64 */
  SLUICE_VALUE_TEXT = 5,       /* data, size: UTF-8 */
  SLUICE_VALUE_BYTES = 6,      /* data, size */
  SLUICE_VALUE_DECIMAL = 7,    /* data, size: "-12.50" */
  SLUICE_VALUE_DATE = 8,       /* data, size: "2024-02-29" */
  SLUICE_VALUE_TIME = 9,       /* data, size: "13:45:00.5" */
  SLUICE_VALUE_TIMESTAMP = 10, /* data, size: "2024-02-29T13:45:00.5Z" (offset optional) */
  SLUICE_VALUE_JSON = 11,      /* data, size: JSON text */
  SLUICE_VALUE_UUID = 12,      /* data, size: "8-4-4-4-12" hex */
  /* Since ABI 1.1. A one-dimensional array: data, size hold a JSON array whose elements are
   * null or strings, each the text form of one element (as the scalar kinds above). */
  SLUICE_VALUE_ARRAY = 13
} sluice_value_kind;

/* A value crossing the boundary, in either direction. */
typedef struct sluice_value {
  int32_t kind; /* sluice_value_kind */
  int32_t reserved;
  union {
    int64_t i64;
    uint64_t u64;
    double f64;
  } num;
  const char* data;
  size_t size;
} sluice_value;

/* Capability bits (sluice_dialect_api.capabilities). */
#define SLUICE_CAP_RETURNING (1ull << 0)         /* INSERT and DELETE ... RETURNING */
#define SLUICE_CAP_TRANSACTIONAL_DDL (1ull << 1) /* DDL rolls back with its transaction */
#define SLUICE_CAP_NAMESPACES (1ull << 2)        /* tables in named schemas */
#define SLUICE_CAP_ENUM_TYPES (1ull << 3)        /* CREATE TYPE ... AS ENUM */
#define SLUICE_CAP_ALTER_TABLE                                  \
  (1ull << 5) /* columns and constraints change in place (1.2); \
                 without it the host rebuilds a changed table */
#define SLUICE_CAP_UPDATE_RETURNING                              \
  (1ull << 4) /* UPDATE ... RETURNING (1.1); without it the host \
                 locks and re-reads the updated rows */
#define SLUICE_CAP_SEND_READS                                         \
  (1ull << 6) /* send may read the whole answer (1.4): the host polls \
                 once before it waits for the socket */

/* Opaque handles, owned by the plugin. */
typedef struct sluice_conn sluice_conn;
typedef struct sluice_stmt sluice_stmt;

/*
 * A compiled statement, allocated by the plugin's compile and released with its sql_free.
 * Placeholder slot k (0-based, in the dialect's own numbering) binds the host's plan
 * parameter param_index[k].
 */
typedef struct sluice_sql {
  const char* sql; /* NUL-terminated too; empty when the plan needs no statement */
  size_t sql_size;
  const uint32_t* param_index;
  size_t param_count;
} sluice_sql;

enum sluice_isolation {
  SLUICE_ISOLATION_DEFAULT = 0,
  SLUICE_ISOLATION_READ_UNCOMMITTED = 1,
  SLUICE_ISOLATION_READ_COMMITTED = 2,
  SLUICE_ISOLATION_REPEATABLE_READ = 3,
  SLUICE_ISOLATION_SERIALIZABLE = 4
};

/*
 * The function table. Every function member is required unless marked optional.
 * Functions returning int32_t return a sluice_status_code; `err` is never NULL.
 */
typedef struct sluice_dialect_api {
  /* sizeof(sluice_dialect_api) as the plugin was compiled. */
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /* Static strings owned by the plugin, valid while it is loaded. */
  const char* name;        /* the dialect: "sqlite", "postgres", "mysql", ... */
  const char* version;     /* the plugin's own version */
  const char* url_schemes; /* comma-separated schemes it serves: "postgres,postgresql" */
  uint64_t capabilities;   /* SLUICE_CAP_* */

  /* --- SQL rendering ------------------------------------------------------------------- */

  /* Renders a serialized sluice.plan.v1.Plan. On success *out is the plugin's, until
   * sql_free. INVALID_ARGUMENT for a malformed plan; UNIMPLEMENTED for a feature the dialect
   * lacks (the message names the dialect and the feature). */
  int32_t (*compile)(const void* plan, size_t plan_size, sluice_sql** out, sluice_error* err);
  void (*sql_free)(sluice_sql* sql);

  /* --- Driver ---------------------------------------------------------------------------- */

  /* Opens a connection to `url` (the database URL as configured, NUL-terminated). */
  int32_t (*connect)(const char* url, sluice_conn** out, sluice_error* err);
  /* Closes the connection; every statement of it must be finalized first. */
  void (*disconnect)(sluice_conn* conn);
  /* Liveness check before an idle connection is reused, on every reuse: keep it cheap (no round
   * trip; e.g. a non-blocking look at the socket). UNAVAILABLE when the connection is broken. */
  int32_t (*ping)(sluice_conn* conn, sluice_error* err);

  /* Prepares `sql` (as returned by compile; the plugin copies it). */
  int32_t (*prepare)(sluice_conn* conn, const char* sql, size_t sql_size, sluice_stmt** out, sluice_error* err);
  /* Binds placeholder slot `slot` (0-based). The plugin copies any data before returning. */
  int32_t (*bind)(sluice_stmt* stmt, uint32_t slot, const sluice_value* value, sluice_error* err);
  /* Runs the statement or moves to its next row: *has_row is 1 with a row, 0 when done. */
  int32_t (*step)(sluice_stmt* stmt, int32_t* has_row, sluice_error* err);
  uint32_t (*column_count)(sluice_stmt* stmt);
  /* The result column's name, owned by the plugin, valid until finalize. */
  int32_t (*column_name)(sluice_stmt* stmt, uint32_t column, const char** name, size_t* size, sluice_error* err);
  /* The current row's value. `out->data` is the plugin's, valid until the next step, reset or
   * finalize of this statement. The host converts to the column's declared type. */
  int32_t (*column_value)(sluice_stmt* stmt, uint32_t column, sluice_value* out, sluice_error* err);
  /* After the statement ran: rows it changed, and the last generated key (0 if none). */
  int32_t (*changes)(sluice_stmt* stmt, uint64_t* rows_affected, int64_t* last_insert_id, sluice_error* err);
  /* Rewinds the statement and clears its bindings, for reuse. */
  int32_t (*reset)(sluice_stmt* stmt, sluice_error* err);
  void (*finalize)(sluice_stmt* stmt);

  /* Transactions on a connection (`isolation` is a sluice_isolation). */
  int32_t (*begin)(sluice_conn* conn, int32_t isolation, sluice_error* err);
  int32_t (*commit)(sluice_conn* conn, sluice_error* err);
  int32_t (*rollback)(sluice_conn* conn, sluice_error* err);

  /* Optional. Asks the statement running on `conn` to stop (any thread); it then fails with
   * CANCELLED. */
  void (*interrupt)(sluice_conn* conn);

  /* ABI 1.0 ends here. Later minor versions append members below. */

  /* --- Since 1.2: introspection (optional) ---------------------------------------------- */

  /* Reads the schema of the database `conn` is connected to, in the namespaces listed in
   * `namespaces` (comma-separated, not NUL-terminated; empty: the default one): its tables but
   * Sluice's own `__sluice_*` ones, with columns, keys, uniques, foreign keys, checks and
   * indexes, its enums and sequences, as a serialized sluice.plan.v1.Catalog. On success *out
   * (*out_size bytes) is the plugin's until buffer_free. */
  int32_t (*introspect)(sluice_conn* conn, const char* namespaces, size_t namespaces_size, void** out, size_t* out_size,
                        sluice_error* err);
  void (*buffer_free)(void* buffer);

  /* --- Since 1.3: non-blocking execution (optional: all three, or none) ------------------- */

  /* With these, the host runs a statement without a thread waiting for the database: it
   * prepares and binds as usual (prepare may block: the host calls it once per statement and
   * connection, outside its event loop), then
   *   send(stmt)                     starts the statement and returns without waiting;
   *   with SLUICE_CAP_SEND_READS (send may read the whole answer), poll(stmt, &ready) at once;
   *   while not ready: wait until socket(conn) is readable, then poll(stmt, &ready);
   *   while ready: step(stmt) (and column_value, changes as usual), then poll again;
   * where `ready` = 1 promises that the next step returns without blocking (a row, the end, or
   * an error). After the last step, reset and finalize work as on the blocking path; interrupt
   * cancels a sent statement as it cancels a running one. A plugin without these functions is
   * run on the host's worker threads through step alone. */

  /* The descriptor that becomes readable when the database answers `conn`, or -1 when the
   * connection has none (the host then uses the blocking path). Valid until disconnect. */
  int32_t (*socket)(sluice_conn* conn);
  /* Sends the prepared, bound statement; its results are read through poll and step. */
  int32_t (*send)(sluice_stmt* stmt, sluice_error* err);
  /* Reads whatever has arrived for the sent statement without blocking; *ready is 1 when the
   * next step will not block. UNAVAILABLE when the connection broke. */
  int32_t (*poll)(sluice_stmt* stmt, int32_t* ready, sluice_error* err);

  /* --- Since 1.5: pipelining (optional, with the non-blocking functions) ------------------ */

  /* How many sent statements `conn` may have in flight at once: 1 (or this member absent) for
   * one at a time. With more, the host may send statements on the connection before the ones
   * sent earlier finished, and then:
   *   - each runs as sent without a transaction of the host's around it: on its own, in its own
   *     implicit transaction, so that an error ends that statement alone; in the order sent;
   *   - a statement may be sent again before its earlier sends finished: each send is one
   *     execution, of the values bound before that send;
   *   - results are read in the order sent: poll, step, column_value and changes name the
   *     statement of the connection's oldest unfinished execution (FAILED_PRECONDITION for any
   *     other). An execution finishes when step gives no row, or an error;
   *   - reset drains an execution the host stopped reading (the oldest, once stepped) and
   *     otherwise only clears the bindings: it never touches another execution;
   *   - interrupt cancels what the database runs at that moment: the oldest execution, or the
   *     next one if the oldest has just finished there (which then fails with CANCELLED and
   *     changed nothing; the host sends it again);
   *   - prepare, finalize, ping, begin, commit, rollback, introspect and a step without send are
   *     called only while nothing is in flight. */
  uint32_t (*pipeline_depth)(sluice_conn* conn);

  /* --- Since 1.6: statements sent as one transaction (optional, with pipeline_depth > 1) -- */

  /* Sends the prepared, bound statement as a member of a group that runs as one transaction:
   * `last` is 0 for every member but the last and 1 for the last. The host sends a group's
   * members one after the other, with nothing sent between them, on a connection with nothing in
   * flight, and reads them as any sent statements (poll, step, in the order sent; each member
   * counts against pipeline_depth). All or none:
   *   - when every member ran, the group commits before the last member's step reports its
   *     end, and a commit that fails is that step's error;
   *   - when a member fails, its step reports its error, each later member's step reports
   *     ABORTED (it did not run), and nothing the group did is kept.
   * Statements sent after the group (send, or another group) run after its commit, on their own. */
  int32_t (*send_grouped)(sluice_stmt* stmt, int32_t last, sluice_error* err);
} sluice_dialect_api;

/* The entry point. Returns the plugin's table (static storage, never freed), or NULL. */
typedef const sluice_dialect_api* (*sluice_dialect_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_PLUGINS_SLUICE_DIALECT_H_ */
