// The rows of a relation that belong to one row of its parent, as a correlated select: shared by
// relational reads (`with`: the related rows as JSON) and their conditions (`related`: EXISTS).
#ifndef SLUICE_PLANNER_RELATED_ROWS_H_
#define SLUICE_PLANNER_RELATED_ROWS_H_

#include <string>
#include <vector>

#include "schema/relations.h"
#include "sluice/plan/plan.h"

namespace sluice {

// A name for `table` that none of `taken` is: `table`, else `table_1`, `table_2`, ...
std::string UnusedAlias(const std::string& table, const std::vector<std::string>& taken);

// Sets `rows` to read `resolved.target` as `alias` (joined to the junction table of a
// many-to-many relation, under a name not in `taken`), and returns the conditions that tie its
// rows to the parent row named `parent_alias`.
std::vector<plan::Expr> CorrelateRelated(const ResolvedRelation& resolved, const std::string& alias,
                                         const std::string& parent_alias, const std::vector<std::string>& taken,
                                         plan::Select* rows);

}  // namespace sluice

#endif  // SLUICE_PLANNER_RELATED_ROWS_H_
