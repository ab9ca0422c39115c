#include "planner/table_lookup.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"

namespace sluice {

absl::StatusOr<const TableInfo*> LookupTable(const SchemaIndex& schema, const std::string& name,
                                             const std::string& path) {
  if (name.empty()) return InvalidField(path, "a table is required");
  const TableInfo* table = schema.FindTable(name);
  if (table == nullptr) {
    return InvalidField(path, absl::StrCat("schema `", schema.schema().name(), "` has no table `", name, "`"));
  }
  return table;
}

absl::StatusOr<const TableInfo*> LookupWritableTable(const SchemaIndex& schema, const std::string& name,
                                                     const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, name, path));
  if (table->view != nullptr) {
    return InvalidField(path, absl::StrCat("`", name, "` is a view: views are read only (write to its tables)"));
  }
  return table;
}

plan::TableRef TableRefOf(const v1::Table& table) {
  plan::TableRef ref;
  ref.set_namespace_(table.namespace_());
  ref.set_name(table.name());
  return ref;
}

absl::StatusOr<std::vector<const v1::Column*>> LookupColumns(
    const SchemaIndex& schema, const TableInfo& table, const google::protobuf::RepeatedPtrField<std::string>& columns,
    const std::string& path) {
  std::vector<const v1::Column*> out;
  for (int i = 0; i < columns.size(); ++i) {
    const v1::Column* column = schema.FindColumn(table, columns[i]);
    if (column == nullptr) {
      return InvalidField(absl::StrCat(path, "[", i, "]"),
                          absl::StrCat("table `", table.table->name(), "` has no column `", columns[i], "`"));
    }
    out.push_back(column);
  }
  return out;
}

}  // namespace sluice
