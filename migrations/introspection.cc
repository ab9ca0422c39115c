#include "migrations/introspection.h"

#include <algorithm>

#include <map>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "migrations/check_text.h"
#include "planner/planner.h"
#include "planner/table_lookup.h"
#include "planner/views.h"
#include "schema/constraint_names.h"
#include "schema/schema_index.h"

namespace sluice {
namespace {

v1::ReferentialAction ActionOf(plan::Action a) { return static_cast<v1::ReferentialAction>(a); }

// A literal default of a column of `type` as a typed value.
v1::Value ValueOf(const plan::Literal& literal, const v1::Column& column) {
  v1::Value v;
  const std::string& text = literal.text();
  switch (column.type()) {
    case v1::BOOLEAN:
      v.set_bool_value(literal.int_value() != 0 || text == "true");
      return v;
    case v1::DECIMAL:
      v.set_decimal_value(literal.kind() == plan::LITERAL_INT64 ? absl::StrCat(literal.int_value()) : text);
      return v;
    case v1::REAL:
    case v1::DOUBLE:
      v.set_double_value(literal.kind() == plan::LITERAL_INT64 ? static_cast<double>(literal.int_value())
                                                               : std::strtod(text.c_str(), nullptr));
      return v;
    case v1::DATE:
      v.set_date_value(text);
      return v;
    case v1::TIME:
      v.set_time_value(text);
      return v;
    case v1::TIMESTAMP:
    case v1::TIMESTAMPTZ:
      v.set_timestamp_value(text);
      return v;
    case v1::UUID:
      v.set_uuid_value(text);
      return v;
    case v1::JSON:
    case v1::JSONB:
      v.set_json_value(text);
      return v;
    default:
      break;
  }
  if (literal.kind() == plan::LITERAL_INT64 || literal.kind() == plan::LITERAL_BOOL) {
    v.set_int_value(literal.int_value());
  } else {
    v.set_string_value(text);
  }
  return v;
}

void ReadDefault(const plan::ColumnDef& def, v1::Column* column) {
  if (!def.has_default_()) return;
  const plan::Expr& e = def.default_();
  if (e.has_literal()) {
    if (e.literal().kind() != plan::LITERAL_NULL)
      *column->mutable_default_()->mutable_value() = ValueOf(e.literal(), *column);
    return;
  }
  if (!e.has_call()) return;
  switch (e.call().op()) {
    case plan::NOW:
      column->mutable_default_()->set_function(v1::ColumnDefault::NOW);
      break;
    case plan::CURRENT_DATE:
      column->mutable_default_()->set_function(v1::ColumnDefault::CURRENT_DATE);
      break;
    case plan::RANDOM_UUID:
      column->mutable_default_()->set_function(v1::ColumnDefault::RANDOM_UUID);
      // SQLite keeps UUIDs as TEXT: a column whose default makes one is a UUID column.
      if (column->type() == v1::TEXT) column->set_type(v1::UUID);
      break;
    case plan::NEXTVAL:
      if (e.call().args_size() == 2) column->mutable_default_()->set_sequence(e.call().args(1).literal().text());
      break;
    default:
      break;
  }
}

bool SameColumns(const google::protobuf::RepeatedPtrField<std::string>& a,
                 const google::protobuf::RepeatedPtrField<std::string>& b) {
  return std::vector<std::string>(a.begin(), a.end()) == std::vector<std::string>(b.begin(), b.end());
}

// How `dialect` writes `column` of `table` in `schema` (its type, default, nullability, generated
// expression: the table's other columns stay beside it, for the expression to name).
std::string ColumnSql(const DialectPlugin& dialect, const v1::Schema& schema, const v1::Table& table,
                      const v1::Column& column) {
  v1::Schema one;
  *one.mutable_enums() = schema.enums();
  *one.mutable_sequences() = schema.sequences();
  v1::Table* t = one.add_tables();
  t->set_name(table.name());
  t->set_namespace_(table.namespace_());
  int at = -1;
  for (const v1::Column& other : table.columns()) {
    v1::Column* c = t->add_columns();
    if (other.name() == column.name()) at = t->columns_size() - 1;
    *c = other.name() == column.name() ? column : other;
    c->clear_references();
    c->set_unique(false);
  }
  if (at < 0) return "";
  SchemaIndex index(one);
  plan::Plan p;
  *p.mutable_add_column()->mutable_table() = TableRefOf(*t);
  *p.mutable_add_column()->mutable_column() = PlanCreateTable(index, *t, false).create_table().columns(at);
  auto sql = dialect.Compile(p);
  return sql.ok() ? sql->sql : "";
}

// A generated column's expression reduced to what survives a database's rewriting of it: lower
// case, without quotes, casts (`::numeric`, `CAST(x AS double)`), parentheses and blanks, and
// MariaDB's ucase / lcase as upper / lower. Two texts alike here are taken as one expression.
std::string NormalizedExpression(std::string text) {
  text = absl::AsciiStrToLower(text);
  static const std::regex kCastSuffix("::[a-z_ ]+");
  static const std::regex kAsType(" as [a-z_ ]+\\)");
  text = std::regex_replace(text, kCastSuffix, "");
  text = std::regex_replace(text, kAsType, ")");
  text = absl::StrReplaceAll(text, {{"cast(", "("}, {"ucase(", "upper("}, {"lcase(", "lower("}});
  std::string out;
  for (char c : text) {
    if (c != '"' && c != '`' && c != '(' && c != ')' && c != ' ') out += c;
  }
  return out;
}

// What stands in the parentheses that `marker` opens in `sql` (`GENERATED ALWAYS AS (`, a
// policy's `USING (`); "" when none.
std::string Enclosed(const std::string& sql, const std::string& marker) {
  const size_t at = sql.find(marker);
  if (at == std::string::npos) return "";
  int depth = 1;
  for (size_t i = at + marker.size(); i < sql.size(); ++i) {
    depth += sql[i] == '(' ? 1 : sql[i] == ')' ? -1 : 0;
    if (depth == 0) return sql.substr(at + marker.size(), i - at - marker.size());
  }
  return "";
}

// A policy's conditions as the schema writes them, when the database's texts are the same
// conditions (NormalizedExpression).
void ReconcilePolicy(const DialectPlugin& dialect, const SchemaIndex& registered, const v1::Table& table,
                     const v1::Policy& want, v1::Policy* pulled) {
  auto sql = dialect.Compile(PlanCreatePolicy(registered, table, want));
  if (!sql.ok()) return;
  const auto same = [&](const std::string& database_text, const char* marker) {
    const std::string ours = Enclosed(sql->sql, marker);
    return database_text.empty() ? ours.empty() : NormalizedExpression(database_text) == NormalizedExpression(ours);
  };
  if (same(pulled->using_sql(), " USING (") && same(pulled->with_check_sql(), " WITH CHECK (")) {
    if (want.has_using_()) *pulled->mutable_using_() = want.using_();
    if (want.has_with_check()) *pulled->mutable_with_check() = want.with_check();
  }
}

// A view's query reduced to what survives a database's rewriting of it (MariaDB's
// VIEW_DEFINITION qualifies every column with its table and database, names every column, and
// writes TRUE as 1 and COUNT(*) as count(0)): lower case, no quotes, no qualifiers, no `c AS c`,
// booleans as 1 and 0, no parentheses, spaces or semicolons.
std::string NormalizedQuery(std::string text) {
  text = absl::AsciiStrToLower(text);
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == '`' || c == '"'; }), text.end());
  static const std::regex kQualifier("\\b[a-z_][a-z0-9_]*\\.");
  static const std::regex kSameAlias("\\b([a-z_][a-z0-9_]*) as \\1\\b");
  static const std::regex kTrue("\\btrue\\b"), kFalse("\\bfalse\\b");
  text = std::regex_replace(text, kQualifier, "");
  text = std::regex_replace(text, kSameAlias, "$1");
  text = std::regex_replace(std::regex_replace(text, kTrue, "1"), kFalse, "0");
  text = absl::StrReplaceAll(text, {{"count(*)", "count(0)"}});  // MariaDB writes COUNT(*) so
  std::string out;
  for (char c : text) {
    if (c != '(' && c != ')' && !absl::ascii_isspace(static_cast<unsigned char>(c)) && c != ';') out += c;
  }
  return out;
}

