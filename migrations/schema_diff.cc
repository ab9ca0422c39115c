#include "migrations/schema_diff.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "planner/planner.h"
#include "planner/table_lookup.h"
#include "planner/views.h"
#include "schema/constraint_names.h"
#include "schema/schema_index.h"

namespace sluice {
namespace {

std::string Bytes(const google::protobuf::MessageLite& m) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

bool SameType(const v1::Column& a, const v1::Column& b) {
  return a.type() == b.type() && a.length() == b.length() && a.precision() == b.precision() && a.scale() == b.scale() &&
         a.enum_name() == b.enum_name() && a.array() == b.array() && a.unsigned_() == b.unsigned_();
}

bool NotNull(const v1::Column& c) { return c.not_null() || c.primary_key(); }

int IntegerRank(v1::ColumnType t) {
  switch (t) {
    case v1::TINYINT:
      return 1;
    case v1::SMALLINT:
      return 2;
    case v1::MEDIUMINT:
      return 3;
    case v1::INTEGER:
      return 4;
    case v1::BIGINT:
      return 5;
    default:
      return 0;
  }
}

// Whether two columns are generated alike (or neither is); the database's text is not compared.
bool SameGenerated(const v1::Column& a, const v1::Column& b) {
  return a.has_generated() == b.has_generated() &&
         Bytes(a.generated().expression()) == Bytes(b.generated().expression()) &&
         a.generated().stored() == b.generated().stored();
}

// How an auto_increment column takes its values (unspecified is by default).
v1::Column::Identity IdentityOf(const v1::Column& c) {
  return c.identity() == v1::Column::IDENTITY_UNSPECIFIED ? v1::Column::BY_DEFAULT : c.identity();
}

// Whether every value of `a` fits `b` unchanged.
bool Widens(const v1::Column& a, const v1::Column& b) {
  if (a.array() != b.array()) return false;
  if (IntegerRank(a.type()) && IntegerRank(b.type())) {
    return IntegerRank(a.type()) <= IntegerRank(b.type()) && a.unsigned_() == b.unsigned_();
  }
  const bool text_a = a.type() == v1::VARCHAR || a.type() == v1::TEXT || a.type() == v1::CHAR;
  if (text_a && b.type() == v1::TEXT) return true;
  if (a.type() == v1::VARCHAR && b.type() == v1::VARCHAR) return a.length() <= b.length();
  if (a.type() == v1::DECIMAL && b.type() == v1::DECIMAL) {
    return a.scale() <= b.scale() && a.precision() - a.scale() <= b.precision() - b.scale();
  }
  if (a.type() == v1::REAL && b.type() == v1::DOUBLE) return true;
  if (a.type() == v1::ENUM && b.type() == v1::ENUM) return a.enum_name() == b.enum_name();
  return false;
}

// A table's constraints, keyed by their names as created.
struct Constraints {
  std::map<std::string, std::string> uniques;  // name → encoded columns
  std::map<std::string, const v1::UniqueConstraint*> unique_defs;
  std::map<std::string, std::string> foreign_keys;  // name → encoded definition
  std::map<std::string, std::string> checks;        // name → encoded condition
  std::map<std::string, std::string> indexes;       // name → encoded definition
  std::vector<std::string> primary_key;
};

std::vector<std::string> List(const google::protobuf::RepeatedPtrField<std::string>& r) { return {r.begin(), r.end()}; }

Constraints ConstraintsOf(const v1::Table& t, const std::map<std::string, std::string>& column_names) {
  // `column_names` maps this table's column names to the names they have in the other schema,
  // so that a renamed column keeps its constraints equal.
  auto name_of = [&](const std::string& c) {
    auto it = column_names.find(c);
    return it == column_names.end() ? c : it->second;
  };
  auto encode = [&](const std::vector<std::string>& columns) {
    std::string out;
    for (const std::string& c : columns) absl::StrAppend(&out, name_of(c), "\n");
    return out;
  };
  Constraints out;
  out.primary_key = List(t.primary_key());
  for (const v1::Column& c : t.columns()) {
    if (c.primary_key()) out.primary_key.push_back(c.name());
    if (c.unique()) out.uniques[UniqueName(t.name(), {c.name()})] = encode({c.name()});  // as a table's
    if (c.has_references()) {
      const v1::ColumnReference& r = c.references();
      const std::string name = r.name().empty() ? ForeignKeyName(t.name(), {c.name()}) : r.name();
      // As a table's foreign key of one column is encoded below: the same key either way.
      out.foreign_keys[name] =
          absl::StrCat(encode({c.name()}), "→", r.table(), ".", r.column(), ",/", r.on_delete(), "/", r.on_update());
    }
  }
  for (auto& c : out.primary_key) c = name_of(c);
  for (const v1::UniqueConstraint& u : t.uniques()) {
    const std::string name = u.name().empty() ? UniqueName(t.name(), List(u.columns())) : u.name();
    out.uniques[name] = encode(List(u.columns()));
    out.unique_defs[name] = &u;
  }
  for (const v1::ForeignKey& fk : t.foreign_keys()) {
    const std::string name = fk.name().empty() ? ForeignKeyName(t.name(), List(fk.columns())) : fk.name();
    std::string def = absl::StrCat(encode(List(fk.columns())), "→", fk.foreign_table(), ".");
    for (const auto& c : fk.foreign_columns()) absl::StrAppend(&def, c, ",");
    absl::StrAppend(&def, "/", fk.on_delete(), "/", fk.on_update());
    out.foreign_keys[name] = def;
  }
  for (const v1::Check& c : t.checks()) out.checks[c.name()] = Bytes(c.condition());
  for (const v1::Index& i : t.indexes()) {
    const std::string name = i.name().empty() ? IndexName(t.name(), List(i.columns())) : i.name();
    out.indexes[name] = absl::StrCat(encode(List(i.columns())), i.unique(), i.method(), "/", Bytes(i.where()));
  }
  return out;
}

class Differ {
 public:
  Differ(const v1::Schema& from, const v1::Schema& to, DialectTraits dialect)
      : from_(from), to_(to), alter_in_place_(dialect.alter_in_place), enum_types_(dialect.enum_types) {}

