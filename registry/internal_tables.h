// Sluice's own bookkeeping tables (`__sluice_schemas`, `__sluice_migrations`), described as
// schemas so that the ordinary planner and each dialect build their SQL.
#ifndef SLUICE_REGISTRY_INTERNAL_TABLES_H_
#define SLUICE_REGISTRY_INTERNAL_TABLES_H_

#include <string>

#include "absl/status/status.h"
#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "schema/schema_index.h"

namespace sluice {

// A NOT NULL column.
v1::Column InternalColumn(const std::string& name, v1::ColumnType type, uint32_t length = 0);

// A one-table schema holding `table` (never freed: these live as long as the process).
const SchemaIndex& InternalSchema(v1::Table table);

// CREATE TABLE IF NOT EXISTS for every table of `schema`.
absl::Status CreateTablesIfMissing(Database& db, const CallContext& call, const SchemaIndex& schema);

}  // namespace sluice

#endif  // SLUICE_REGISTRY_INTERNAL_TABLES_H_