// A pulled view is the registered one when sluice's fingerprint says so (PostgreSQL keeps it as
// the view's comment), or when the database kept the query as sluice wrote it (SQLite keeps the
// statement, MariaDB a rewritten query): then it takes the registered definition, keeping its
// own indexes.
void ReconcileView(const DialectPlugin& dialect, const SchemaIndex& registered, const v1::View& want,
                   v1::View* pulled) {
  const std::vector<plan::Plan> plans = PlanCreateView(registered, want);
  bool same =
      !pulled->definition_hash().empty() && pulled->definition_hash() == ViewFingerprint(plans[0].create_view());
  if (!same && pulled->definition_hash().empty()) {
    auto sql = dialect.Compile(plans[0]);
    const std::string marker = " AS ";
    if (sql.ok()) {
      const size_t at = sql->sql.find(marker);
      same = sql->sql == pulled->sql() ||
             (at != std::string::npos &&
              NormalizedQuery(sql->sql.substr(at + marker.size())) == NormalizedQuery(pulled->sql()));
    }
  }
  if (!same || want.materialized() != pulled->materialized()) return;
  pulled->clear_definition_hash();
  *pulled->mutable_select() = want.select();
  pulled->set_sql(want.sql());
  *pulled->mutable_columns() = want.columns();
}

