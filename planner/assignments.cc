#include "planner/assignments.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/value_check.h"

namespace sluice {

absl::Status PlanAssignments(ExpressionPlanner& planner, const TableInfo& table,
                             const google::protobuf::Map<std::string, v1::Value>& set,
                             const google::protobuf::Map<std::string, v1::Expression>& set_expressions,
                             const std::string& path, google::protobuf::RepeatedPtrField<plan::Assignment>* out) {
  const std::string& name = table.table->name();
  const auto no_column = [&](const std::string& column) {
    return absl::StrCat("table `", name, "` has no column `", column, "`");
  };
  for (const auto& [column, value] : set) {
    if (planner.schema().FindColumn(table, column) == nullptr) {
      return InvalidField(absl::StrCat(path, ".set[\"", column, "\"]"), no_column(column));
    }
  }
  for (const auto& [column, expression] : set_expressions) {
    const std::string epath = absl::StrCat(path, ".set_expressions[\"", column, "\"]");
    if (planner.schema().FindColumn(table, column) == nullptr) return InvalidField(epath, no_column(column));
    if (set.count(column)) return InvalidField(epath, "the column is in `set` too: give it once");
  }
  for (const v1::Column& column : table.table->columns()) {  // schema order: stable SQL
    auto value = set.find(column.name());
    auto expression = set_expressions.find(column.name());
    if (value == set.end() && expression == set_expressions.end()) continue;
    SLUICE_RETURN_IF_ERROR(CheckWritable(
        column, absl::StrCat(path, value != set.end() ? ".set[\"" : ".set_expressions[\"", column.name(), "\"]")));
    plan::Assignment* a = out->Add();
    a->set_column(column.name());
    if (value != set.end()) {
      const std::string vpath = absl::StrCat(path, ".set[\"", column.name(), "\"]");
      if (value->second.has_null_value() && column.not_null()) return NotNullViolation(vpath, name, column.name());
      SLUICE_ASSIGN_OR_RETURN(*a->mutable_value(), planner.BindValue(value->second, column, vpath));
      continue;
    }
    const std::string epath = absl::StrCat(path, ".set_expressions[\"", column.name(), "\"]");
    if (expression->second.has_value() || expression->second.has_param()) {
      if (expression->second.value().has_null_value() && column.not_null()) {
        return NotNullViolation(epath + ".value", name, column.name());
      }
      SLUICE_ASSIGN_OR_RETURN(*a->mutable_value(), planner.ValueOrPlaceholder(expression->second, column, epath));
    } else {
      SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Typed(expression->second, epath, /*allow_aggregates=*/false));
      *a->mutable_value() = std::move(typed.expr);
    }
  }
  return absl::OkStatus();
}

}  // namespace sluice