  absl::StatusOr<SchemaDiff> Run(const std::vector<v1::RenameHint>& renames) {
    SLUICE_RETURN_IF_ERROR(Pair(renames));
    Namespaces();
    SLUICE_RETURN_IF_ERROR(Enums());
    Sequences();
    Roles();
    DropViews();     // before the tables they read change
    DropPolicies();  // before the columns they read change
    for (const auto& [old_name, new_name] : table_pairs_) {
      if (old_name != new_name) {
        plan::Plan p;
        *p.mutable_rename_table()->mutable_table() = TableRefOf(*from_.FindTable(old_name)->table);
        p.mutable_rename_table()->set_to(new_name);
        Add(std::move(p));
      }
    }
    // New tables, each after those it references.
    for (const v1::Table* t : CreationOrder(to_.schema())) {
      if (paired_new_.count(t->name())) continue;
      Add(PlanCreateTable(to_, *t, false));
      for (plan::Plan& p : PlanCreateIndexes(to_, *t, false)) Add(std::move(p));
    }
    for (const v1::Table* t : CreationOrder(to_.schema())) {
      auto it =
          std::find_if(table_pairs_.begin(), table_pairs_.end(), [&](const auto& p) { return p.second == t->name(); });
      if (it != table_pairs_.end()) SLUICE_RETURN_IF_ERROR(Table(*from_.FindTable(it->first)->table, *t));
    }
    for (const v1::Table* t : CreationOrder(to_.schema())) SecureTable(*t);
    CreateViews();
    // Dropped tables, referencing ones first.
    std::vector<const v1::Table*> order = CreationOrder(from_.schema());
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if (paired_old_.count((*it)->name())) continue;
      plan::Plan p;
      *p.mutable_drop_table()->mutable_table() = TableRefOf(**it);
      Add(std::move(p));
      out_.losses.push_back(
          {DataLoss::kDropTable, TableRefOf(**it), "", absl::StrCat("drop table `", (*it)->name(), "`")});
    }
    DropEnumsAndSequences();
    return std::move(out_);
  }

 private:
  void Add(plan::Plan p) { out_.plans.push_back(std::move(p)); }