// A plan type as a column's type fields (the enum aside: where it comes from differs).
void TypeInto(const plan::Type& type, v1::Column* column) {
  column->set_type(static_cast<v1::ColumnType>(type.kind()));
  column->set_length(type.length());
  column->set_precision(type.precision());
  column->set_scale(type.scale());
  column->set_array(type.array());
  column->set_unsigned_(type.unsigned_());
}

}  // namespace

v1::Schema SchemaFromCatalog(const plan::Catalog& catalog, const std::string& name) {
  v1::Schema schema;
  schema.set_name(name);
  for (const plan::CreateEnum& e : catalog.enums()) {
    v1::Enum* out = schema.add_enums();
    out->set_name(e.name());
    out->set_namespace_(e.namespace_());
    *out->mutable_values() = e.values();
  }
  for (const plan::CreateSequence& q : catalog.sequences()) {
    v1::Sequence* out = schema.add_sequences();
    out->set_name(q.name());
    out->set_namespace_(q.namespace_());
    out->set_start(q.start());
    out->set_increment(q.increment());
    if (q.has_min_value()) out->set_min_value(q.min_value());
    if (q.has_max_value()) out->set_max_value(q.max_value());
    out->set_cycle(q.cycle());
    out->set_cache(q.cache() > 1 ? q.cache() : 0);
  }
  std::map<std::string, v1::Table*> tables;
  for (const plan::CreateTable& t : catalog.tables()) {
    v1::Table* table = schema.add_tables();
    tables[t.table().name()] = table;
    table->set_name(t.table().name());
    table->set_namespace_(t.table().namespace_());
    std::map<std::string, v1::Column*> columns;
    for (const plan::ColumnDef& def : t.columns()) {
      v1::Column* c = table->add_columns();
      columns[def.name()] = c;
      c->set_name(def.name());
      const plan::Type& type = def.type();
      TypeInto(type, c);
      if (type.kind() == plan::ENUM) {
        if (type.enum_name().empty()) {  // the dialect names no enum: one of its own
          v1::Enum* e = schema.add_enums();
          e->set_name(table->name() + "_" + def.name());
          *e->mutable_values() = type.enum_values();
          c->set_enum_name(e->name());
        } else {
          c->set_enum_name(type.enum_name());
        }
      }
      c->set_not_null(def.not_null() || def.primary_key());
      c->set_primary_key(def.primary_key());
      c->set_auto_increment(def.auto_increment());
      if (def.identity() == plan::IDENTITY_ALWAYS || def.identity() == plan::IDENTITY_SERIAL) {
        c->set_identity(static_cast<v1::Column::Identity>(def.identity()));
      }
      if (!def.generated_sql().empty()) {
        c->mutable_generated()->set_sql(def.generated_sql());
        c->mutable_generated()->set_stored(def.generated_stored());
      }
      ReadDefault(def, c);
    }
    *table->mutable_primary_key() = t.primary_key();
    for (const plan::Unique& u : t.uniques()) {
      const std::vector<std::string> cols(u.columns().begin(), u.columns().end());
      const bool column_level = cols.size() == 1 && (u.name().empty() || u.name() == cols[0] ||
                                                     u.name() == UniqueName(t.table().name(), cols));
      if (column_level && columns.count(cols[0])) {
        columns[cols[0]]->set_unique(true);
        continue;
      }
      v1::UniqueConstraint* out = table->add_uniques();
      if (!u.name().empty() && u.name() != UniqueName(t.table().name(), cols)) out->set_name(u.name());
      *out->mutable_columns() = u.columns();
    }
    for (const plan::ForeignKey& fk : t.foreign_keys()) {
      const std::vector<std::string> cols(fk.columns().begin(), fk.columns().end());
      const bool default_name = fk.name().empty() || fk.name() == ForeignKeyName(t.table().name(), cols);
      if (cols.size() == 1 && columns.count(cols[0])) {
        v1::ColumnReference* r = columns[cols[0]]->mutable_references();
        r->set_table(fk.foreign_table().name());
        r->set_column(fk.foreign_columns(0));
        r->set_on_delete(ActionOf(fk.on_delete()));
        r->set_on_update(ActionOf(fk.on_update()));
        if (!default_name) r->set_name(fk.name());
        continue;
      }
      v1::ForeignKey* out = table->add_foreign_keys();
      if (!default_name) out->set_name(fk.name());
      *out->mutable_columns() = fk.columns();
      out->set_foreign_table(fk.foreign_table().name());
      *out->mutable_foreign_columns() = fk.foreign_columns();
      out->set_on_delete(ActionOf(fk.on_delete()));
      out->set_on_update(ActionOf(fk.on_update()));
    }
    for (const plan::Check& check : t.checks()) {
      v1::Check* out = table->add_checks();
      out->set_name(check.name());
      out->set_sql(check.sql());
      // Back in the condition form where the text is one the dialects write: it registers.
      if (std::optional<v1::Condition> condition = CheckCondition(check.sql(), *table)) {
        *out->mutable_condition() = *std::move(condition);
      }
    }
  }
  for (const plan::CreateTable& t : catalog.tables()) {
    if (t.row_level_security()) tables[t.table().name()]->set_row_level_security(true);
  }
  for (const plan::CreatePolicy& p : catalog.policies()) {
    auto it = tables.find(p.table().name());
    if (it == tables.end()) continue;
    v1::Policy* out = it->second->add_policies();
    out->set_name(p.name());
    out->set_command(static_cast<v1::Policy::Command>(p.command()));
    *out->mutable_to() = p.roles();
    out->set_restrictive(p.restrictive());
    out->set_using_sql(p.using_sql());
    out->set_with_check_sql(p.with_check_sql());
    // Back in the condition form where the text is one the dialects write: it registers.
    const auto condition = [&](const std::string& sql) {
      return sql.empty() ? std::nullopt : CheckCondition(sql, *it->second);
    };
    if (auto c = condition(p.using_sql())) *out->mutable_using_() = *std::move(c);
    if (auto c = condition(p.with_check_sql())) *out->mutable_with_check() = *std::move(c);
  }
  for (const plan::Grant& g : catalog.grants()) {  // one role and privilege each: one Grant per role
    auto it = tables.find(g.table().name());
    if (it == tables.end() || g.roles().empty() || g.privileges().empty()) continue;
    v1::Grant* grant = nullptr;
    for (v1::Grant& existing : *it->second->mutable_grants()) {
      if (existing.to(0) == g.roles(0)) grant = &existing;
    }
    if (grant == nullptr) {
      grant = it->second->add_grants();
      grant->add_to(g.roles(0));
    }
    grant->add_privileges(static_cast<v1::Grant::Privilege>(g.privileges(0)));
  }
  for (const plan::CreateRole& r : catalog.roles()) schema.add_roles()->set_name(r.name());
  std::map<std::string, v1::View*> views;
  for (const plan::ViewDef& def : catalog.views()) {
    v1::View* view = schema.add_views();
    views[def.view().name()] = view;
    view->set_name(def.view().name());
    view->set_namespace_(def.view().namespace_());
    view->set_sql(def.sql());
    view->set_materialized(def.materialized());
    if (absl::StartsWith(def.comment(), "sluice:")) view->set_definition_hash(def.comment());
    for (const plan::ColumnDef& c : def.columns()) {
      v1::Column* out = view->add_columns();
      out->set_name(c.name());
      TypeInto(c.type(), out);
      out->set_enum_name(c.type().enum_name());
    }
  }
  // Indexes of tables and of materialized views.
  for (const plan::CreateIndex& i : catalog.indexes()) {
    auto table = tables.find(i.table().name());
    auto view = views.find(i.table().name());
    if (table == tables.end() && view == views.end()) continue;
    v1::Index* out = table != tables.end() ? table->second->add_indexes() : view->second->add_indexes();
    const std::vector<std::string> cols(i.columns().begin(), i.columns().end());
    if (i.name() != IndexName(i.table().name(), cols)) out->set_name(i.name());
    *out->mutable_columns() = i.columns();
    out->set_unique(i.unique());
    out->set_method(i.method());
  }
  return schema;
}

