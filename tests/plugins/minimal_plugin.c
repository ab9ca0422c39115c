/*
 * A minimal dialect plugin in plain C99, built against plugins/sluice_dialect.h alone: the
 * proof that the ABI is C. It loads and lists; every operation answers UNIMPLEMENTED.
 *
 * Compiled with one of the BROKEN_* macros it becomes one of the deliberately broken plugins
 * the loader must refuse (tests/plugins/plugin_loader_test.cc).
 */
#include <stdio.h>
#include <string.h>

#include "plugins/sluice_dialect.h"

static int32_t unimplemented(sluice_error* err) {
  err->code = SLUICE_STATUS_UNIMPLEMENTED;
  snprintf(err->message, sizeof err->message, "the minimal plugin runs no SQL");
  return SLUICE_STATUS_UNIMPLEMENTED;
}

static int32_t compile(const void* plan, size_t plan_size, sluice_sql** out, sluice_error* err) {
  (void)plan, (void)plan_size, (void)out;
  return unimplemented(err);
}
static void sql_free(sluice_sql* sql) { (void)sql; }
static int32_t connect(const char* url, sluice_conn** out, sluice_error* err) {
  (void)url, (void)out;
  return unimplemented(err);
}
static void disconnect(sluice_conn* conn) { (void)conn; }
static int32_t ping(sluice_conn* conn, sluice_error* err) {
  (void)conn;
  return unimplemented(err);
}
static int32_t prepare(sluice_conn* conn, const char* sql, size_t size, sluice_stmt** out, sluice_error* err) {
  (void)conn, (void)sql, (void)size, (void)out;
  return unimplemented(err);
}
static int32_t bind(sluice_stmt* stmt, uint32_t slot, const sluice_value* value, sluice_error* err) {
  (void)stmt, (void)slot, (void)value;
  return unimplemented(err);
}
static int32_t step(sluice_stmt* stmt, int32_t* has_row, sluice_error* err) {
  (void)stmt, (void)has_row;
  return unimplemented(err);
}
static uint32_t column_count(sluice_stmt* stmt) {
  (void)stmt;
  return 0;
}
static int32_t column_name(sluice_stmt* stmt, uint32_t column, const char** name, size_t* size, sluice_error* err) {
  (void)stmt, (void)column, (void)name, (void)size;
  return unimplemented(err);
}
static int32_t column_value(sluice_stmt* stmt, uint32_t column, sluice_value* out, sluice_error* err) {
  (void)stmt, (void)column, (void)out;
  return unimplemented(err);
}
static int32_t changes(sluice_stmt* stmt, uint64_t* affected, int64_t* last_id, sluice_error* err) {
  (void)stmt, (void)affected, (void)last_id;
  return unimplemented(err);
}
static int32_t reset(sluice_stmt* stmt, sluice_error* err) {
  (void)stmt;
  return unimplemented(err);
}
static void finalize(sluice_stmt* stmt) { (void)stmt; }
static int32_t begin(sluice_conn* conn, int32_t isolation, sluice_error* err) {
  (void)conn, (void)isolation;
  return unimplemented(err);
}
static int32_t commit(sluice_conn* conn, sluice_error* err) {
  (void)conn;
  return unimplemented(err);
}
static int32_t rollback(sluice_conn* conn, sluice_error* err) {
  (void)conn;
  return unimplemented(err);
}

static sluice_dialect_api api;

#ifndef BROKEN_NO_ENTRY
SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
#ifdef BROKEN_NULL_TABLE
  return NULL;
#else
  memset(&api, 0, sizeof api);
  api.struct_size = sizeof api;
  api.abi_major = SLUICE_DIALECT_ABI_MAJOR;
  api.abi_minor = SLUICE_DIALECT_ABI_MINOR;
  api.name = "minimal";
  api.version = "1.2.3";
  api.url_schemes = "minimal";
  api.compile = compile;
  api.sql_free = sql_free;
  api.connect = connect;
  api.disconnect = disconnect;
  api.ping = ping;
  api.prepare = prepare;
  api.bind = bind;
  api.step = step;
  api.column_count = column_count;
  api.column_name = column_name;
  api.column_value = column_value;
  api.changes = changes;
  api.reset = reset;
  api.finalize = finalize;
  api.begin = begin;
  api.commit = commit;
  api.rollback = rollback;
#ifdef BROKEN_SHORT_TABLE
  api.struct_size = 24; /* ends before the functions */
#endif
#ifdef BROKEN_MAJOR
  api.abi_major = SLUICE_DIALECT_ABI_MAJOR + 1;
#endif
#ifdef BROKEN_MINOR
  api.abi_minor = SLUICE_DIALECT_ABI_MINOR + 1;
#endif
#ifdef OLDER_MINOR /* not broken: an older minor version loads */
  api.abi_minor = 0;
#endif
#ifdef BROKEN_MISSING_FUNCTION
  api.bind = NULL;
#endif
  return &api;
#endif
}
#endif
