// SQLite's schema (sqlite_master and the table pragmas) read into a sluice.plan.v1.Catalog.
#ifndef SLUICE_DIALECTS_SQLITE_SQLITE_INTROSPECT_H_
#define SLUICE_DIALECTS_SQLITE_SQLITE_INTROSPECT_H_

#include <sqlite3.h>

#include <string>

#include "absl/status/statusor.h"
#include "sluice/plan/plan.h"

namespace sluice::sqlite {

// The tables (but __sluice_* and sqlite_*) and indexes of the database.
absl::StatusOr<plan::Catalog> Introspect(sqlite3* db);

// A declared type ("VARCHAR(120)", "NUMERIC(10, 2)", "TIMESTAMPTZ") as a type.
plan::Type TypeFromSql(const std::string& sql);

}  // namespace sluice::sqlite

#endif  // SLUICE_DIALECTS_SQLITE_SQLITE_INTROSPECT_H_