void KeepRoles(const std::set<std::string>& also, v1::Schema* schema) {
  std::set<std::string> named = also;
  for (const v1::Table& t : schema->tables()) {
    for (const v1::Policy& p : t.policies()) named.insert(p.to().begin(), p.to().end());
    for (const v1::Grant& g : t.grants()) named.insert(g.to().begin(), g.to().end());
  }
  google::protobuf::RepeatedPtrField<v1::Role> roles;
  for (v1::Role& r : *schema->mutable_roles()) {
    if (named.count(r.name())) *roles.Add() = std::move(r);
  }
  *schema->mutable_roles() = std::move(roles);
}

void Reconcile(const DialectPlugin& dialect, const v1::Schema& registered, v1::Schema* pulled) {
  pulled->set_name(registered.name());
  std::map<std::string, const v1::Table*> known;
  for (const v1::Table& t : registered.tables()) known[t.name()] = &t;
  std::map<std::string, const v1::Enum*> known_enums;
  for (const v1::Enum& e : registered.enums()) known_enums[e.name()] = &e;
  std::set<std::string> adopted_enums, synthesized;
  const SchemaIndex registered_index(registered);
  for (v1::View& view : *pulled->mutable_views()) {
    for (const v1::View& want : registered.views()) {
      if (want.name() == view.name()) ReconcileView(dialect, registered_index, want, &view);
    }
  }
  for (v1::Table& table : *pulled->mutable_tables()) {
    auto it = known.find(table.name());
    if (it == known.end()) continue;
    const v1::Table& want = *it->second;
    for (v1::Policy& policy : *table.mutable_policies()) {
      for (const v1::Policy& p : want.policies()) {
        if (p.name() == policy.name()) ReconcilePolicy(dialect, registered_index, want, p, &policy);
      }
    }
    for (v1::Column& column : *table.mutable_columns()) {
      const v1::Column* match = nullptr;
      for (const v1::Column& c : want.columns()) {
        if (c.name() == column.name()) match = &c;
      }
      if (match == nullptr) continue;
      // An enum the database does not name (MySQL, SQLite) with the same values.
      if (column.type() == v1::ENUM && match->type() == v1::ENUM && column.enum_name() != match->enum_name()) {
        const v1::Enum* mine = nullptr;
        for (const v1::Enum& e : pulled->enums()) {
          if (e.name() == column.enum_name()) mine = &e;
        }
        auto theirs = known_enums.find(match->enum_name());
        if (mine != nullptr && theirs != known_enums.end() &&
            std::vector<std::string>(mine->values().begin(), mine->values().end()) ==
                std::vector<std::string>(theirs->second->values().begin(), theirs->second->values().end())) {
          synthesized.insert(column.enum_name());
          adopted_enums.insert(match->enum_name());
          column.set_enum_name(match->enum_name());
        }
      }
      // A generated column as the schema writes its expression, when the database's text is the
      // same expression (NormalizedExpression) generated the same way.
      if (column.has_generated() && match->has_generated() &&
          column.generated().stored() == match->generated().stored() &&
          NormalizedExpression(column.generated().sql()) ==
              NormalizedExpression(Enclosed(ColumnSql(dialect, registered, want, *match), "GENERATED ALWAYS AS ("))) {
        *column.mutable_generated() = match->generated();
      }
      // The same DDL: the same column to this dialect (a JSON column SQLite stores as TEXT, a
      // default the database wrote in its own words).
      v1::Column candidate = *match;
      candidate.set_not_null(column.not_null());
      candidate.set_primary_key(column.primary_key());
      candidate.set_unique(column.unique());
      *candidate.mutable_references() = column.references();
      if (!column.has_references()) candidate.clear_references();
      v1::Schema with_enums = *pulled;
      for (const v1::Enum& e : registered.enums()) *with_enums.add_enums() = e;
      if (ColumnSql(dialect, with_enums, table, column) == ColumnSql(dialect, registered, want, candidate)) {
        column = candidate;
      }
    }
    // A unique index is a unique constraint to MySQL: as the schema says.
    for (const v1::Index& i : want.indexes()) {
      if (!i.unique()) continue;
      const std::string name =
          i.name().empty() ? IndexName(want.name(), {i.columns().begin(), i.columns().end()}) : i.name();
      auto* uniques = table.mutable_uniques();
      for (int u = 0; u < uniques->size(); ++u) {
        const v1::UniqueConstraint& constraint = uniques->Get(u);
        const std::string cname =
            constraint.name().empty()
                ? UniqueName(table.name(), {constraint.columns().begin(), constraint.columns().end()})
                : constraint.name();
        if (cname == name && SameColumns(constraint.columns(), i.columns())) {
          uniques->DeleteSubrange(u, 1);
          *table.add_indexes() = i;
          break;
        }
      }
    }
    // Checks and indexes: their conditions are the database's text; the name and columns tell.
    for (v1::Check& check : *table.mutable_checks()) {
      for (const v1::Check& c : want.checks()) {
        if (c.name() == check.name()) check = c;
      }
    }
    for (v1::Index& index : *table.mutable_indexes()) {
      for (const v1::Index& i : want.indexes()) {
        const std::string a = index.name().empty()
                                  ? IndexName(table.name(), {index.columns().begin(), index.columns().end()})
                                  : index.name();
        const std::string b =
            i.name().empty() ? IndexName(want.name(), {i.columns().begin(), i.columns().end()}) : i.name();
        if (a == b && SameColumns(index.columns(), i.columns()) && index.unique() == i.unique()) index = i;
      }
    }
  }
  // Synthesized enums that were adopted give way to the registered ones.
  google::protobuf::RepeatedPtrField<v1::Enum> enums;
  for (const v1::Enum& e : pulled->enums()) {
    if (!synthesized.count(e.name())) *enums.Add() = e;
  }
  for (const std::string& name : adopted_enums) {
    bool present = false;
    for (const v1::Enum& e : enums) present |= e.name() == name;
    if (!present) *enums.Add() = *known_enums[name];
  }
  *pulled->mutable_enums() = enums;
}