  absl::Status Pair(const std::vector<v1::RenameHint>& renames) {
    for (size_t i = 0; i < renames.size(); ++i) {
      const v1::RenameHint& r = renames[i];
      const std::string path = absl::StrCat("renames[", i, "]");
      if (r.from_column().empty()) {
        if (from_.FindTable(r.from_table()) == nullptr)
          return InvalidField(path + ".from_table", "no such table before");
        if (to_.FindTable(r.table()) == nullptr) return InvalidField(path + ".table", "no such table after");
        table_pairs_[r.from_table()] = r.table();
      } else {
        column_renames_[r.table()][r.from_column()] = r.to_column();
      }
    }
    for (const v1::Table& t : from_.schema().tables()) {
      if (!table_pairs_.count(t.name()) && to_.FindTable(t.name()) != nullptr) {
        bool taken = false;
        for (const auto& [o, n] : table_pairs_) taken |= n == t.name();
        if (!taken) table_pairs_[t.name()] = t.name();
      }
    }
    for (const auto& [o, n] : table_pairs_) {
      paired_old_.insert(o);
      paired_new_.insert(n);
    }
    std::vector<std::string> dropped, added;
    for (const v1::Table& t : from_.schema().tables())
      if (!paired_old_.count(t.name())) dropped.push_back(t.name());
    for (const v1::Table& t : to_.schema().tables())
      if (!paired_new_.count(t.name())) added.push_back(t.name());
    for (const auto& d : dropped) {
      for (const auto& a : added)
        out_.ambiguous.push_back(absl::StrCat("table `", d, "` dropped and `", a,
                                              "` added: a rename? (if so: --rename-table ", d, "=", a, ")"));
    }
    for (size_t i = 0; i < renames.size(); ++i) {
      const v1::RenameHint& r = renames[i];
      if (r.from_column().empty()) continue;
      const std::string path = absl::StrCat("renames[", i, "]");
      const TableInfo* after = to_.FindTable(r.table());
      auto pair =
          std::find_if(table_pairs_.begin(), table_pairs_.end(), [&](const auto& p) { return p.second == r.table(); });
      if (after == nullptr || pair == table_pairs_.end())
        return InvalidField(path + ".table", "no such table before and after");
      if (from_.FindColumn(*from_.FindTable(pair->first), r.from_column()) == nullptr) {
        return InvalidField(path + ".from_column", "no such column before");
      }
      if (to_.FindColumn(*after, r.to_column()) == nullptr)
        return InvalidField(path + ".to_column", "no such column after");
    }
    return absl::OkStatus();
  }

  void Namespaces() {
    const std::set<std::string> before = NamespacesOf(from_.schema());
    for (const std::string& n : NamespacesOf(to_.schema())) {
      if (before.count(n)) continue;
      plan::Plan p;
      p.mutable_create_namespace()->set_name(n);
      Add(std::move(p));
    }
  }

  absl::Status Enums() {
    for (const v1::Enum& e : to_.schema().enums()) {
      const v1::Enum* old = from_.FindEnum(e.name());
      if (old == nullptr) {
        Add(PlanCreateEnum(e));
        continue;
      }
      const std::vector<std::string> before = List(old->values()), after = List(e.values());
      if (before == after) continue;
      changed_enums_.insert(e.name());
      for (const std::string& v : before) {
        if (std::find(after.begin(), after.end(), v) != after.end()) continue;
        narrowed_enums_.insert(e.name());
        if (enum_types_) {
          return absl::UnimplementedError(absl::StrCat("removing value `", v, "` from enum type `", e.name(),
                                                       "` (PostgreSQL cannot drop enum values: create a new enum)"));
        }
      }
      for (const std::string& v : after) {
        if (std::find(before.begin(), before.end(), v) != before.end()) continue;
        plan::Plan p;
        p.mutable_add_enum_value()->set_namespace_(e.namespace_());
        p.mutable_add_enum_value()->set_name(e.name());
        p.mutable_add_enum_value()->set_value(v);
        Add(std::move(p));
      }
    }
    return absl::OkStatus();
  }

  // New sequences are created; those whose options change are altered (to all their options).
  void Sequences() {
    std::map<std::string, std::string> before;  // name → its CREATE SEQUENCE, as planned
    for (const v1::Sequence& q : from_.schema().sequences()) before[q.name()] = Bytes(PlanCreateSequence(q));
    for (const v1::Sequence& q : to_.schema().sequences()) {
      plan::Plan create = PlanCreateSequence(q);
      auto it = before.find(q.name());
      if (it == before.end()) {
        Add(std::move(create));
      } else if (it->second != Bytes(create)) {
        plan::Plan alter;
        *alter.mutable_alter_sequence()->mutable_sequence() = std::move(*create.mutable_create_sequence());
        Add(std::move(alter));
      }
    }
  }

