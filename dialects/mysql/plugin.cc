// The MySQL / MariaDB dialect plugin's entry point.
#include "dialects/mysql/mysql_dialect.h"
#include "dialects/mysql/mysql_driver.h"
#include "dialects/sdk/plugin_support.h"

extern "C" SLUICE_DIALECT_EXPORT const sluice_dialect_api* sluice_dialect_entry(void) {
  // INSERT / DELETE ... RETURNING (MariaDB 10.5+); DDL is not transactional.
  return sluice::sdk::DialectApi<sluice::mysql::MysqlDialect>(
      {"mysql", "0.1.0", "mysql,mariadb", SLUICE_CAP_RETURNING | SLUICE_CAP_ALTER_TABLE, sluice::mysql::FillDriver});
}
