#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/assignments.h"
#include "planner/expression_planner.h"
#include "planner/plan_recording.h"
#include "planner/planner.h"
#include "planner/returning.h"
#include "planner/table_lookup.h"
#include "planner/value_check.h"

namespace sluice {
namespace {

std::string ValuesPath(const std::string& path, int row, absl::string_view column) {
  return absl::StrCat(path, ".rows[", row, "].values[\"", column, "\"]");
}

// The value a row that leaves out `column` gets, when other rows of the same statement set it:
// the declared default, else the database's DEFAULT (NULL, or the next generated key).
absl::StatusOr<plan::Expr> MissingValue(ExpressionPlanner& planner, const v1::Column& column) {
  if (column.default_().has_value()) {
    SLUICE_ASSIGN_OR_RETURN(plan::Expr bound, planner.BindValue(column.default_().value(), column, "default"));
    PlanRecording* recording = PlanRecording::Current();
    if (recording != nullptr && bound.has_param()) recording->Constant(bound.param());
    return bound;
  }
  if (column.default_().has_sequence()) return NextValue(planner.schema(), column.default_().sequence());
  switch (column.default_().function()) {
    case v1::ColumnDefault::NOW:
      return ExpressionPlanner::Call(plan::NOW, {});
    case v1::ColumnDefault::CURRENT_DATE:
      return ExpressionPlanner::Call(plan::CURRENT_DATE, {});
    case v1::ColumnDefault::RANDOM_UUID:
      return ExpressionPlanner::Call(plan::RANDOM_UUID, {});
    default:
      return ExpressionPlanner::Call(plan::DEFAULT, {});
  }
}

bool Required(const v1::Column& column) {
  return column.not_null() && !column.has_default_() && !column.auto_increment() && !column.has_generated();
}

// One ON CONFLICT clause (`path`: e.g. insert.on_conflict). Columns of the existing row are
// written qualified: PostgreSQL would find `excluded`'s too.
absl::Status PlanConflict(const SchemaIndex& schema, const TableInfo& table, std::vector<v1::Value>& params,
                          const v1::OnConflict& conflict, const std::string& path, plan::Conflict& out) {
  ExpressionPlanner planner(schema, table, &params);
  planner.SetScope({{table.table->name(), &table}});
  planner.AllowExcluded(&table);
  SLUICE_ASSIGN_OR_RETURN(auto targets, LookupColumns(schema, table, conflict.columns(), path + ".columns"));
  for (const v1::Column* column : targets) out.add_columns(column->name());
  const bool update = !conflict.set().empty() || !conflict.set_expressions().empty();
  if (update && targets.empty()) {
    return InvalidField(path + ".columns", "an update on conflict needs the conflict target columns");
  }
  if (conflict.has_target_where()) {
    if (targets.empty()) return InvalidField(path + ".target_where", "target_where qualifies the target columns");
    // Written like the partial index's own predicate (unqualified, values as literals), so the
    // database can match the two when it prepares the statement.
    ExpressionPlanner index(schema, table, nullptr);
    SLUICE_ASSIGN_OR_RETURN(*out.mutable_target_where(),
                            index.Condition(conflict.target_where(), path + ".target_where"));
  }
  SLUICE_RETURN_IF_ERROR(
      PlanAssignments(planner, table, conflict.set(), conflict.set_expressions(), path, out.mutable_set()));
  if (conflict.has_set_where()) {
    if (!update) return InvalidField(path + ".set_where", "set_where qualifies an update: give set or set_expressions");
    SLUICE_ASSIGN_OR_RETURN(*out.mutable_set_where(), planner.Condition(conflict.set_where(), path + ".set_where"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PlannedStatement> PlanInsert(const SchemaIndex& schema, const v1::Insert& insert,
                                            const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupWritableTable(schema, insert.table(), path + ".table"));
  if (insert.rows().empty()) return InvalidField(path + ".rows", "at least one row is required");

  // Check every named column first, so unknown names are reported before missing ones.
  std::set<std::string> named;
  for (int r = 0; r < insert.rows_size(); ++r) {
    for (const auto& [name, value] : insert.rows(r).values()) {
      const v1::Column* column = schema.FindColumn(*table, name);
      if (column == nullptr) {
        return InvalidField(ValuesPath(path, r, name),
                            absl::StrCat("table `", table->table->name(), "` has no column `", name, "`"));
      }
      SLUICE_RETURN_IF_ERROR(CheckWritable(*column, ValuesPath(path, r, name)));
      if (value.has_null_value() && column->not_null()) {
        return NotNullViolation(ValuesPath(path, r, name), table->table->name(), name);
      }
      named.insert(name);
    }
  }

  PlannedStatement out;
  for (const v1::Column& column : table->table->columns()) out.generated_key |= column.auto_increment();
  ExpressionPlanner planner(schema, *table, &out.params);
  plan::Insert* p = out.plan.mutable_insert();
  *p->mutable_table() = TableRefOf(*table->table);
  std::vector<const v1::Column*> columns;  // in schema order
  for (const v1::Column& column : table->table->columns()) {
    if (named.count(column.name())) {
      columns.push_back(&column);
      p->add_columns(column.name());
    }
  }
  for (int r = 0; r < insert.rows_size(); ++r) {
    const auto& values = insert.rows(r).values();
    for (const v1::Column& column : table->table->columns()) {
      if (Required(column) && !values.count(column.name())) {
        return InvalidField(
            ValuesPath(path, r, column.name()),
            absl::StrCat("column `", column.name(), "` is not null and has no default: a value is required"));
      }
    }
    plan::InsertRow* row = p->add_rows();
    for (const v1::Column* column : columns) {
      auto it = values.find(column->name());
      if (it == values.end()) {
        SLUICE_ASSIGN_OR_RETURN(*row->add_values(), MissingValue(planner, *column));
      } else {
        SLUICE_ASSIGN_OR_RETURN(*row->add_values(),
                                planner.BindValue(it->second, *column, ValuesPath(path, r, column->name())));
      }
    }
  }

  if (insert.has_on_conflict()) {
    p->set_on_conflict(true);
    plan::Conflict first;
    SLUICE_RETURN_IF_ERROR(
        PlanConflict(schema, *table, out.params, insert.on_conflict(), path + ".on_conflict", first));
    *p->mutable_conflict_columns() = std::move(*first.mutable_columns());
    *p->mutable_conflict_set() = std::move(*first.mutable_set());
    if (first.has_target_where()) *p->mutable_conflict_target_where() = std::move(*first.mutable_target_where());
    if (first.has_set_where()) *p->mutable_conflict_set_where() = std::move(*first.mutable_set_where());
  } else if (!insert.more_on_conflict().empty()) {
    return InvalidField(path + ".on_conflict", "more_on_conflict follows an on_conflict clause");
  }
  if (!insert.more_on_conflict().empty() && insert.on_conflict().columns().empty()) {
    return InvalidField(path + ".on_conflict.columns", "only the last conflict clause may leave out its target");
  }
  for (int i = 0; i < insert.more_on_conflict_size(); ++i) {
    const std::string cpath = absl::StrCat(path, ".more_on_conflict[", i, "]");
    const bool last = i + 1 == insert.more_on_conflict_size();
    if (!last && insert.more_on_conflict(i).columns().empty()) {
      return InvalidField(cpath + ".columns", "only the last conflict clause may leave out its target");
    }
    SLUICE_RETURN_IF_ERROR(
        PlanConflict(schema, *table, out.params, insert.more_on_conflict(i), cpath, *p->add_more_conflicts()));
  }
  SLUICE_RETURN_IF_ERROR(PlanReturning(schema, *table, planner, insert.returning(), insert.returning_expressions(),
                                       path, p->mutable_returning(), p->mutable_returning_items(), &out));
  return out;
}

}  // namespace sluice
