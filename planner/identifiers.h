// Names a request makes up (aliases, WITH tables, savepoints): they reach the SQL text quoted, so
// they are checked first.
#ifndef SLUICE_PLANNER_IDENTIFIERS_H_
#define SLUICE_PLANNER_IDENTIFIERS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sluice {

// The longest name every dialect takes (PostgreSQL's 63 bytes).
inline constexpr size_t kMaxIdentifierBytes = 63;

// OK when `name` is 1 to kMaxIdentifierBytes bytes of valid UTF-8 without a NUL; else
// INVALID_ARGUMENT at `path` saying which rule it breaks.
absl::Status CheckIdentifier(absl::string_view name, const std::string& path);

}  // namespace sluice

#endif  // SLUICE_PLANNER_IDENTIFIERS_H_