void Owned::Add(const v1::Schema& schema) {
  for (const v1::Table& t : schema.tables()) tables.insert(t.name());
  for (const v1::View& v : schema.views()) tables.insert(v.name());
  for (const v1::Enum& e : schema.enums()) enums.insert(e.name());
  for (const v1::Sequence& q : schema.sequences()) sequences.insert(q.name());
  for (const v1::Role& r : schema.roles()) roles.insert(r.name());
}

void KeepOwned(const Owned& owned, v1::Schema* live) {
  google::protobuf::RepeatedPtrField<v1::Table> tables;
  std::set<std::string> used_enums, used_sequences;
  for (v1::Table& t : *live->mutable_tables()) {
    if (!owned.tables.count(t.name())) continue;
    for (const v1::Column& c : t.columns()) {
      if (c.type() == v1::ENUM) used_enums.insert(c.enum_name());
      if (c.default_().has_sequence()) used_sequences.insert(c.default_().sequence());
    }
    *tables.Add() = std::move(t);
  }
  *live->mutable_tables() = std::move(tables);
  google::protobuf::RepeatedPtrField<v1::View> views;
  for (v1::View& v : *live->mutable_views()) {
    if (owned.tables.count(v.name())) *views.Add() = std::move(v);
  }
  *live->mutable_views() = std::move(views);
  google::protobuf::RepeatedPtrField<v1::Enum> enums;
  for (v1::Enum& e : *live->mutable_enums()) {
    if (owned.enums.count(e.name()) || used_enums.count(e.name())) *enums.Add() = std::move(e);
  }
  *live->mutable_enums() = std::move(enums);
  google::protobuf::RepeatedPtrField<v1::Sequence> sequences;
  for (v1::Sequence& q : *live->mutable_sequences()) {
    if (owned.sequences.count(q.name()) || used_sequences.count(q.name())) *sequences.Add() = std::move(q);
  }
  *live->mutable_sequences() = std::move(sequences);
  KeepRoles(owned.roles, live);
}

