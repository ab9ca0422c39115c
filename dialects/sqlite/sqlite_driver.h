// The SQLite driver behind the plugin's C functions (sqlite3 API).
#ifndef SLUICE_DIALECTS_SQLITE_SQLITE_DRIVER_H_
#define SLUICE_DIALECTS_SQLITE_SQLITE_DRIVER_H_

#include "plugins/sluice_dialect.h"

namespace sluice::sqlite {

// Sets the driver members of `api` (connect ... interrupt).
void FillDriver(sluice_dialect_api* api);

}  // namespace sluice::sqlite

#endif  // SLUICE_DIALECTS_SQLITE_SQLITE_DRIVER_H_
