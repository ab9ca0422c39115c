// The PostgreSQL dialect plugin's entry point.
#include "dialects/postgres/postgres_dialect.h"
#include "dialects/postgres/postgres_driver.h"
#include "dialects/sdk/plugin_support.h"

extern "C" SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
  return sluice::sdk::DialectApi<sluice::postgres::PostgresDialect>(
      {"postgres", "0.1.0", "postgres,postgresql", sluice::postgres::FillDriver});
}
