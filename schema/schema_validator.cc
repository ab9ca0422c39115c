#include "schema/schema_validator.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "planner/expression_planner.h"
#include "planner/value_check.h"
#include "planner/views.h"
#include "schema/constraint_names.h"
#include "schema/relations.h"
#include "schema/schema_index.h"

namespace sluice {
namespace {

constexpr size_t kMaxIdentifier = 63;

bool IsInteger(v1::ColumnType t) {
  return t == v1::SMALLINT || t == v1::INTEGER || t == v1::BIGINT || t == v1::TINYINT || t == v1::MEDIUMINT;
}

class Validator {
 public:
  explicit Validator(const std::string& path) : root_(path) {}

  absl::Status Run(const v1::Schema& schema) {
    Names(schema);
    if (!violations_.empty()) return InvalidFields(violations_);
    absl::StatusOr<v1::Schema> resolved = ResolveViews(schema, root_);
    if (!resolved.ok()) return resolved.status();
    SchemaIndex index(*std::move(resolved));
    for (int t = 0; t < schema.tables_size(); ++t) Table(index, schema.tables(t), t);
    for (int v = 0; v < index.schema().views_size(); ++v) View(index, index.schema().views(v), v);
    for (int r = 0; r < schema.relations_size(); ++r) Relation(index, schema.relations(r), r);
    if (!violations_.empty()) return InvalidFields(violations_);
    return absl::OkStatus();
  }

 private:
  void Add(std::string field, std::string description) {
    violations_.push_back({std::move(field), std::move(description)});
  }

  // A table's or a view's name and namespace (`path` is the table's or view's own).
  void RelationName(const std::string& name, const std::string& ns, const std::string& path, absl::string_view what) {
    Identifier(name, path + ".name", what);
    if (absl::StartsWith(name, "__sluice")) {
      Add(path + ".name", "names starting with `__sluice` are reserved for Sluice's own tables");
    }
    if (!ns.empty()) Identifier(ns, path + ".namespace", "namespace");
  }

  void Identifier(const std::string& name, const std::string& field, absl::string_view what) {
    if (name.empty()) {
      Add(field, absl::StrCat("a ", what, " name is required"));
    } else if (!ValidIdentifier(name)) {
      Add(field, absl::StrCat("`", name, "` is not a valid ", what, " name (1 to 63 bytes, no NUL character)"));
    }
  }

