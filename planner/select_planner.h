// Selects inside the planner: a statement's top select, and the selects nested in it
// (subqueries, WITH tables, set operation branches), which share its parameters.
#ifndef SLUICE_PLANNER_SELECT_PLANNER_H_
#define SLUICE_PLANNER_SELECT_PLANNER_H_

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

// Plans `select` (request path `path`) into `out`, its result columns into `columns`.
absl::Status PlanSelectInto(const SchemaIndex& schema, const v1::Select& select, const std::string& path,
                            const SelectContext& context, plan::Select* out, std::vector<ResultColumn>& columns);

}  // namespace sluice

#endif  // SLUICE_PLANNER_SELECT_PLANNER_H_