  // Tables of the old schema that are dropped, renamed, or change in a way a view could see.
  std::set<std::string> ChangedTables() const {
    std::set<std::string> out;
    for (const v1::Table& before : from_.schema().tables()) {
      auto pair = table_pairs_.find(before.name());
      if (pair == table_pairs_.end() || pair->second != before.name()) {
        out.insert(before.name());
        continue;
      }
      v1::Table a = before, b = *to_.FindTable(pair->second)->table;
      for (v1::Table* t : {&a, &b}) {  // what a view cannot see
        t->clear_policies();
        t->clear_grants();
        t->clear_row_level_security();
      }
      if (Bytes(a) != Bytes(b)) out.insert(before.name());
    }
    return out;
  }

  // `schema`'s views, each after the views it reads.
  static std::vector<const v1::View*> ViewOrder(const SchemaIndex& schema) {
    std::map<std::string, const v1::View*> by_name;
    for (const v1::View& v : schema.schema().views()) by_name[v.name()] = &v;
    std::vector<const v1::View*> order;
    std::set<std::string> done, visiting;
    std::function<void(const v1::View&)> visit = [&](const v1::View& v) {
      if (done.count(v.name()) || !visiting.insert(v.name()).second) return;
      for (const std::string& source : ViewSources(schema, v)) {
        auto it = by_name.find(source);
        if (it != by_name.end()) visit(*it->second);
      }
      done.insert(v.name());
      order.push_back(&v);
    };
    for (const v1::View& v : schema.schema().views()) visit(v);
    return order;
  }

  // A view's definition and indexes, as planned.
  static std::string ViewKey(const SchemaIndex& schema, const v1::View& view) {
    std::string key;
    for (const plan::Plan& p : PlanCreateView(schema, view)) key += Bytes(p);
    return key;
  }

  // Views that go, change, or read a table that changes (or a view that goes): dropped before
  // the tables change, views over views first. A view of SQL text may read anything: it goes
  // whenever a table changes.
  void DropViews() {
    const std::set<std::string> changed = ChangedTables();
    const std::vector<const v1::View*> order = ViewOrder(from_);
    for (const v1::View* view : order) {
      const v1::View* after = nullptr;
      for (const v1::View& v : to_.schema().views()) {
        if (v.name() == view->name()) after = &v;
      }
      bool drop = after == nullptr || ViewKey(from_, *view) != ViewKey(to_, *after) ||
                  (!view->sql().empty() && !changed.empty());
      for (const std::string& source : ViewSources(from_, *view)) {
        drop |= changed.count(source) > 0 || dropped_views_.count(source) > 0;
      }
      if (drop) dropped_views_.insert(view->name());
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if (!dropped_views_.count((*it)->name())) continue;
      plan::Plan p;
      p.mutable_drop_view()->mutable_view()->set_namespace_((*it)->namespace_());
      p.mutable_drop_view()->mutable_view()->set_name((*it)->name());
      p.mutable_drop_view()->set_materialized((*it)->materialized());
      Add(std::move(p));
    }
  }

  // New views and those dropped above, once the tables are as they will be, sources first.
  void CreateViews() {
    for (const v1::View* view : ViewOrder(to_)) {
      const bool kept = from_.FindTable(view->name()) != nullptr && from_.FindTable(view->name())->view != nullptr &&
                        !dropped_views_.count(view->name());
      if (kept) continue;
      for (plan::Plan& p : PlanCreateView(to_, *view)) Add(std::move(p));
    }
  }

  // Roles the new schema declares and the old one did not (CREATE ROLE creates them only where
  // the server lacks them). Roles are never dropped: they belong to the server.
  void Roles() {
    std::set<std::string> before;
    for (const v1::Role& r : from_.schema().roles()) before.insert(r.name());
    for (const v1::Role& r : to_.schema().roles()) {
      if (!r.existing() && !before.count(r.name())) Add(PlanCreateRole(r));
    }
  }

  // The old table of `after` (null for a new table).
  const v1::Table* Before(const v1::Table& after) const {
    for (const auto& [old_name, new_name] : table_pairs_) {
      if (new_name == after.name()) return from_.FindTable(old_name)->table;
    }
    return nullptr;
  }

  // A policy's CREATE POLICY as planned, without its table (which a rename changes).
  std::string PolicyKey(const SchemaIndex& schema, const v1::Table& table, const v1::Policy& policy) const {
    plan::Plan p = PlanCreatePolicy(schema, table, policy);
    p.mutable_create_policy()->clear_table();
    return Bytes(p);
  }