  // Names, uniqueness and per-column rules that need no other table.
  void Names(const v1::Schema& schema) {
    const std::string& name = schema.name();
    bool name_ok = !name.empty() && name.size() <= 128;
    for (char c : name) {
      name_ok &= std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    }
    if (!name_ok) {
      Add(root_ + ".name", "a schema name of 1 to 128 letters, digits, `_` or `-` is required");
    }
    std::set<std::string> enums;
    for (int e = 0; e < schema.enums_size(); ++e) {
      const v1::Enum& en = schema.enums(e);
      const std::string path = absl::StrCat(root_, ".enums[", e, "]");
      Identifier(en.name(), path + ".name", "enum");
      if (!enums.insert(en.name()).second)
        Add(path + ".name", absl::StrCat("enum `", en.name(), "` is declared twice"));
      if (en.values().empty()) Add(path + ".values", "an enum needs at least one value");
      std::set<std::string> values;
      for (int v = 0; v < en.values_size(); ++v) {
        if (!values.insert(en.values(v)).second) {
          Add(absl::StrCat(path, ".values[", v, "]"), absl::StrCat("value `", en.values(v), "` is listed twice"));
        }
      }
    }
    for (int q = 0; q < schema.sequences_size(); ++q) {
      const v1::Sequence& seq = schema.sequences(q);
      const std::string path = absl::StrCat(root_, ".sequences[", q, "]");
      Identifier(seq.name(), path + ".name", "sequence");
      if (!sequences_.insert(seq.name()).second) {
        Add(path + ".name", absl::StrCat("sequence `", seq.name(), "` is declared twice"));
      }
      if (!seq.namespace_().empty()) Identifier(seq.namespace_(), path + ".namespace", "namespace");
      Sequence(seq, path);
    }
    for (int r = 0; r < schema.roles_size(); ++r) {
      const std::string& role = schema.roles(r).name();
      const std::string path = absl::StrCat(root_, ".roles[", r, "].name");
      const bool ok = !role.empty() && role.size() <= kMaxIdentifier &&
                      std::all_of(role.begin(), role.end(), [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
      if (!ok) {
        Add(path, "a role name of 1 to 63 letters, digits or `_` is required");
      } else if (role == "public" || absl::StartsWith(role, "pg_")) {
        Add(path, absl::StrCat("`", role, "` is reserved by PostgreSQL"));
      } else if (!roles_.insert(role).second) {
        Add(path, absl::StrCat("role `", role, "` is declared twice"));
      }
    }
    if (schema.tables().empty()) Add(root_ + ".tables", "a schema needs at least one table");
    std::set<std::string> tables, indexes;
    for (int t = 0; t < schema.tables_size(); ++t) {
      const v1::Table& table = schema.tables(t);
      const std::string path = absl::StrCat(root_, ".tables[", t, "]");
      RelationName(table.name(), table.namespace_(), path, "table");
      if (!tables.insert(table.name()).second) {
        Add(path + ".name", absl::StrCat("table `", table.name(), "` is declared twice"));
      }
      if (table.columns().empty()) Add(path + ".columns", "a table needs at least one column");
      Columns(table.columns(), path, enums);
      const auto column_keys = std::count_if(table.columns().begin(), table.columns().end(),
                                             [](const v1::Column& c) { return c.primary_key(); });
      if (column_keys > 1) {
        Add(path + ".columns",
            "more than one column is marked primary_key: use the table's primary_key for a composite key");
      }
      if (column_keys > 0 && !table.primary_key().empty()) {
        Add(path + ".primary_key", "a column is already marked primary_key");
      }
      for (int i = 0; i < table.indexes_size(); ++i) {
        const v1::Index& index = table.indexes(i);
        const std::string name = index.name().empty()
                                     ? IndexName(table.name(), {index.columns().begin(), index.columns().end()})
                                     : index.name();
        const std::string ipath = absl::StrCat(path, ".indexes[", i, "].name");
        if (!ValidIdentifier(name)) {
          Add(ipath, absl::StrCat("index name `", name, "` is longer than 63 bytes: name the index"));
        } else if (!indexes.insert(name).second) {
          Add(ipath, absl::StrCat("index `", name, "` is declared twice (index names are unique per schema)"));
        }
      }
    }
    // Views share the tables' names.
    for (int v = 0; v < schema.views_size(); ++v) {
      const v1::View& view = schema.views(v);
      const std::string path = absl::StrCat(root_, ".views[", v, "]");
      RelationName(view.name(), view.namespace_(), path, "view");
      if (!tables.insert(view.name()).second) {
        Add(path + ".name", absl::StrCat("`", view.name(), "` is declared twice (tables and views share names)"));
      }
      Columns(view.columns(), path, enums);
      if (!view.indexes().empty() && !view.materialized()) {
        Add(path + ".indexes", "only a materialized view has indexes of its own");
      }
    }
  }

  // A table's or a view's columns (under `path`.columns): names, unique, and each one's rules.
  void Columns(const google::protobuf::RepeatedPtrField<v1::Column>& columns, const std::string& path,
               const std::set<std::string>& enums) {
    std::set<std::string> names;
    for (int c = 0; c < columns.size(); ++c) {
      const std::string cpath = absl::StrCat(path, ".columns[", c, "]");
      Identifier(columns[c].name(), cpath + ".name", "column");
      if (!names.insert(columns[c].name()).second) {
        Add(cpath + ".name", absl::StrCat("column `", columns[c].name(), "` is declared twice"));
      }
      Column(columns[c], cpath, enums);
    }
  }

  void Column(const v1::Column& column, const std::string& path, const std::set<std::string>& enums) {
    switch (column.type()) {
      case v1::COLUMN_TYPE_UNSPECIFIED:
        Add(path + ".type", "a column type is required");
        break;
      case v1::VARCHAR:
      case v1::CHAR:
        if (column.length() == 0) Add(path + ".length", "VARCHAR and CHAR need a length");
        break;
      case v1::DECIMAL:
        if (column.precision() > 1000) Add(path + ".precision", "precision is at most 1000");
        if (column.scale() > column.precision() && column.precision() > 0) {
          Add(path + ".scale", "scale cannot exceed precision");
        }
        if (column.precision() == 0 && column.scale() > 0) Add(path + ".precision", "a scale needs a precision");
        break;
      case v1::ENUM:
        if (!enums.count(column.enum_name())) {
          Add(path + ".enum_name", absl::StrCat("the schema has no enum `", column.enum_name(), "`"));
        }
        break;
      default:
        break;
    }
    if (column.type() != v1::ENUM && !column.enum_name().empty()) {
      Add(path + ".enum_name", "only ENUM columns name an enum");
    }
    if (column.auto_increment() && !IsInteger(column.type())) {
      Add(path + ".auto_increment", "only integer columns can be auto_increment");
    }
    if (column.default_().has_sequence()) {
      if (!sequences_.count(column.default_().sequence())) {
        Add(path + ".default.sequence",
            absl::StrCat("the schema has no sequence `", column.default_().sequence(), "`"));
      } else if (!IsInteger(column.type())) {
        Add(path + ".default.sequence", "only integer columns take a sequence's values");
      }
    }
    if (column.identity() != v1::Column::IDENTITY_UNSPECIFIED && !column.auto_increment()) {
      Add(path + ".identity", "identity says how an auto_increment column takes its values: set auto_increment");
    }
    if (column.auto_increment() && column.has_default_()) {
      Add(path + ".default", "an auto_increment column cannot also have a default");
    }
    if (column.unsigned_() && !IsInteger(column.type()) && column.type() != v1::DECIMAL && column.type() != v1::REAL &&
        column.type() != v1::DOUBLE) {
      Add(path + ".unsigned", "only numeric columns can be unsigned");
    }
    if (column.array() && (column.type() == v1::BYTES || column.type() == v1::JSON || column.type() == v1::JSONB ||
                           column.auto_increment())) {
      Add(path + ".array", "arrays of BYTES, JSON or auto_increment columns are not supported");
    }
    if (column.array() && column.has_default_()) {
      Add(path + ".default", "array columns take no default");
    }
    if (column.primary_key() && !column.not_null()) {
      Add(path + ".not_null", absl::StrCat("primary key column `", column.name(), "` must be not_null"));
    }
  }

  void Table(const SchemaIndex& index, const v1::Table& table, int t) {
    const std::string path = absl::StrCat(root_, ".tables[", t, "]");
    const TableInfo& info = *index.FindTable(table.name());
    for (int c = 0; c < table.columns_size(); ++c) {
      const v1::Column& column = table.columns(c);
      const std::string cpath = absl::StrCat(path, ".columns[", c, "]");
      if (column.default_().has_value()) {
        auto checked = CheckValue(column.default_().value(), column, index, cpath + ".default.value");
        if (!checked.ok()) {
          for (auto& v : FieldViolations(checked.status())) Add(v.field, v.description);
        } else if (column.default_().value().has_null_value() && column.not_null()) {
          Add(cpath + ".default.value", "a not_null column cannot default to null");
        }
      }
      DefaultFunction(column, cpath);
      if (column.has_generated()) Generated(index, info, column, cpath + ".generated");
      if (column.has_references()) {
        const v1::ColumnReference& ref = column.references();
        ForeignKey(index, table, {column.name()}, ref.table(), {ref.column()}, cpath + ".references",
                   cpath + ".references.table", cpath + ".references.column");
      }
    }
    KeyColumns(info, table.primary_key(), path + ".primary_key", true);
    for (int u = 0; u < table.uniques_size(); ++u) {
      const std::string upath = absl::StrCat(path, ".uniques[", u, "]");
      if (table.uniques(u).columns().empty()) Add(upath + ".columns", "at least one column is required");
      KeyColumns(info, table.uniques(u).columns(), upath + ".columns", false);
    }
    for (int i = 0; i < table.indexes_size(); ++i) {
      const v1::Index& idx = table.indexes(i);
      const std::string ipath = absl::StrCat(path, ".indexes[", i, "]");
      if (idx.columns().empty()) Add(ipath + ".columns", "at least one column is required");
      KeyColumns(info, idx.columns(), ipath + ".columns", false);
      if (idx.has_where()) Condition(index, info, idx.where(), ipath + ".where");
    }
    for (int f = 0; f < table.foreign_keys_size(); ++f) {
      const v1::ForeignKey& fk = table.foreign_keys(f);
      const std::string fpath = absl::StrCat(path, ".foreign_keys[", f, "]");
      if (fk.columns().empty()) Add(fpath + ".columns", "at least one column is required");
      if (fk.columns_size() != fk.foreign_columns_size()) {
        Add(fpath + ".foreign_columns", "as many foreign columns as columns are required");
        continue;
      }
      ForeignKey(index, table, {fk.columns().begin(), fk.columns().end()}, fk.foreign_table(),
                 {fk.foreign_columns().begin(), fk.foreign_columns().end()}, fpath + ".columns",
                 fpath + ".foreign_table", fpath + ".foreign_columns");
    }
    std::set<std::string> checks;
    for (int c = 0; c < table.checks_size(); ++c) {
      const v1::Check& check = table.checks(c);
      const std::string kpath = absl::StrCat(path, ".checks[", c, "]");
      Identifier(check.name(), kpath + ".name", "check");
      if (!checks.insert(check.name()).second) Add(kpath + ".name", "check names are unique per table");
      Condition(index, info, check.condition(), kpath + ".condition");
    }
    std::set<std::string> policies;
    for (int p = 0; p < table.policies_size(); ++p) {
      const v1::Policy& policy = table.policies(p);
      const std::string ppath = absl::StrCat(path, ".policies[", p, "]");
      Identifier(policy.name(), ppath + ".name", "policy");
      if (!policies.insert(policy.name()).second) Add(ppath + ".name", "policy names are unique per table");
      Roles(policy.to(), ppath + ".to", /*public_ok=*/true);
      const v1::Policy::Command command = policy.command();
      if (policy.has_using_()) {
        if (command == v1::Policy::INSERT) {
          Add(ppath + ".using", "an INSERT policy has no `using` (rows to read): give `with_check`");
        } else {
          Condition(index, info, policy.using_(), ppath + ".using");
        }
      }
      if (policy.has_with_check()) {
        if (command == v1::Policy::SELECT || command == v1::Policy::DELETE) {
          Add(ppath + ".with_check", "a SELECT or DELETE policy writes no rows: give `using`");
        } else {
          Condition(index, info, policy.with_check(), ppath + ".with_check");
        }
      }
      if (!policy.has_using_() && !policy.has_with_check()) {
        Add(ppath + ".using", "a policy needs `using`, `with_check` or both");
      }
    }
    for (int g = 0; g < table.grants_size(); ++g) {
      const v1::Grant& grant = table.grants(g);
      const std::string gpath = absl::StrCat(path, ".grants[", g, "]");
      if (grant.privileges().empty()) Add(gpath + ".privileges", "at least one privilege is required");
      for (int i = 0; i < grant.privileges_size(); ++i) {
        if (grant.privileges(i) == v1::Grant::PRIVILEGE_UNSPECIFIED) {
          Add(absl::StrCat(gpath, ".privileges[", i, "]"), "SELECT, INSERT, UPDATE or DELETE");
        }
      }
      if (grant.to().empty()) Add(gpath + ".to", "at least one role is required");
      Roles(grant.to(), gpath + ".to", /*public_ok=*/false);
    }
  }

  // A view's indexes (a materialized view's) over its columns, named uniquely per schema.
  void View(const SchemaIndex& index, const v1::View& view, int v) {
    const TableInfo& info = *index.FindTable(view.name());
    for (int i = 0; i < view.indexes_size(); ++i) {
      const v1::Index& idx = view.indexes(i);
      const std::string ipath = absl::StrCat(root_, ".views[", v, "].indexes[", i, "]");
      if (idx.columns().empty()) Add(ipath + ".columns", "at least one column is required");
      KeyColumns(info, idx.columns(), ipath + ".columns", false);
      if (idx.has_where()) Condition(index, info, idx.where(), ipath + ".where");
    }
  }

  // Roles a policy or a grant names: the schema's (or `public`, everyone, where `public_ok`).
  void Roles(const google::protobuf::RepeatedPtrField<std::string>& names, const std::string& path, bool public_ok) {
    for (int i = 0; i < names.size(); ++i) {
      if (roles_.count(names[i]) || (public_ok && names[i] == "public")) continue;
      Add(absl::StrCat(path, "[", i, "]"), absl::StrCat("the schema declares no role `", names[i], "` (roles)"));
    }
  }

  void DefaultFunction(const v1::Column& column, const std::string& path) {
    const v1::ColumnDefault::Function fn = column.default_().function();
    if (!column.default_().has_function() || fn == v1::ColumnDefault::DEFAULT_FUNCTION_UNSPECIFIED) return;
    const v1::ColumnType t = column.type();
    const bool ok = (fn == v1::ColumnDefault::NOW && (t == v1::TIMESTAMP || t == v1::TIMESTAMPTZ)) ||
                    (fn == v1::ColumnDefault::CURRENT_DATE && t == v1::DATE) ||
                    (fn == v1::ColumnDefault::RANDOM_UUID && t == v1::UUID);
    if (!ok) {
      Add(path + ".default.function",
          absl::StrCat(v1::ColumnDefault::Function_Name(fn), " does not fit a ", TypeLabel(column), " column"));
    }
  }

  void KeyColumns(const TableInfo& info, const google::protobuf::RepeatedPtrField<std::string>& names,
                  const std::string& path, bool primary) {
    std::set<std::string> seen;
    for (int i = 0; i < names.size(); ++i) {
      const std::string field = absl::StrCat(path, "[", i, "]");
      auto it = info.columns.find(names[i]);
      if (it == info.columns.end()) {
        Add(field, absl::StrCat("table `", info.table->name(), "` has no column `", names[i], "`"));
      } else if (!seen.insert(names[i]).second) {
        Add(field, absl::StrCat("column `", names[i], "` is listed twice"));
      } else if (primary && !it->second->not_null()) {
        Add(field, absl::StrCat("primary key column `", names[i], "` must be not_null"));
      }
    }
  }

  // A foreign key must reach existing columns of the same types that form a key of the target.
  void ForeignKey(const SchemaIndex& index, const v1::Table& table, const std::vector<std::string>& columns,
                  const std::string& target, const std::vector<std::string>& target_columns,
                  const std::string& columns_path, const std::string& table_path, const std::string& target_path) {
    const TableInfo* to = index.FindTable(target);
    if (to == nullptr) {
      Add(table_path, absl::StrCat("the schema has no table `", target, "`"));
      return;
    }
    const TableInfo& from = *index.FindTable(table.name());
    bool ok = true;
    for (size_t i = 0; i < columns.size(); ++i) {
      const v1::Column* a = index.FindColumn(from, columns[i]);
      const v1::Column* b = index.FindColumn(*to, target_columns[i]);
      if (a == nullptr) {
        Add(columns_path, absl::StrCat("table `", table.name(), "` has no column `", columns[i], "`"));
        ok = false;
      }
      if (b == nullptr) {
        Add(target_path, absl::StrCat("table `", target, "` has no column `", target_columns[i], "`"));
        ok = false;
      }
      if (a && b && a->type() != b->type() && !(IsInteger(a->type()) && IsInteger(b->type()))) {
        Add(columns_path, absl::StrCat("column `", columns[i], "` is ", TypeLabel(*a), " but `", target, ".",
                                       target_columns[i], "` is ", TypeLabel(*b)));
        ok = false;
      }
    }
    if (!ok) return;
    // The referenced columns must be the primary key or a unique constraint of the target.
    std::set<std::string> wanted(target_columns.begin(), target_columns.end());
    auto same = [&](auto begin, auto end) { return std::set<std::string>(begin, end) == wanted; };
    const v1::Table& t = *to->table;
    bool is_key = same(t.primary_key().begin(), t.primary_key().end());
    for (const v1::Column& c : t.columns()) {
      if ((c.primary_key() || c.unique()) && wanted == std::set<std::string>{c.name()}) is_key = true;
    }
    for (const v1::UniqueConstraint& u : t.uniques()) is_key |= same(u.columns().begin(), u.columns().end());
    for (const v1::Index& i : t.indexes()) {
      is_key |= i.unique() && !i.has_where() && same(i.columns().begin(), i.columns().end());
    }
    if (!is_key) {
      Add(target_path,
          absl::StrCat("the referenced columns of `", target, "` are not its primary key or a unique constraint"));
    }
  }

  // A generated column: an expression of the table's other, not generated, columns; nothing the
  // column could not be (a key, auto_increment, a default, NOT NULL: MariaDB refuses it there).
  void Generated(const SchemaIndex& index, const TableInfo& info, const v1::Column& column, const std::string& path) {
    const char* conflict = column.primary_key()      ? "primary_key"
                           : column.auto_increment() ? "auto_increment"
                           : column.has_default_()   ? "default"
                           : column.not_null()       ? "not_null"
                           : column.array()          ? "array"
                                                     : nullptr;
    if (conflict != nullptr) {
      Add(path, absl::StrCat("a generated column takes no ", conflict, " (its value is its expression's)"));
      return;
    }
    if (!column.generated().has_expression()) {
      Add(path + ".expression",
          column.generated().sql().empty()
              ? "an expression is required"
              : "write the expression (`sql` is the database's text, which pull read; it is never run)");
      return;
    }
    ExpressionPlanner planner(index, info, nullptr);
    planner.RecordReferences();
    auto planned = planner.Typed(column.generated().expression(), path + ".expression", false);
    if (!planned.ok()) {
      auto violations = FieldViolations(planned.status());
      if (violations.empty()) Add(path + ".expression", std::string(planned.status().message()));
      for (auto& v : violations) Add(v.field, v.description);
      return;
    }
    for (const auto& [table, name] : planner.references()) {
      const v1::Column* other = index.FindColumn(info, name);
      if (other != nullptr && other->has_generated()) {
        Add(path + ".expression",
            absl::StrCat("`", name, "` is generated too: a generated column reads only columns that are not"));
      }
    }
  }

  void Condition(const SchemaIndex& index, const TableInfo& info, const v1::Condition& condition,
                 const std::string& path) {
    ExpressionPlanner planner(index, info, nullptr);
    auto planned = planner.Condition(condition, path);
    if (!planned.ok()) {
      auto violations = FieldViolations(planned.status());
      if (violations.empty()) Add(path, std::string(planned.status().message()));
      for (auto& v : violations) Add(v.field, v.description);
    }
  }

  void Relation(const SchemaIndex& index, const v1::Relation& relation, int r) {
    const std::string path = absl::StrCat(root_, ".relations[", r, "]");
    const TableInfo* from = index.FindTable(relation.table());
    const TableInfo* to = index.FindTable(relation.target_table());
    if (from == nullptr) Add(path + ".table", absl::StrCat("the schema has no table `", relation.table(), "`"));
    if (to == nullptr) {
      Add(path + ".target_table", absl::StrCat("the schema has no table `", relation.target_table(), "`"));
    }
    Identifier(relation.name(), path + ".name", "relation");
    if (relation.kind() == v1::Relation::RELATION_KIND_UNSPECIFIED) Add(path + ".kind", "ONE or MANY is required");
    if (from == nullptr || to == nullptr) return;
    if (from->columns.count(relation.name())) {
      Add(path + ".name",
          absl::StrCat("relation `", relation.name(), "` has the name of a column of `", relation.table(), "`"));
    }
    std::string key = relation.table() + "\n" + relation.name();
    if (!relations_.insert(key).second) {
      Add(path + ".name",
          absl::StrCat("table `", relation.table(), "` has two relations named `", relation.name(), "`"));
    }
    if (relation.fields_size() != relation.references_size()) {
      Add(path + ".references", "fields and references pair up: give as many of each");
      return;
    }
    for (int i = 0; i < relation.fields_size(); ++i) {
      if (!from->columns.count(relation.fields(i))) {
        Add(absl::StrCat(path, ".fields[", i, "]"),
            absl::StrCat("table `", relation.table(), "` has no column `", relation.fields(i), "`"));
      }
      if (!to->columns.count(relation.references(i))) {
        Add(absl::StrCat(path, ".references[", i, "]"),
            absl::StrCat("table `", relation.target_table(), "` has no column `", relation.references(i), "`"));
      }
    }
    if (!relation.through().empty() && index.FindTable(relation.through()) == nullptr) {
      Add(path + ".through", absl::StrCat("the schema has no table `", relation.through(), "`"));
      return;
    }
    // Every relation must resolve to the columns a relational read joins on.
    auto resolved = ResolveRelation(index, relation, path);
    if (!resolved.ok()) {
      for (FieldViolation& v : FieldViolations(resolved.status())) Add(std::move(v.field), std::move(v.description));
    }
  }

  // A sequence's options: a step, bounds in order, a start and a cache within them.
  void Sequence(const v1::Sequence& seq, const std::string& path) {
    const bool down = seq.increment() < 0;
    const int64_t min = seq.has_min_value() ? seq.min_value() : down ? std::numeric_limits<int64_t>::min() : 1;
    const int64_t max = seq.has_max_value() ? seq.max_value() : down ? -1 : std::numeric_limits<int64_t>::max();
    if (min >= max) {
      Add(path + (seq.has_max_value() ? ".max_value" : ".min_value"),
          absl::StrCat("min_value (", min, ") must be below max_value (", max, ")"));
      return;
    }
    const int64_t start = seq.start() != 0 ? seq.start() : down ? max : min;  // PostgreSQL's defaults
    if (start < min || start > max) {
      Add(path + ".start", absl::StrCat("start (", start, ") must lie within [", min, ", ", max, "]"));
    }
    if (seq.cache() < 0) Add(path + ".cache", "cache must not be negative");
  }

  std::string root_;
  std::vector<FieldViolation> violations_;
  std::set<std::string> relations_;

  std::set<std::string> sequences_;
  std::set<std::string> roles_;
};

}  // namespace

bool ValidIdentifier(const std::string& name) {
  return !name.empty() && name.size() <= kMaxIdentifier && name.find('\0') == std::string::npos;
}

absl::Status ValidateSchema(const v1::Schema& schema, const std::string& path) { return Validator(path).Run(schema); }

}  // namespace sluice
