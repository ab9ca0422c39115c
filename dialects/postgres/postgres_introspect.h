// PostgreSQL's catalog (pg_catalog) read into a sluice.plan.v1.Catalog.
#ifndef SLUICE_DIALECTS_POSTGRES_POSTGRES_INTROSPECT_H_
#define SLUICE_DIALECTS_POSTGRES_POSTGRES_INTROSPECT_H_

#include <libpq-fe.h>

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "sluice/plan/plan.h"

namespace sluice::postgres {

// The tables (but __sluice_*), indexes, enums and sequences of `namespaces` (empty: public).
absl::StatusOr<plan::Catalog> Introspect(PGconn* pg, const std::vector<std::string>& namespaces);

// A type as format_type() writes it ("character varying(120)", "numeric(10,2)", "text[]", an
// enum's name) into a plan type; `enum_namespace` for an enum.
plan::Type TypeFromSql(const std::string& sql, bool is_enum, const std::string& enum_namespace);

}  // namespace sluice::postgres

#endif  // SLUICE_DIALECTS_POSTGRES_POSTGRES_INTROSPECT_H_
