#include "planner/related_rows.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "planner/expression_planner.h"
#include "planner/table_lookup.h"

namespace sluice {
namespace {

plan::Expr Equal(const std::string& a_table, const std::string& a, const std::string& b_table, const std::string& b) {
  plan::Expr left, right;
  left.mutable_column()->set_table(a_table);
  left.mutable_column()->set_name(a);
  right.mutable_column()->set_table(b_table);
  right.mutable_column()->set_name(b);
  return ExpressionPlanner::Call(plan::EQ, {std::move(left), std::move(right)});
}

}  // namespace

std::string UnusedAlias(const std::string& table, const std::vector<std::string>& taken) {
  std::string alias = table;
  for (int n = 1; std::count(taken.begin(), taken.end(), alias) > 0; ++n) alias = absl::StrCat(table, "_", n);
  return alias;
}

std::vector<plan::Expr> CorrelateRelated(const ResolvedRelation& resolved, const std::string& alias,
                                         const std::string& parent_alias, const std::vector<std::string>& taken,
                                         plan::Select* rows) {
  *rows->mutable_from() = TableRefOf(*resolved.target->table);
  if (alias != resolved.target->table->name()) rows->mutable_from()->set_alias(alias);
  std::vector<plan::Expr> conditions;
  if (resolved.junction == nullptr) {
    for (const auto& [t, p] : resolved.on) conditions.push_back(Equal(alias, t, parent_alias, p));
    return conditions;
  }
  std::vector<std::string> with_alias = taken;
  with_alias.push_back(alias);
  const std::string junction = UnusedAlias(resolved.junction->table->name(), with_alias);
  plan::Join* join = rows->add_joins();
  join->set_type(plan::INNER);
  *join->mutable_table() = TableRefOf(*resolved.junction->table);
  if (junction != resolved.junction->table->name()) join->mutable_table()->set_alias(junction);
  std::vector<plan::Expr> on;
  for (const auto& [j, t] : resolved.junction_target) on.push_back(Equal(junction, j, alias, t));
  *join->mutable_on() = ExpressionPlanner::Call(plan::AND, std::move(on));
  for (const auto& [j, p] : resolved.junction_source) conditions.push_back(Equal(junction, j, parent_alias, p));
  return conditions;
}

// Condition.related: EXISTS (SELECT 1 FROM target WHERE <correlated> AND <where>).
absl::StatusOr<plan::Expr> ExpressionPlanner::Related(const v1::RelatedRows& related, const std::string& path) {
  if (!related_ || params_ == nullptr) {
    return InvalidField(path, "`related` belongs to relational reads (FindMany, FindFirst)");
  }
  const ScopeTable& parent = scope_.front();
  const v1::Relation* relation = FindRelation(schema_, parent.table->table->name(), related.relation());
  if (relation == nullptr) {
    return InvalidField(path + ".relation", absl::StrCat("table `", parent.table->table->name(), "` has no relation `",
                                                         related.relation(), "`"));
  }
  SLUICE_ASSIGN_OR_RETURN(ResolvedRelation resolved, ResolveRelation(schema_, *relation, path + ".relation"));
  std::vector<std::string> taken = taken_;
  for (const ScopeTable& t : scope_) taken.push_back(t.name);
  const std::string alias = UnusedAlias(resolved.target->table->name(), taken);
  plan::Expr exists;
  plan::Select* rows = exists.mutable_subquery();
  std::vector<plan::Expr> conditions = CorrelateRelated(resolved, alias, parent.name, taken, rows);
  plan::SelectItem* one = rows->add_items();
  one->mutable_expr()->mutable_literal()->set_kind(plan::LITERAL_INT64);
  one->mutable_expr()->mutable_literal()->set_int_value(1);
  if (related.has_where()) {
    ExpressionPlanner inner(schema_, *resolved.target, params_, placeholders_);
    inner.SetScope({{alias, resolved.target}});
    inner.SetEnclosing(this, common_tables_);
    taken.push_back(alias);
    inner.AllowRelated(std::move(taken));
    SLUICE_ASSIGN_OR_RETURN(plan::Expr where, inner.Condition(related.where(), path + ".where"));
    conditions.push_back(std::move(where));
  }
  *rows->mutable_where() = Call(plan::AND, std::move(conditions));
  return Call(plan::EXISTS, {std::move(exists)});
}

}  // namespace sluice
