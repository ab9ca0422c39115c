#include "typed/renames.h"

namespace sluice::typed {

Renames::Renames(const std::vector<v1::RenameHint>& hints) {
  for (const v1::RenameHint& hint : hints) {
    if (!hint.from_table().empty()) tables_[hint.table()] = hint.from_table();
    if (!hint.from_column().empty()) columns_[hint.table()][hint.to_column()] = hint.from_column();
  }
}

const std::string& Renames::TableBefore(const std::string& table) const {
  auto it = tables_.find(table);
  return it == tables_.end() ? table : it->second;
}

const std::string& Renames::ColumnBefore(const std::string& table, const std::string& column) const {
  auto in_table = columns_.find(table);
  if (in_table == columns_.end()) return column;
  auto it = in_table->second.find(column);
  return it == in_table->second.end() ? column : it->second;
}

}  // namespace sluice::typed
