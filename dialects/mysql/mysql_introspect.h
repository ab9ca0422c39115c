// MySQL / MariaDB's information_schema read into a sluice.plan.v1.Catalog.
#ifndef SLUICE_DIALECTS_MYSQL_MYSQL_INTROSPECT_H_
#define SLUICE_DIALECTS_MYSQL_MYSQL_INTROSPECT_H_

#include <mysql.h>

#include <string>

#include "absl/status/statusor.h"
#include "sluice/plan/plan.h"

namespace sluice::mysql {

// The tables (but __sluice_*) and indexes of the connection's database.
absl::StatusOr<plan::Catalog> Introspect(MYSQL* my);

// A COLUMN_TYPE ("varchar(120)", "bigint(20) unsigned", "tinyint(1)", "enum('a','b')") as a type.
plan::Type TypeFromSql(const std::string& sql);

}  // namespace sluice::mysql

#endif  // SLUICE_DIALECTS_MYSQL_MYSQL_INTROSPECT_H_
