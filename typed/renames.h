// Rename hints (as Generate, Push and RegisterSchema take them) as lookups from a table's or a
// column's name now to its name before, for the typed API's numbering and its client-breaking
// report.
#ifndef SLUICE_TYPED_RENAMES_H_
#define SLUICE_TYPED_RENAMES_H_

#include <map>
#include <string>
#include <vector>

#include "sluice/v1/migration_service.pb.h"

namespace sluice::typed {

class Renames {
 public:
  explicit Renames(const std::vector<v1::RenameHint>& hints);

  // The name `table` had before (itself when not renamed).
  const std::string& TableBefore(const std::string& table) const;
  // The name column `column` of `table` (names now) had before (itself when not renamed).
  const std::string& ColumnBefore(const std::string& table, const std::string& column) const;

 private:
  std::map<std::string, std::string> tables_;                          // now → before
  std::map<std::string, std::map<std::string, std::string>> columns_;  // table now → column now → before
};

}  // namespace sluice::typed

#endif  // SLUICE_TYPED_RENAMES_H_
