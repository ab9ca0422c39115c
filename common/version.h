// The version of Sluice that `sluiced --version` and `sluice --version` print.
#ifndef SLUICE_COMMON_VERSION_H_
#define SLUICE_COMMON_VERSION_H_

#include <string>

#include "plugins/sluice_dialect.h"

namespace sluice {

inline constexpr char kSluiceVersion[] = "0.2.0";

// "0.2.0 (API sluice.v1, plugin ABI 1.4)".
inline std::string VersionLine() {
  return std::string(kSluiceVersion) + " (API sluice.v1, plugin ABI " + std::to_string(SLUICE_DIALECT_ABI_MAJOR) + "." +
         std::to_string(SLUICE_DIALECT_ABI_MINOR) + ")";
}

}  // namespace sluice

#endif  // SLUICE_COMMON_VERSION_H_