  // Whether `policy` of the old table `before` is in the new table `after`, unchanged.
  bool PolicyKept(const v1::Table& before, const v1::Policy& policy, const v1::Table& after) const {
    for (const v1::Policy& p : after.policies()) {
      if (p.name() == policy.name()) return PolicyKey(from_, before, policy) == PolicyKey(to_, after, p);
    }
    return false;
  }

  // Policies of kept tables that go or change (those of dropped tables go with them).
  void DropPolicies() {
    for (const v1::Table& after : to_.schema().tables()) {
      const v1::Table* before = Before(after);
      if (before == nullptr) continue;
      for (const v1::Policy& policy : before->policies()) {
        if (PolicyKept(*before, policy, after)) continue;
        plan::Plan p;
        *p.mutable_drop_policy()->mutable_table() = TableRefOf(*before);
        p.mutable_drop_policy()->set_name(policy.name());
        Add(std::move(p));
      }
    }
  }

  // Row-level security on or off, grants and revokes, and new or changed policies of `after`.
  void SecureTable(const v1::Table& after) {
    const v1::Table* before = Before(after);
    const auto secured = [](const v1::Table* t) {
      return t != nullptr && (t->row_level_security() || !t->policies().empty());
    };
    if (secured(&after) != secured(before)) {
      plan::Plan p;
      *p.mutable_row_level_security()->mutable_table() = TableRefOf(after);
      p.mutable_row_level_security()->set_enable(secured(&after));
      Add(std::move(p));
    }
    // One GRANT (REVOKE) per role, of the privileges it gains (loses).
    const auto had = before != nullptr ? GrantsOf(*before) : std::set<std::pair<std::string, plan::Privilege>>();
    const auto has = GrantsOf(after);
    for (const bool revoke : {true, false}) {
      std::map<std::string, std::vector<plan::Privilege>> changed;
      for (const auto& [role, privilege] : revoke ? had : has) {
        if (!(revoke ? has : had).count({role, privilege})) changed[role].push_back(privilege);
      }
      for (const auto& [role, privileges] : changed) Add(PlanGrant(after, role, privileges, revoke));
    }
    for (const v1::Policy& policy : after.policies()) {
      const bool kept = before != nullptr &&
                        std::any_of(before->policies().begin(), before->policies().end(), [&](const v1::Policy& p) {
                          return p.name() == policy.name() && PolicyKept(*before, p, after);
                        });
      if (!kept) Add(PlanCreatePolicy(to_, after, policy));
    }
  }

  void DropEnumsAndSequences() {
    for (const v1::Enum& e : from_.schema().enums()) {
      if (to_.FindEnum(e.name()) != nullptr) continue;
      plan::Plan p;
      p.mutable_drop_enum()->set_namespace_(e.namespace_());
      p.mutable_drop_enum()->set_name(e.name());
      Add(std::move(p));
    }
    std::set<std::string> after;
    for (const v1::Sequence& q : to_.schema().sequences()) after.insert(q.name());
    for (const v1::Sequence& q : from_.schema().sequences()) {
      if (after.count(q.name())) continue;
      plan::Plan p;
      p.mutable_drop_sequence()->set_namespace_(q.namespace_());
      p.mutable_drop_sequence()->set_name(q.name());
      Add(std::move(p));
    }
  }

  // The new table's column definitions, as CREATE TABLE would write them.
  std::map<std::string, plan::ColumnDef> ColumnDefs(const v1::Table& t) {
    std::map<std::string, plan::ColumnDef> defs;
    plan::Plan create = PlanCreateTable(to_, t, false);
    for (const plan::ColumnDef& c : create.create_table().columns()) defs[c.name()] = c;
    return defs;
  }

