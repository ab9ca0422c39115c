// The SQLite dialect plugin's entry point: its function table.
#include "dialects/sdk/plugin_support.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "dialects/sqlite/sqlite_driver.h"
#include "plugins/sluice_dialect.h"

namespace {

const sluice::sqlite::SqliteDialect kDialect;

int32_t Compile(const void* plan, size_t plan_size, sluice_sql** out, sluice_error* err) {
  return sluice::sdk::CompilePlan(kDialect, plan, plan_size, out, err);
}

sluice_dialect_api MakeApi() {
  namespace d = sluice::sqlite;
  sluice_dialect_api api{};
  api.struct_size = sizeof(sluice_dialect_api);
  api.abi_major = SLUICE_DIALECT_ABI_MAJOR;
  api.abi_minor = SLUICE_DIALECT_ABI_MINOR;
  api.name = "sqlite";
  api.version = "0.1.0";
  api.url_schemes = "sqlite";
  api.capabilities = SLUICE_CAP_RETURNING | SLUICE_CAP_TRANSACTIONAL_DDL;
  api.compile = Compile;
  api.sql_free = sluice::sdk::FreeSql;
  api.connect = d::Connect;
  api.disconnect = d::Disconnect;
  api.ping = d::Ping;
  api.prepare = d::Prepare;
  api.bind = d::Bind;
  api.step = d::Step;
  api.column_count = d::ColumnCount;
  api.column_name = d::ColumnName;
  api.column_value = d::ColumnValue;
  api.changes = d::Changes;
  api.reset = d::Reset;
  api.finalize = d::Finalize;
  api.begin = d::Begin;
  api.commit = d::Commit;
  api.rollback = d::Rollback;
  api.interrupt = d::Interrupt;
  return api;
}

const sluice_dialect_api kApi = MakeApi();

}  // namespace

extern "C" SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
  return &kApi;
}
