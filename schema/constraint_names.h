// Names Sluice gives constraints and indexes the schema leaves unnamed (PostgreSQL's
// conventions), so every dialect creates the same names.
#ifndef SLUICE_SCHEMA_CONSTRAINT_NAMES_H_
#define SLUICE_SCHEMA_CONSTRAINT_NAMES_H_

#include <string>
#include <vector>

#include "absl/strings/str_join.h"

namespace sluice {

inline std::string ForeignKeyName(const std::string& table, const std::vector<std::string>& columns) {
  return table + "_" + absl::StrJoin(columns, "_") + "_fkey";
}

inline std::string UniqueName(const std::string& table, const std::vector<std::string>& columns) {
  return table + "_" + absl::StrJoin(columns, "_") + "_key";
}

inline std::string IndexName(const std::string& table, const std::vector<std::string>& columns) {
  return table + "_" + absl::StrJoin(columns, "_") + "_idx";
}

}  // namespace sluice

#endif  // SLUICE_SCHEMA_CONSTRAINT_NAMES_H_
