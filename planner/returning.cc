#include "planner/returning.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/identifiers.h"
#include "planner/table_lookup.h"

namespace sluice {

absl::Status PlanReturning(const SchemaIndex& schema, const TableInfo& table, ExpressionPlanner& planner,
                           const google::protobuf::RepeatedPtrField<std::string>& columns,
                           const google::protobuf::RepeatedPtrField<v1::SelectColumn>& expressions,
                           const std::string& path, google::protobuf::RepeatedPtrField<std::string>* plan_returning,
                           google::protobuf::RepeatedPtrField<plan::SelectItem>* plan_items, PlannedStatement* out) {
  SLUICE_ASSIGN_OR_RETURN(auto found, LookupColumns(schema, table, columns, path + ".returning"));
  for (const v1::Column* column : found) {
    plan_returning->Add(std::string(column->name()));
    out->columns.push_back({column->name(), table.table->name(), *column});
  }
  for (int i = 0; i < expressions.size(); ++i) {
    const v1::SelectColumn& item = expressions[i];
    const std::string ipath = absl::StrCat(path, ".returning_expressions[", i, "]");
    if (!item.alias().empty()) SLUICE_RETURN_IF_ERROR(CheckIdentifier(item.alias(), ipath + ".alias"));
    SLUICE_ASSIGN_OR_RETURN(TypedExpr typed, planner.Item(item.expression(), ipath + ".expression", false));
    plan::SelectItem* planned = plan_items->Add();
    *planned->mutable_expr() = std::move(typed.expr);
    const std::string name = item.alias().empty() ? typed.type.name() : item.alias();
    if (name.empty()) return InvalidField(ipath + ".alias", "a value needs an alias: the name of its result column");
    planned->set_alias(name);
    out->columns.push_back({name, typed.table, typed.type});
  }
  return absl::OkStatus();
}

}  // namespace sluice
