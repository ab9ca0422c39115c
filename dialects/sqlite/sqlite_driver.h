// The SQLite driver behind the plugin's C functions (sqlite3 API).
#ifndef SLUICE_DIALECTS_SQLITE_SQLITE_DRIVER_H_
#define SLUICE_DIALECTS_SQLITE_SQLITE_DRIVER_H_

#include "plugins/sluice_dialect.h"

namespace sluice::sqlite {

int32_t Connect(const char* url, sluice_conn** out, sluice_error* err);
void Disconnect(sluice_conn* conn);
int32_t Ping(sluice_conn* conn, sluice_error* err);
int32_t Prepare(sluice_conn* conn, const char* sql, size_t sql_size, sluice_stmt** out,
                sluice_error* err);
int32_t Bind(sluice_stmt* stmt, uint32_t slot, const sluice_value* value, sluice_error* err);
int32_t Step(sluice_stmt* stmt, int32_t* has_row, sluice_error* err);
uint32_t ColumnCount(sluice_stmt* stmt);
int32_t ColumnName(sluice_stmt* stmt, uint32_t column, const char** name, size_t* size,
                   sluice_error* err);
int32_t ColumnValue(sluice_stmt* stmt, uint32_t column, sluice_value* out, sluice_error* err);
int32_t Changes(sluice_stmt* stmt, uint64_t* rows_affected, int64_t* last_insert_id,
                sluice_error* err);
int32_t Reset(sluice_stmt* stmt, sluice_error* err);
void Finalize(sluice_stmt* stmt);
int32_t Begin(sluice_conn* conn, int32_t isolation, sluice_error* err);
int32_t Commit(sluice_conn* conn, sluice_error* err);
int32_t Rollback(sluice_conn* conn, sluice_error* err);
void Interrupt(sluice_conn* conn);

}  // namespace sluice::sqlite

#endif  // SLUICE_DIALECTS_SQLITE_SQLITE_DRIVER_H_
