// The MySQL / MariaDB driver behind the plugin's C functions (the mysql_stmt API of libmariadb).
#ifndef SLUICE_DIALECTS_MYSQL_MYSQL_DRIVER_H_
#define SLUICE_DIALECTS_MYSQL_MYSQL_DRIVER_H_

#include "plugins/sluice_dialect.h"

namespace sluice::mysql {

// Sets the driver members of `api` (connect ... interrupt).
void FillDriver(sluice_dialect_api* api);

}  // namespace sluice::mysql

#endif  // SLUICE_DIALECTS_MYSQL_MYSQL_DRIVER_H_
