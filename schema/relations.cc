#include "schema/relations.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"

namespace sluice {
namespace {

ColumnPairs Pairs(const google::protobuf::RepeatedPtrField<std::string>& a,
                  const google::protobuf::RepeatedPtrField<std::string>& b) {
  ColumnPairs out;
  for (int i = 0; i < a.size() && i < b.size(); ++i) out.emplace_back(a[i], b[i]);
  return out;
}

// The `one` relations of `table` with fields that point at `target` (and carry `relation_name`,
// when given).
std::vector<const v1::Relation*> OnesTo(const v1::Schema& schema, const std::string& table, const std::string& target,
                                        const std::string* relation_name) {
  std::vector<const v1::Relation*> out;
  for (const v1::Relation& r : schema.relations()) {
    if (r.table() == table && r.target_table() == target && r.kind() == v1::Relation::ONE && !r.fields().empty() &&
        (relation_name == nullptr || r.relation_name() == *relation_name)) {
      out.push_back(&r);
    }
  }
  return out;
}

// A foreign key: its table, columns, referenced table and columns, and where it is declared.
struct ForeignKeyInfo {
  const v1::Table* table;
  std::vector<std::string> columns;
  std::string foreign_table;
  std::vector<std::string> foreign_columns;
  std::string path;
};

std::vector<ForeignKeyInfo> ForeignKeys(const v1::Schema& schema, const std::string& root) {
  std::vector<ForeignKeyInfo> out;
  for (int t = 0; t < schema.tables_size(); ++t) {
    const v1::Table& table = schema.tables(t);
    const std::string tpath = absl::StrCat(root, ".tables[", t, "]");
    for (int c = 0; c < table.columns_size(); ++c) {
      const v1::Column& column = table.columns(c);
      if (!column.has_references()) continue;
      out.push_back({&table,
                     {column.name()},
                     column.references().table(),
                     {column.references().column()},
                     absl::StrCat(tpath, ".columns[", c, "].references")});
    }
    for (int k = 0; k < table.foreign_keys_size(); ++k) {
      const v1::ForeignKey& fk = table.foreign_keys(k);
      out.push_back({&table,
                     {fk.columns().begin(), fk.columns().end()},
                     fk.foreign_table(),
                     {fk.foreign_columns().begin(), fk.foreign_columns().end()},
                     absl::StrCat(tpath, ".foreign_keys[", k, "]")});
    }
  }
  return out;
}

// Whether the column lists `prefix` (in any order) are the leading columns of `columns`.
bool Leads(const std::vector<std::string>& prefix, const std::vector<std::string>& columns) {
  if (columns.size() < prefix.size()) return false;
  std::set<std::string> a(prefix.begin(), prefix.end()), b(columns.begin(), columns.begin() + prefix.size());
  return a == b;
}

// Whether an index, the primary key or a unique constraint of `table` starts with `columns`.
bool Indexed(const v1::Table& table, const std::vector<std::string>& columns) {
  std::vector<std::vector<std::string>> keys;
  keys.emplace_back(table.primary_key().begin(), table.primary_key().end());
  for (const v1::Column& c : table.columns()) {
    if (c.primary_key() || c.unique()) keys.push_back({c.name()});
  }
  for (const v1::UniqueConstraint& u : table.uniques()) keys.emplace_back(u.columns().begin(), u.columns().end());
  for (const v1::Index& i : table.indexes()) keys.emplace_back(i.columns().begin(), i.columns().end());
  return std::any_of(keys.begin(), keys.end(), [&](const auto& key) { return Leads(columns, key); });
}

// Whether a foreign key ties `a_columns` of `a` to `b_columns` of `b` pairwise (either way).
bool Backed(const std::vector<ForeignKeyInfo>& fks, const std::string& a, const ColumnPairs& pairs_ab,
            const std::string& b) {
  auto matches = [](const ForeignKeyInfo& fk, const std::string& from, const std::string& to, const ColumnPairs& pairs,
                    bool reversed) {
    if (fk.table->name() != from || fk.foreign_table != to || fk.columns.size() != pairs.size()) return false;
    std::set<std::pair<std::string, std::string>> want, have;
    for (const auto& [x, y] : pairs) want.insert(reversed ? std::pair{y, x} : std::pair{x, y});
    for (size_t i = 0; i < fk.columns.size(); ++i) have.insert({fk.columns[i], fk.foreign_columns[i]});
    return want == have;
  };
  return std::any_of(fks.begin(), fks.end(), [&](const ForeignKeyInfo& fk) {
    return matches(fk, a, b, pairs_ab, false) || matches(fk, b, a, pairs_ab, true);
  });
}

v1::SchemaWarning Warning(std::string field, std::string code, std::string message) {
  v1::SchemaWarning w;
  w.set_field(std::move(field));
  w.set_code(std::move(code));
  w.set_message(std::move(message));
  return w;
}

}  // namespace

const v1::Relation* FindRelation(const SchemaIndex& schema, const std::string& table, const std::string& name) {
  for (const v1::Relation& r : schema.schema().relations()) {
    if (r.table() == table && r.name() == name) return &r;
  }
  return nullptr;
}

absl::StatusOr<ResolvedRelation> ResolveRelation(const SchemaIndex& schema, const v1::Relation& relation,
                                                 const std::string& path) {
  ResolvedRelation out;
  out.relation = &relation;
  out.one = relation.kind() == v1::Relation::ONE;
  out.target = schema.FindTable(relation.target_table());
  if (out.target == nullptr) return InvalidField(path + ".target_table", "unknown table");
  const v1::Schema& s = schema.schema();
  const std::string where = absl::StrCat("relation `", relation.table(), ".", relation.name(), "`");
  if (!relation.through().empty()) {
    if (out.one) return InvalidField(path + ".kind", absl::StrCat(where, " goes through a junction table: it is MANY"));
    if (!relation.fields().empty()) {
      return InvalidField(path + ".fields", absl::StrCat(where, " goes through `", relation.through(),
                                                         "`: the junction's relations give the columns"));
    }
    out.junction = schema.FindTable(relation.through());
    if (out.junction == nullptr) return InvalidField(path + ".through", "unknown table");
    const std::string* name = relation.relation_name().empty() ? nullptr : &relation.relation_name();
    auto to_source = OnesTo(s, relation.through(), relation.table(), name);
    auto to_target = OnesTo(s, relation.through(), relation.target_table(), name);
    if (relation.table() == relation.target_table() || to_source.size() != 1 || to_target.size() != 1) {
      return InvalidField(path + ".through", absl::StrCat(where, " needs the junction `", relation.through(),
                                                          "` to have exactly one `one` ", "relation with fields to `",
                                                          relation.table(), "` and one to `", relation.target_table(),
                                                          "`", name ? " with this relation_name" : "", "; it has ",
                                                          to_source.size(), " and ", to_target.size()));
    }
    out.junction_source = Pairs(to_source[0]->fields(), to_source[0]->references());
    out.junction_target = Pairs(to_target[0]->fields(), to_target[0]->references());
    return out;
  }
  if (!relation.fields().empty()) {
    out.on = Pairs(relation.references(), relation.fields());
    return out;
  }
  if (out.one) {
    return InvalidField(path + ".fields", absl::StrCat(where, " is ONE: name its fields and references"));
  }
  // A `many` without fields: the `one` relation on the other side that points back.
  auto back = OnesTo(s, relation.target_table(), relation.table(), &relation.relation_name());
  if (back.size() != 1) {
    return InvalidField(
        path + ".fields",
        absl::StrCat(where, back.empty() ? " has no fields, and " : " has no fields, and several ",
                     "`one` relations of `", relation.target_table(), "` point back to `", relation.table(), "`",
                     relation.relation_name().empty() ? "" : " with this relation_name",
                     back.empty() ? ": declare one, or give fields and references" : ": set relation_name"));
  }
  out.on = Pairs(back[0]->fields(), back[0]->references());
  return out;
}

std::vector<v1::SchemaWarning> LintSchema(const SchemaIndex& schema, const std::string& path) {
  const v1::Schema& s = schema.schema();
  const std::vector<ForeignKeyInfo> fks = ForeignKeys(s, path);
  std::vector<v1::SchemaWarning> out;
  for (int r = 0; r < s.relations_size(); ++r) {
    const v1::Relation& relation = s.relations(r);
    if (relation.fields().empty()) continue;  // resolved through the other side, linted there
    const std::string rpath = absl::StrCat(path, ".relations[", r, "]");
    const std::string name = absl::StrCat("relation `", relation.table(), ".", relation.name(), "`");
    const ColumnPairs pairs = Pairs(relation.fields(), relation.references());
    if (!Backed(fks, relation.table(), pairs, relation.target_table())) {
      out.push_back(
          Warning(rpath + ".fields", "RELATION_WITHOUT_FOREIGN_KEY",
                  absl::StrCat(name, " joins `", relation.table(), "` (", absl::StrJoin(relation.fields(), ", "),
                               ") to `", relation.target_table(), "` (", absl::StrJoin(relation.references(), ", "),
                               "), but no foreign key does: relations do not create foreign keys, declare one")));
    }
    const TableInfo* table = schema.FindTable(relation.table());
    if (relation.kind() != v1::Relation::ONE || table == nullptr) continue;
    for (int i = 0; i < relation.fields_size(); ++i) {
      const v1::Column* column = schema.FindColumn(*table, relation.fields(i));
      const bool in_primary_key =
          std::count(table->table->primary_key().begin(), table->table->primary_key().end(), relation.fields(i)) > 0;
      if (column != nullptr && !column->not_null() && !column->primary_key() && !in_primary_key) {
        out.push_back(Warning(absl::StrCat(rpath, ".fields[", i, "]"), "NULLABLE_ONE_RELATION",
                              absl::StrCat(name, " is ONE over the nullable column `", relation.table(), ".",
                                           relation.fields(i), "`: the related row may be missing (null)")));
      }
    }
  }
  for (const ForeignKeyInfo& fk : fks) {
    if (!Indexed(*fk.table, fk.columns)) {
      out.push_back(
          Warning(fk.path, "FOREIGN_KEY_WITHOUT_INDEX",
                  absl::StrCat("the foreign key on `", fk.table->name(), "` (", absl::StrJoin(fk.columns, ", "),
                               ") has no index that starts with its columns: joins and cascades scan the table")));
    }
  }
  return out;
}

}  // namespace sluice
