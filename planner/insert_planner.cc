#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
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
    return planner.BindValue(column.default_().value(), column, "default");
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
  return column.not_null() && !column.has_default_() && !column.auto_increment();
}

}  // namespace

absl::StatusOr<PlannedStatement> PlanInsert(const SchemaIndex& schema, const v1::Insert& insert,
                                            const std::string& path) {
  SLUICE_ASSIGN_OR_RETURN(const TableInfo* table, LookupTable(schema, insert.table(), path + ".table"));
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
    const v1::OnConflict& conflict = insert.on_conflict();
    const std::string cpath = path + ".on_conflict";
    p->set_on_conflict(true);
    SLUICE_ASSIGN_OR_RETURN(auto targets, LookupColumns(schema, *table, conflict.columns(), cpath + ".columns"));
    for (const v1::Column* column : targets) p->add_conflict_columns(column->name());
    if (!conflict.set().empty() && targets.empty()) {
      return InvalidField(cpath + ".columns", "an update on conflict needs the conflict target columns");
    }
    for (const v1::Column& column : table->table->columns()) {  // schema order: stable SQL
      auto it = conflict.set().find(column.name());
      if (it == conflict.set().end()) continue;
      const std::string vpath = absl::StrCat(cpath, ".set[\"", column.name(), "\"]");
      if (it->second.has_null_value() && column.not_null()) {
        return NotNullViolation(vpath, table->table->name(), column.name());
      }
      plan::Assignment* a = p->add_conflict_set();
      a->set_column(column.name());
      SLUICE_ASSIGN_OR_RETURN(*a->mutable_value(), planner.BindValue(it->second, column, vpath));
    }
    for (const auto& [name, value] : conflict.set()) {
      if (schema.FindColumn(*table, name) == nullptr) {
        return InvalidField(absl::StrCat(cpath, ".set[\"", name, "\"]"),
                            absl::StrCat("table `", table->table->name(), "` has no column `", name, "`"));
      }
    }
  }
  SLUICE_RETURN_IF_ERROR(
      PlanReturning(schema, *table, insert.returning(), path + ".returning", p->mutable_returning(), &out));
  return out;
}

}  // namespace sluice