void AddRelationsFromForeignKeys(v1::Schema* schema) {
  struct Key {
    std::string table, target;
    std::vector<std::string> fields, references;
  };
  std::vector<Key> keys;
  for (const v1::Table& t : schema->tables()) {
    for (const v1::Column& c : t.columns()) {
      if (c.has_references()) keys.push_back({t.name(), c.references().table(), {c.name()}, {c.references().column()}});
    }
    for (const v1::ForeignKey& fk : t.foreign_keys()) {
      keys.push_back({t.name(),
                      fk.foreign_table(),
                      {fk.columns().begin(), fk.columns().end()},
                      {fk.foreign_columns().begin(), fk.foreign_columns().end()}});
    }
  }
  std::map<std::pair<std::string, std::string>, int> between;  // (table, target) → foreign keys
  for (const Key& k : keys) ++between[{k.table, k.target}];
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const Key& k : keys) {
    // `author_id` → `author`; a composite key → the target table's name.
    std::string stem = k.fields.size() == 1 ? k.fields[0] : k.target;
    if (stem.size() > 3 && stem.compare(stem.size() - 3, 3, "_id") == 0) stem.resize(stem.size() - 3);
    const bool several = between[{k.table, k.target}] > 1;
    v1::Relation* one = schema->add_relations();
    one->set_table(k.table);
    one->set_name(stem == k.fields[0] ? stem + "_row" : stem);  // never the column's own name
    one->set_kind(v1::Relation::ONE);
    one->set_target_table(k.target);
    for (const auto& f : k.fields) one->add_fields(f);
    for (const auto& r : k.references) one->add_references(r);
    v1::Relation* many = schema->add_relations();
    many->set_table(k.target);
    many->set_name(several && seen[{k.table, k.target}]++ > 0 ? k.table + "_" + stem : k.table);
    many->set_kind(v1::Relation::MANY);
    many->set_target_table(k.table);
    if (several) {
      one->set_relation_name(stem);
      many->set_relation_name(stem);
    }
  }
}

}  // namespace sluice
