// Selects inside the planner: a statement's top select, and the selects nested in it
// (subqueries, WITH tables, set operation branches), which share its parameters.
#ifndef SLUICE_PLANNER_SELECT_PLANNER_H_
#define SLUICE_PLANNER_SELECT_PLANNER_H_

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"

namespace sluice {

struct SelectContext {
  // The statement's parameters; values of every nested select are appended here.
  std::vector<v1::Value>* params = nullptr;
  // Named placeholders (prepared statements); null refuses them.
  std::map<std::string, Placeholder>* placeholders = nullptr;
  // The statement around a subquery (its columns may be named: correlation); null at the top.
  const ExpressionPlanner* outer = nullptr;
  // The WITH tables this select may read, besides the schema's.
  std::vector<const TableInfo*> common_tables;
};

// A table made of a select's result columns: a WITH table, or a derived table (a join's subquery).
struct DerivedTable {
  v1::Table table;
  TableInfo info;
};

// `out` named `name`, with `columns` as its columns; INVALID_ARGUMENT at `path` (the select's
// columns) when two have one name.
absl::Status DeriveTable(const std::string& name, const std::vector<ResultColumn>& columns, const std::string& path,
                         DerivedTable& out);

// The joined sources (`joins`, request paths `<path>[i]`) after those in `scope`: tables of the
// schema, WITH tables of `context`, or derived tables (kept in `derived`), each added to `scope`
// and planned into `out` without its condition (PlanJoinConditions, once the scope is whole).
absl::Status PlanJoinSources(const SchemaIndex& schema, const google::protobuf::RepeatedPtrField<v1::Join>& joins,
                             const std::string& path, const SelectContext& context, std::vector<ScopeTable>& scope,
                             std::deque<DerivedTable>& derived, google::protobuf::RepeatedPtrField<plan::Join>* out);
absl::Status PlanJoinConditions(ExpressionPlanner& planner, const google::protobuf::RepeatedPtrField<v1::Join>& joins,
                                const std::string& path, google::protobuf::RepeatedPtrField<plan::Join>* out);

// Plans `select` (request path `path`) into `out`, its result columns into `columns`.
absl::Status PlanSelectInto(const SchemaIndex& schema, const v1::Select& select, const std::string& path,
                            const SelectContext& context, plan::Select* out, std::vector<ResultColumn>& columns);

}  // namespace sluice

#endif  // SLUICE_PLANNER_SELECT_PLANNER_H_
