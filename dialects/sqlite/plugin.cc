// The SQLite dialect plugin's entry point.
#include "dialects/sdk/plugin_support.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "dialects/sqlite/sqlite_driver.h"

extern "C" SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
  return sluice::sdk::DialectApi<sluice::sqlite::SqliteDialect>(
      {"sqlite", "0.1.0", "sqlite", sluice::sqlite::FillDriver});
}
