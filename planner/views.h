// Views: the columns a view's select gives (resolved at registration), and its select planned
// for CREATE VIEW.
#ifndef SLUICE_PLANNER_VIEWS_H_
#define SLUICE_PLANNER_VIEWS_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "planner/planner.h"
#include "schema/schema_index.h"

namespace sluice {

// `schema` with the columns of every view defined by a select filled in from the select's result
// columns (views over views in dependency order). INVALID_ARGUMENT with the field paths (under
// `path`) for a view with both or neither of select and sql, columns beside a select that are not
// the ones it gives, an SQL view without columns, and a select that does not plan (unknown
// sources, cycles between views).
absl::StatusOr<v1::Schema> ResolveViews(const v1::Schema& schema, const std::string& path);

// `view`'s select planned into `out` with its values as literals (for DDL); its result columns.
absl::StatusOr<std::vector<ResultColumn>> PlanViewSelect(const SchemaIndex& schema, const v1::View& view,
                                                         const std::string& path, plan::Select* out);

// CREATE [MATERIALIZED] VIEW for a resolved view of `schema`, its fingerprint (CreateView with
// `comment_only`: COMMENT ON VIEW where the dialect keeps one), and CREATE INDEX for its indexes.
std::vector<plan::Plan> PlanCreateView(const SchemaIndex& schema, const v1::View& view);

// A view definition's fingerprint (`sluice:` and 32 hex digits of its plan's SHA-256).
std::string ViewFingerprint(const plan::CreateView& create);

// The tables and views `view`'s select reads (none for a view defined by SQL text).
std::set<std::string> ViewSources(const SchemaIndex& schema, const v1::View& view);

}  // namespace sluice

#endif  // SLUICE_PLANNER_VIEWS_H_
