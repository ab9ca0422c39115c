#include "schema/schema_index.h"

namespace sluice {

SchemaIndex::SchemaIndex(v1::Schema schema) : schema_(std::move(schema)) {
  for (const v1::Table& table : schema_.tables()) {
    TableInfo& info = tables_[table.name()];
    info.table = &table;
    for (const v1::Column& column : table.columns()) info.columns[column.name()] = &column;
  }
  for (const v1::View& view : schema_.views()) {
    if (view.columns().empty() || tables_.count(view.name())) continue;  // not resolved yet, or a clash
    v1::Table& table = view_tables_.emplace_back();
    table.set_name(view.name());
    table.set_namespace_(view.namespace_());
    *table.mutable_columns() = view.columns();
    TableInfo& info = tables_[view.name()];
    info.table = &table;
    info.view = &view;
    for (const v1::Column& column : table.columns()) info.columns[column.name()] = &column;
  }
  for (const v1::Enum& e : schema_.enums()) enums_[e.name()] = &e;
}

const TableInfo* SchemaIndex::FindTable(const std::string& name) const {
  auto it = tables_.find(name);
  return it == tables_.end() ? nullptr : &it->second;
}

const v1::Column* SchemaIndex::FindColumn(const TableInfo& table, const std::string& name) const {
  auto it = table.columns.find(name);
  return it == table.columns.end() ? nullptr : it->second;
}

const v1::Enum* SchemaIndex::FindEnum(const std::string& name) const {
  auto it = enums_.find(name);
  return it == enums_.end() ? nullptr : it->second;
}

}  // namespace sluice