  absl::Status Table(const v1::Table& before, const v1::Table& after) {
    const plan::TableRef ref = TableRefOf(after);
    const auto& renames = column_renames_[after.name()];
    // Columns: old name → new name.
    std::map<std::string, std::string> pairs;
    std::set<std::string> paired_new;
    std::set<std::string> regenerated;  // generated otherwise: dropped and added again
    for (const v1::Column& c : before.columns()) {
      auto r = renames.find(c.name());
      const std::string name = r != renames.end() ? r->second : c.name();
      const TableInfo& info = *to_.FindTable(after.name());
      const v1::Column* n = to_.FindColumn(info, name);
      if (n != nullptr && !SameGenerated(c, *n)) {
        regenerated.insert(name);
        continue;
      }
      if (n != nullptr && !paired_new.count(name)) {
        if (r == renames.end()) {
          bool renamed_away = false;  // another column is renamed to this name
          for (const auto& [o, n] : renames) renamed_away |= n == name && o != c.name();
          if (renamed_away) continue;
        }
        pairs[c.name()] = name;
        paired_new.insert(name);
      }
    }
    std::vector<const v1::Column*> dropped, added;
    std::vector<std::pair<const v1::Column*, const v1::Column*>> changed;
    for (const v1::Column& c : before.columns()) {
      if (!pairs.count(c.name())) dropped.push_back(&c);
    }
    for (const v1::Column& c : after.columns()) {
      if (!paired_new.count(c.name())) added.push_back(&c);
    }
    for (const auto* d : dropped) {
      for (const auto* a : added) {
        if (regenerated.count(a->name()) || regenerated.count(d->name())) continue;
        out_.ambiguous.push_back(absl::StrCat("column `", after.name(), ".", d->name(), "` dropped and `", a->name(),
                                              "` added: a rename? (if so: --rename-column ", after.name(), ".",
                                              d->name(), "=", a->name(), ")"));
      }
    }
    bool columns_change = !dropped.empty();
    for (const v1::Column& c : before.columns()) {
      auto it = pairs.find(c.name());
      if (it == pairs.end()) continue;
      const v1::Column& n = *to_.FindColumn(*to_.FindTable(after.name()), it->second);
      const bool enum_changed = n.type() == v1::ENUM && changed_enums_.count(n.enum_name()) && !enum_types_;
      const bool type = !SameType(c, n) || enum_changed;
      const bool nullability = NotNull(c) != NotNull(n);
      const bool default_changed = Bytes(c.default_()) != Bytes(n.default_());
      if (c.auto_increment() != n.auto_increment()) {
        return absl::UnimplementedError(absl::StrCat("changing auto_increment of `", after.name(), ".", n.name(),
                                                     "` (drop and add the column instead)"));
      }
      const bool identity = IdentityOf(c) != IdentityOf(n);
      if (identity && (IdentityOf(c) == v1::Column::SERIAL || IdentityOf(n) == v1::Column::SERIAL)) {
        return absl::UnimplementedError(
            absl::StrCat("changing `", after.name(), ".", n.name(),
                         "` between serial and identity (drop and add the column instead)"));
      }
      if (type || nullability || default_changed || identity) {
        changed.push_back({&c, &n});
        columns_change = true;
        if (type && (!Widens(c, n) || (enum_changed && narrowed_enums_.count(n.enum_name())))) {
          out_.losses.push_back({DataLoss::kNarrowType, ref, n.name(),
                                 absl::StrCat("change the type of `", after.name(), ".", n.name(),
                                              "` to one that may not hold its values")});
        }
        if (nullability && NotNull(n)) {
          out_.losses.push_back(
              {DataLoss::kNotNull, ref, n.name(),
               absl::StrCat("make `", after.name(), ".", n.name(), "` NOT NULL (rows holding null fail)")});
        }
      }
    }
    for (const auto* d : dropped) {
      const v1::Column* now = to_.FindColumn(*to_.FindTable(after.name()), d->name());
      if (regenerated.count(d->name()) && now->has_generated()) continue;  // computed again
      out_.losses.push_back({DataLoss::kDropColumn, TableRefOf(before), d->name(),
                             absl::StrCat("drop column `", before.name(), ".", d->name(), "`")});
    }
    for (const auto* a : added) {
      if (NotNull(*a) && !a->has_default_() && !a->auto_increment()) {
        out_.losses.push_back({DataLoss::kNotNull, ref, a->name(),
                               absl::StrCat("add `", after.name(), ".", a->name(),
                                            "` NOT NULL without a default (fails on a table with rows)")});
      }
    }
    std::map<std::string, std::string> identity;
    const Constraints old_c = ConstraintsOf(before, pairs), new_c = ConstraintsOf(after, identity);
    const bool constraints_change = old_c.uniques != new_c.uniques || old_c.foreign_keys != new_c.foreign_keys ||
                                    old_c.checks != new_c.checks || old_c.primary_key != new_c.primary_key;
    const bool any_added_needs_rebuild = std::any_of(added.begin(), added.end(), [](const v1::Column* a) {
      return a->primary_key() || a->unique() || a->has_references() || (a->not_null() && !a->has_default_()) ||
             a->generated().stored();  // SQLite adds only VIRTUAL generated columns
    });
    if (!alter_in_place_ && (columns_change || constraints_change || any_added_needs_rebuild)) {
      Rebuild(before, after, pairs);
      return absl::OkStatus();
    }
    auto drop = [&](plan::DropConstraint::Kind kind, const std::string& name) {
      plan::Plan p;
      plan::DropConstraint* d = p.mutable_drop_constraint();
      *d->mutable_table() = ref;
      d->set_name(name);
      d->set_kind(kind);
      Add(std::move(p));
    };
    // Constraints that go or change go first (a column they use may go too).
    for (const auto& [name, def] : old_c.foreign_keys) {
      auto it = new_c.foreign_keys.find(name);
      if (it == new_c.foreign_keys.end() || it->second != def) drop(plan::DropConstraint::FOREIGN_KEY, name);
    }
    for (const auto& [name, def] : old_c.checks) {
      auto it = new_c.checks.find(name);
      if (it == new_c.checks.end() || it->second != def) drop(plan::DropConstraint::CHECK, name);
    }
    for (const auto& [name, def] : old_c.uniques) {
      auto it = new_c.uniques.find(name);
      if (it == new_c.uniques.end() || it->second != def) drop(plan::DropConstraint::UNIQUE, name);
    }
    for (const auto& [name, def] : old_c.indexes) {
      auto it = new_c.indexes.find(name);
      if (it == new_c.indexes.end() || it->second != def) {
        plan::Plan p;
        *p.mutable_drop_index()->mutable_table() = ref;
        p.mutable_drop_index()->set_name(name);
        Add(std::move(p));
      }
    }
    const bool primary_key_changes = old_c.primary_key != new_c.primary_key;
    if (primary_key_changes && !old_c.primary_key.empty()) {
      drop(plan::DropConstraint::PRIMARY_KEY, before.name() + "_pkey");
    }
    for (const auto& [o, n] : pairs) {
      if (o == n) continue;
      plan::Plan p;
      *p.mutable_rename_column()->mutable_table() = ref;
      p.mutable_rename_column()->set_from(o);
      p.mutable_rename_column()->set_to(n);
      Add(std::move(p));
    }
    for (const auto* d : dropped) {
      plan::Plan p;
      *p.mutable_drop_column()->mutable_table() = ref;
      p.mutable_drop_column()->set_column(d->name());
      Add(std::move(p));
    }
    std::map<std::string, plan::ColumnDef> defs = ColumnDefs(after);
    for (const auto* a : added) {
      plan::Plan p;
      *p.mutable_add_column()->mutable_table() = ref;
      plan::ColumnDef def = defs[a->name()];
      if (alter_in_place_) {  // keys and uniques are added as constraints below
        def.set_primary_key(false);
        def.set_unique(false);
      }
      *p.mutable_add_column()->mutable_column() = def;
      Add(std::move(p));
    }
    for (const auto& [c, n] : changed) {
      plan::Plan p;
      plan::AlterColumn* alter = p.mutable_alter_column();
      *alter->mutable_table() = ref;
      *alter->mutable_column() = defs[n->name()];
      alter->set_type_changed(!SameType(*c, *n) ||
                              (n->type() == v1::ENUM && changed_enums_.count(n->enum_name()) && !enum_types_));
      alter->set_nullability_changed(NotNull(*c) != NotNull(*n));
      alter->set_default_changed(Bytes(c->default_()) != Bytes(n->default_()));
      alter->set_identity_changed(IdentityOf(*c) != IdentityOf(*n));
      Add(std::move(p));
    }
    if (!alter_in_place_) {  // only columns added and indexes changed
      AddIndexes(after, old_c, new_c);
      return absl::OkStatus();
    }
    plan::Plan created = PlanCreateTable(to_, after, false);
    const plan::CreateTable& table = created.create_table();
    if (primary_key_changes && !new_c.primary_key.empty()) {
      plan::Plan p;
      *p.mutable_add_constraint()->mutable_table() = ref;
      for (const std::string& c : new_c.primary_key) p.mutable_add_constraint()->mutable_primary_key()->add_columns(c);
      Add(std::move(p));
    }
    for (const plan::Unique& u : table.uniques()) {
      auto it = old_c.uniques.find(u.name());
      if (it != old_c.uniques.end() && it->second == new_c.uniques.at(u.name())) continue;
      plan::Plan p;
      *p.mutable_add_constraint()->mutable_table() = ref;
      *p.mutable_add_constraint()->mutable_unique() = u;
      Add(std::move(p));
    }
    for (const plan::ForeignKey& fk : table.foreign_keys()) {
      auto it = old_c.foreign_keys.find(fk.name());
      if (it != old_c.foreign_keys.end() && it->second == new_c.foreign_keys.at(fk.name())) continue;
      plan::Plan p;
      *p.mutable_add_constraint()->mutable_table() = ref;
      *p.mutable_add_constraint()->mutable_foreign_key() = fk;
      Add(std::move(p));
    }
    for (const plan::Check& c : table.checks()) {
      auto it = old_c.checks.find(c.name());
      if (it != old_c.checks.end() && it->second == new_c.checks.at(c.name())) continue;
      plan::Plan p;
      *p.mutable_add_constraint()->mutable_table() = ref;
      *p.mutable_add_constraint()->mutable_check() = c;
      Add(std::move(p));
    }
    AddIndexes(after, old_c, new_c);
    return absl::OkStatus();
  }

