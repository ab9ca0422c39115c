// The PostgreSQL driver behind the plugin's C functions (libpq).
#ifndef SLUICE_DIALECTS_POSTGRES_POSTGRES_DRIVER_H_
#define SLUICE_DIALECTS_POSTGRES_POSTGRES_DRIVER_H_

#include "plugins/sluice_dialect.h"

namespace sluice::postgres {

// Sets the driver members of `api` (connect ... interrupt).
void FillDriver(sluice_dialect_api* api);

}  // namespace sluice::postgres

#endif  // SLUICE_DIALECTS_POSTGRES_POSTGRES_DRIVER_H_
