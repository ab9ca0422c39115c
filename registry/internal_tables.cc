#include "registry/internal_tables.h"

#include "common/status_macros.h"
#include "executor/executor.h"
#include "planner/planner.h"

namespace sluice {

v1::Column InternalColumn(const std::string& name, v1::ColumnType type, uint32_t length) {
  v1::Column c;
  c.set_name(name);
  c.set_type(type);
  c.set_length(length);
  c.set_not_null(true);
  return c;
}

const SchemaIndex& InternalSchema(v1::Table table) {
  v1::Schema schema;
  schema.set_name("__sluice");
  *schema.add_tables() = std::move(table);
  return *new SchemaIndex(std::move(schema));
}

absl::Status CreateTablesIfMissing(Database& db, const CallContext& call, const SchemaIndex& schema) {
  for (const plan::Plan& p : PlanCreateSchema(schema, /*if_not_exists=*/true)) {
    PlannedStatement statement;
    statement.plan = p;
    absl::Status status = Execute(db, statement, false, AsSluiced(call)).status();
    // Two servers creating the same table at once: one wins, the table exists.
    if (!status.ok() && status.code() != absl::StatusCode::kAlreadyExists) return status;
  }
  return absl::OkStatus();
}

}  // namespace sluice