  void AddIndexes(const v1::Table& after, const Constraints& old_c, const Constraints& new_c) {
    for (plan::Plan& p : PlanCreateIndexes(to_, after, false)) {
      const std::string& name = p.create_index().name();
      auto it = old_c.indexes.find(name);
      if (it != old_c.indexes.end() && it->second == new_c.indexes.at(name)) continue;
      Add(std::move(p));
    }
  }

  // The table anew: its rows copied aside (a plain table nothing references), the table dropped
  // and created anew under its name, the rows copied back, the copy dropped, the indexes created.
  // Foreign keys are deferred: dropping a referenced table counts its referenced rows as
  // violations, and inserting them again into the new table under the same name takes them back
  // (a table renamed instead would take the other tables' references with it).
  void Rebuild(const v1::Table& before, const v1::Table& after, const std::map<std::string, std::string>& pairs) {
    plan::Plan defer;
    defer.mutable_defer_foreign_keys();
    Add(std::move(defer));
    plan::TableRef aside = TableRefOf(after);  // renamed already, where it was
    aside.set_name("__sluice_old_" + after.name());
    plan::Plan keep;
    plan::CopyRows* saved = keep.mutable_copy_rows();
    *saved->mutable_from() = TableRefOf(after);
    *saved->mutable_to() = aside;
    saved->set_create_table(true);
    plan::Plan copy;
    plan::CopyRows* back = copy.mutable_copy_rows();
    *back->mutable_from() = aside;
    *back->mutable_to() = TableRefOf(after);
    for (const v1::Column& column : before.columns()) {
      auto it = pairs.find(column.name());
      if (it == pairs.end()) continue;
      saved->add_columns(column.name());
      if (to_.FindColumn(*to_.FindTable(after.name()), it->second)->has_generated()) continue;  // computes itself
      back->add_columns(it->second);
      back->add_source_columns(column.name());
    }
    if (!saved->columns().empty()) Add(keep);
    plan::Plan drop;
    *drop.mutable_drop_table()->mutable_table() = TableRefOf(after);
    Add(drop);
    Add(PlanCreateTable(to_, after, false));
    if (!back->columns().empty()) Add(std::move(copy));
    if (!saved->columns().empty()) {
      *drop.mutable_drop_table()->mutable_table() = aside;
      Add(std::move(drop));
    }
    for (plan::Plan& p : PlanCreateIndexes(to_, after, false)) Add(std::move(p));
  }

  SchemaIndex from_, to_;
  std::set<std::string> dropped_views_;
  bool alter_in_place_;
  bool enum_types_;
  std::map<std::string, std::string> table_pairs_;  // old → new
  std::set<std::string> paired_old_, paired_new_;
  std::map<std::string, std::map<std::string, std::string>> column_renames_;  // new table → old column → new
  std::set<std::string> changed_enums_, narrowed_enums_;
  SchemaDiff out_;
};

}  // namespace

absl::StatusOr<SchemaDiff> DiffSchemas(const v1::Schema& from, const v1::Schema& to,
                                       const std::vector<v1::RenameHint>& renames, DialectTraits dialect) {
  Differ differ(from, to, dialect);
  return differ.Run(renames);
}

}  // namespace sluice
