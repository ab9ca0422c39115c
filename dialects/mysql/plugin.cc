// The MySQL / MariaDB dialect plugin's entry point.
#include "dialects/mysql/mysql_dialect.h"
#include "dialects/mysql/mysql_driver.h"
#include "dialects/sdk/plugin_support.h"

extern "C" SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
  // Capabilities follow MysqlDialect (sdk::Capabilities).
  return sluice::sdk::DialectApi<sluice::mysql::MysqlDialect>(
      {"mysql", "0.1.0", "mysql,mariadb", sluice::mysql::FillDriver});
}
