// CREATE statements for a whole validated schema.
#include <algorithm>
#include <functional>
#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "planner/expression_planner.h"
#include "planner/planner.h"
#include "planner/table_lookup.h"
#include "planner/value_check.h"
#include "schema/constraint_names.h"

namespace sluice {
namespace {

plan::Action ActionOf(v1::ReferentialAction action) { return static_cast<plan::Action>(action); }

}  // namespace

plan::Plan PlanCreateTable(const SchemaIndex& schema, const v1::Table& table, bool if_not_exists) {
  plan::Plan out;
  plan::CreateTable* p = out.mutable_create_table();
  *p->mutable_table() = TableRefOf(table);
  p->set_if_not_exists(if_not_exists);
  const TableInfo& info = *schema.FindTable(table.name());
  ExpressionPlanner literals(schema, info, nullptr);
  for (const v1::Column& column : table.columns()) {
    plan::ColumnDef* def = p->add_columns();
    def->set_name(column.name());
    *def->mutable_type() = PlanType(column, schema);
    def->set_not_null(column.not_null() || column.primary_key());
    def->set_primary_key(column.primary_key());
    // A column's UNIQUE is a named constraint, so that it has the same name on every dialect.
    if (column.unique()) {
      plan::Unique* u = p->add_uniques();
      u->set_name(UniqueName(table.name(), {column.name()}));
      u->add_columns(column.name());
    }
    def->set_auto_increment(column.auto_increment());
    def->set_identity(static_cast<plan::Identity>(column.identity()));
    if (column.generated().has_expression()) {  // validated: plans
      auto generated = literals.Typed(column.generated().expression(), "generated", false);
      if (generated.ok()) *def->mutable_generated() = std::move(generated->expr);
      def->set_generated_stored(column.generated().stored());
    }
    if (column.default_().has_value()) {
      *def->mutable_default_() = literals.Bind(column.default_().value());
    } else if (column.default_().function() != v1::ColumnDefault::DEFAULT_FUNCTION_UNSPECIFIED) {
      static constexpr plan::Op kOps[] = {plan::OP_UNSPECIFIED, plan::NOW, plan::CURRENT_DATE, plan::RANDOM_UUID};
      *def->mutable_default_() = ExpressionPlanner::Call(kOps[column.default_().function()], {});
    } else if (column.default_().has_sequence()) {
      *def->mutable_default_() = NextValue(schema, column.default_().sequence());
    }
    if (column.has_references()) {
      const v1::ColumnReference& ref = column.references();
      plan::ForeignKey* fk = p->add_foreign_keys();
      fk->set_name(ref.name().empty() ? ForeignKeyName(table.name(), {column.name()}) : ref.name());
      fk->add_columns(column.name());
      *fk->mutable_foreign_table() = TableRefOf(*schema.FindTable(ref.table())->table);
      fk->add_foreign_columns(ref.column());
      fk->set_on_delete(ActionOf(ref.on_delete()));
      fk->set_on_update(ActionOf(ref.on_update()));
    }
  }
  *p->mutable_primary_key() = table.primary_key();
  for (const v1::UniqueConstraint& unique : table.uniques()) {
    plan::Unique* u = p->add_uniques();
    u->set_name(unique.name().empty() ? UniqueName(table.name(), {unique.columns().begin(), unique.columns().end()})
                                      : unique.name());
    *u->mutable_columns() = unique.columns();
  }
  for (const v1::ForeignKey& key : table.foreign_keys()) {
    plan::ForeignKey* fk = p->add_foreign_keys();
    fk->set_name(key.name().empty() ? ForeignKeyName(table.name(), {key.columns().begin(), key.columns().end()})
                                    : key.name());
    *fk->mutable_columns() = key.columns();
    *fk->mutable_foreign_table() = TableRefOf(*schema.FindTable(key.foreign_table())->table);
    *fk->mutable_foreign_columns() = key.foreign_columns();
    fk->set_on_delete(ActionOf(key.on_delete()));
    fk->set_on_update(ActionOf(key.on_update()));
  }
  for (const v1::Check& check : table.checks()) {
    plan::Check* c = p->add_checks();
    c->set_name(check.name());
    // Validated at registration, so planning cannot fail here.
    *c->mutable_condition() = *literals.Condition(check.condition(), "check");
  }
  return out;
}

std::vector<plan::Plan> PlanCreateIndexes(const SchemaIndex& schema, const v1::Table& table, bool if_not_exists) {
  std::vector<plan::Plan> plans;
  const TableInfo& info = *schema.FindTable(table.name());
  ExpressionPlanner literals(schema, info, nullptr);
  for (const v1::Index& index : table.indexes()) {
    plan::Plan p;
    plan::CreateIndex* c = p.mutable_create_index();
    *c->mutable_table() = TableRefOf(table);
    c->set_name(index.name().empty() ? IndexName(table.name(), {index.columns().begin(), index.columns().end()})
                                     : index.name());
    *c->mutable_columns() = index.columns();
    c->set_unique(index.unique());
    c->set_method(index.method());
    c->set_if_not_exists(if_not_exists);
    if (index.has_where()) *c->mutable_where() = *literals.Condition(index.where(), "index");
    plans.push_back(std::move(p));
  }
  return plans;
}

// Tables in an order where every referenced table comes first (cycles keep schema order).
std::vector<const v1::Table*> CreationOrder(const v1::Schema& schema) {
  std::map<std::string, const v1::Table*> by_name;
  for (const v1::Table& t : schema.tables()) by_name[t.name()] = &t;
  std::vector<const v1::Table*> order;
  std::set<std::string> done, visiting;
  std::function<void(const v1::Table&)> visit = [&](const v1::Table& t) {
    if (done.count(t.name()) || visiting.count(t.name())) return;
    visiting.insert(t.name());
    auto depend = [&](const std::string& name) {
      auto it = by_name.find(name);
      if (it != by_name.end() && name != t.name()) visit(*it->second);
    };
    for (const v1::Column& c : t.columns()) {
      if (c.has_references()) depend(c.references().table());
    }
    for (const v1::ForeignKey& fk : t.foreign_keys()) depend(fk.foreign_table());
    visiting.erase(t.name());
    done.insert(t.name());
    order.push_back(&t);
  };
  for (const v1::Table& t : schema.tables()) visit(t);
  return order;
}

std::set<std::string> NamespacesOf(const v1::Schema& schema) {
  std::set<std::string> namespaces;
  for (const v1::Enum& e : schema.enums()) namespaces.insert(e.namespace_());
  for (const v1::Table& t : schema.tables()) namespaces.insert(t.namespace_());
  for (const v1::Sequence& q : schema.sequences()) namespaces.insert(q.namespace_());
  namespaces.erase("");
  return namespaces;
}

plan::Plan PlanCreateEnum(const v1::Enum& e) {
  plan::Plan p;
  plan::CreateEnum* c = p.mutable_create_enum();
  c->set_namespace_(e.namespace_());
  c->set_name(e.name());
  *c->mutable_values() = e.values();
  return p;
}

plan::Plan PlanCreateSequence(const v1::Sequence& q) {
  plan::Plan p;
  plan::CreateSequence* c = p.mutable_create_sequence();
  c->set_namespace_(q.namespace_());
  c->set_name(q.name());
  // PostgreSQL's default start: the lower bound counting up, the upper one counting down.
  const bool down = q.increment() < 0;
  c->set_start(q.start() != 0 ? q.start()
               : down         ? (q.has_max_value() ? q.max_value() : -1)
                              : (q.has_min_value() ? q.min_value() : 1));
  c->set_increment(q.increment() == 0 ? 1 : q.increment());
  // Bounds that are the defaults are left out, as PostgreSQL reports them (pull, diff).
  if (q.has_min_value() && q.min_value() != (down ? std::numeric_limits<int64_t>::min() : 1)) {
    c->set_min_value(q.min_value());
  }
  if (q.has_max_value() && q.max_value() != (down ? -1 : std::numeric_limits<int64_t>::max())) {
    c->set_max_value(q.max_value());
  }
  c->set_cycle(q.cycle());
  c->set_cache(q.cache() > 1 ? q.cache() : 0);
  return p;
}

plan::Plan PlanCreateRole(const v1::Role& role) {
  plan::Plan p;
  p.mutable_create_role()->set_name(role.name());
  return p;
}

plan::Plan PlanCreatePolicy(const SchemaIndex& schema, const v1::Table& table, const v1::Policy& policy) {
  plan::Plan p;
  plan::CreatePolicy* c = p.mutable_create_policy();
  *c->mutable_table() = TableRefOf(table);
  c->set_name(policy.name());
  c->set_command(static_cast<plan::PolicyCommand>(policy.command()));
  // PUBLIC is every role: named among others, it is all of them (rendered as no role named).
  if (std::find(policy.to().begin(), policy.to().end(), "public") == policy.to().end())
    *c->mutable_roles() = policy.to();
  c->set_restrictive(policy.restrictive());
  // Validated at registration, so planning cannot fail here.
  ExpressionPlanner literals(schema, *schema.FindTable(table.name()), nullptr);
  if (policy.has_using_()) *c->mutable_using_() = *literals.Condition(policy.using_(), "using");
  if (policy.has_with_check()) *c->mutable_with_check() = *literals.Condition(policy.with_check(), "with_check");
  return p;
}

plan::Plan PlanGrant(const v1::Table& table, const std::string& role, const std::vector<plan::Privilege>& privileges,
                     bool revoke) {
  plan::Plan p;
  plan::Grant* g = p.mutable_grant();
  *g->mutable_table() = TableRefOf(table);
  for (plan::Privilege privilege : privileges) g->add_privileges(privilege);
  g->add_roles(role);
  g->set_revoke(revoke);
  return p;
}

std::set<std::pair<std::string, plan::Privilege>> GrantsOf(const v1::Table& table) {
  std::set<std::pair<std::string, plan::Privilege>> out;
  for (const v1::Grant& grant : table.grants()) {
    for (const std::string& role : grant.to()) {
      for (int privilege : grant.privileges()) out.insert({role, static_cast<plan::Privilege>(privilege)});
    }
  }
  return out;
}

std::vector<plan::Plan> PlanCreateSchema(const SchemaIndex& schema, bool if_not_exists) {
  std::vector<plan::Plan> plans;
  for (const std::string& name : NamespacesOf(schema.schema())) {
    plan::Plan p;
    p.mutable_create_namespace()->set_name(name);
    plans.push_back(std::move(p));
  }
  for (const v1::Enum& e : schema.schema().enums()) plans.push_back(PlanCreateEnum(e));
  for (const v1::Sequence& q : schema.schema().sequences()) plans.push_back(PlanCreateSequence(q));
  const std::vector<const v1::Table*> order = CreationOrder(schema.schema());
  for (const v1::Table* table : order) plans.push_back(PlanCreateTable(schema, *table, if_not_exists));
  for (const v1::Table* table : order) {
    for (plan::Plan& p : PlanCreateIndexes(schema, *table, if_not_exists)) plans.push_back(std::move(p));
  }
  return plans;
}

}  // namespace sluice
