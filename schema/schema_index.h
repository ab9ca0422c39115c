// A registered schema with lookups by name: what the planner validates requests against.
#ifndef SLUICE_SCHEMA_SCHEMA_INDEX_H_
#define SLUICE_SCHEMA_SCHEMA_INDEX_H_

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "sluice/v1/schema.pb.h"

namespace sluice {

struct TableInfo {
  const v1::Table* table = nullptr;
  std::map<std::string, const v1::Column*> columns;
  // Set for a view: `table` is then made of its name, namespace and columns (read only).
  const v1::View* view = nullptr;
};

class SchemaIndex {
 public:
  // Indexes `schema` (taken by value; the index owns it). Names must be unique: validate first.
  // Views with their columns are found like tables (FindTable; TableInfo.view says which).
  explicit SchemaIndex(v1::Schema schema);
  SchemaIndex(const SchemaIndex&) = delete;
  SchemaIndex& operator=(const SchemaIndex&) = delete;

  const v1::Schema& schema() const { return schema_; }
  const TableInfo* FindTable(const std::string& name) const;
  const v1::Column* FindColumn(const TableInfo& table, const std::string& name) const;
  const v1::Enum* FindEnum(const std::string& name) const;

 private:
  v1::Schema schema_;
  std::map<std::string, TableInfo> tables_;
  std::deque<v1::Table> view_tables_;  // the tables views read as
  std::map<std::string, const v1::Enum*> enums_;
};

}  // namespace sluice

#endif  // SLUICE_SCHEMA_SCHEMA_INDEX_H_
