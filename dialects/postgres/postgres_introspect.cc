#include "dialects/postgres/postgres_introspect.h"

#include <limits>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "dialects/postgres/pg_array.h"
#include "dialects/sdk/plugin_support.h"

namespace sluice::postgres {
namespace {

// One query's rows, every value as text ("" for NULL, with `null` telling them apart).
struct Rows {
  std::vector<std::vector<std::string>> values;
  std::vector<std::vector<bool>> null;
};

absl::StatusOr<Rows> Query(PGconn* pg, const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* r =
      PQexecParams(pg, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    std::string error = PQerrorMessage(pg);
    PQclear(r);
    return absl::InternalError(absl::StrCat("postgres introspection: ", error));
  }
  Rows rows;
  for (int i = 0; i < PQntuples(r); ++i) {
    rows.values.emplace_back();
    rows.null.emplace_back();
    for (int c = 0; c < PQnfields(r); ++c) {
      rows.values.back().push_back(PQgetvalue(r, i, c));
      rows.null.back().push_back(PQgetisnull(r, i, c));
    }
  }
  PQclear(r);
  return rows;
}

// "{a,b}" (a text[] of plain names) into its elements.
// The elements of a one-dimensional text array (names, enum labels), exactly as stored.
std::vector<std::string> PgList(const std::string& text) {
  std::vector<std::string> out;
  for (auto& element : PgArrayElements(text).value_or(std::vector<std::optional<std::string>>())) {
    out.push_back(element.value_or(""));
  }
  return out;
}

plan::Action ActionOf(const std::string& code) {
  switch (code.empty() ? ' ' : code[0]) {
    case 'r':
      return plan::RESTRICT;
    case 'c':
      return plan::CASCADE;
    case 'n':
      return plan::SET_NULL;
    case 'd':
      return plan::SET_DEFAULT;
    default:
      return plan::ACTION_DEFAULT;  // 'a': NO ACTION, the default
  }
}

// A column default as pg_get_expr writes it.
void ReadDefault(const std::string& sql, plan::ColumnDef* column) {
  std::string text = sql;
  // 'customer'::role, 'x'::character varying, (0)::numeric: the cast goes.
  const size_t cast = text.rfind("::");
  if (cast != std::string::npos && text.find('\'', cast) == std::string::npos) text = text.substr(0, cast);
  if (text.size() > 2 && text.front() == '(' && text.back() == ')') text = text.substr(1, text.size() - 2);
  plan::Expr* e = column->mutable_default_();
  if (text == "now()" || text == "CURRENT_TIMESTAMP") {
    e->mutable_call()->set_op(plan::NOW);
  } else if (text == "CURRENT_DATE") {
    e->mutable_call()->set_op(plan::CURRENT_DATE);
  } else if (text == "gen_random_uuid()") {
    e->mutable_call()->set_op(plan::RANDOM_UUID);
  } else if (absl::StartsWith(text, "nextval('")) {
    // nextval('ns.seq'::regclass)
    std::string name = text.substr(9, text.find('\'', 9) - 9);
    std::string ns;
    if (const size_t dot = name.find('.'); dot != std::string::npos) {
      ns = name.substr(0, dot);
      name = name.substr(dot + 1);
    }
    plan::Call* call = e->mutable_call();
    call->set_op(plan::NEXTVAL);
    for (const std::string& part : {ns, absl::StrReplaceAll(name, {{"\"", ""}})}) {
      plan::Literal* l = call->add_args()->mutable_literal();
      l->set_kind(plan::LITERAL_TEXT);
      l->set_text(part);
    }
  } else if (auto literal = sdk::LiteralFromSql(text)) {
    *e->mutable_literal() = *literal;
  } else {
    column->clear_default_();
    column->set_default_sql(sql);
  }
}

}  // namespace

plan::Type TypeFromSql(const std::string& sql, bool is_enum, const std::string& enum_namespace) {
  plan::Type type;
  std::string name = sql;
  if (absl::EndsWith(name, "[]")) {
    type.set_array(true);
    name.resize(name.size() - 2);
  }
  // "numeric(10,2)" → "numeric" with 10, 2.
  std::vector<uint32_t> args;
  if (const size_t open = name.find('('); open != std::string::npos) {
    for (absl::string_view a : absl::StrSplit(name.substr(open + 1, name.find(')') - open - 1), ',')) {
      uint32_t n = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(a), &n)) args.push_back(n);
    }
    name = name.substr(0, open);
  }
  if (is_enum) {
    type.set_kind(plan::ENUM);
    std::string enum_name = name;
    if (const size_t dot = enum_name.rfind('.'); dot != std::string::npos) enum_name = enum_name.substr(dot + 1);
    type.set_enum_name(absl::StrReplaceAll(enum_name, {{"\"", ""}}));
    type.set_enum_namespace(enum_namespace == "public" ? "" : enum_namespace);
    return type;
  }
  static const std::map<std::string, plan::TypeKind> kNames = {{"smallint", plan::SMALLINT},
                                                               {"integer", plan::INTEGER},
                                                               {"bigint", plan::BIGINT},
                                                               {"boolean", plan::BOOLEAN},
                                                               {"text", plan::TEXT},
                                                               {"character varying", plan::VARCHAR},
                                                               {"character", plan::CHAR},
                                                               {"numeric", plan::DECIMAL},
                                                               {"real", plan::REAL},
                                                               {"double precision", plan::DOUBLE},
                                                               {"date", plan::DATE},
                                                               {"time without time zone", plan::TIME},
                                                               {"timestamp without time zone", plan::TIMESTAMP},
                                                               {"timestamp with time zone", plan::TIMESTAMPTZ},
                                                               {"interval", plan::INTERVAL},
                                                               {"json", plan::JSON},
                                                               {"jsonb", plan::JSONB},
                                                               {"uuid", plan::UUID},
                                                               {"bytea", plan::BYTES}};
  auto it = kNames.find(name);
  type.set_kind(it == kNames.end() ? plan::TEXT : it->second);
  if ((type.kind() == plan::VARCHAR || type.kind() == plan::CHAR) && !args.empty()) type.set_length(args[0]);
  if (type.kind() == plan::DECIMAL && args.size() == 2) {
    type.set_precision(args[0]);
    type.set_scale(args[1]);
  }
  return type;
}

absl::StatusOr<plan::Catalog> Introspect(PGconn* pg, const std::vector<std::string>& requested) {
  std::vector<std::string> namespaces = requested.empty() ? std::vector<std::string>{"public"} : requested;
  const std::string list = TextArrayToPg(namespaces);  // bound as text[]: names are never split
  plan::Catalog catalog;
  std::map<std::pair<std::string, std::string>, plan::CreateTable*> tables;  // (namespace, name)
  auto ns_of = [](const std::string& ns) { return ns == "public" ? std::string() : ns; };

  SLUICE_ASSIGN_OR_RETURN(
      auto columns,
      Query(pg, R"(SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
        pg_get_expr(d.adbin, d.adrelid), a.attidentity, (t.typtype = 'e' OR (t.typcategory = 'A' AND et.typtype = 'e')),
        coalesce(etn.nspname, tn.nspname),
        pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), a.attname) IS NOT NULL,
        a.attgenerated, c.relkind IN ('v', 'm'), c.relrowsecurity
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid JOIN pg_namespace tn ON tn.oid = t.typnamespace
      LEFT JOIN pg_type et ON et.oid = t.typelem LEFT JOIN pg_namespace etn ON etn.oid = et.typnamespace
      LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY($1::text[]) AND c.relname NOT LIKE '\_\_sluice%'
      ORDER BY n.nspname, c.relname, a.attnum)",
            {list}));
  // The columns of views and materialized views, for their ViewDef below.
  std::map<std::pair<std::string, std::string>, std::vector<plan::ColumnDef>> view_columns;
  for (const auto& row : columns.values) {
    if (row[11] == "t") {
      plan::ColumnDef& c = view_columns[{row[0], row[1]}].emplace_back();
      c.set_name(row[2]);
      *c.mutable_type() = TypeFromSql(row[3], row[7] == "t", row[8]);
      continue;
    }
    plan::CreateTable*& table = tables[{row[0], row[1]}];
    if (table == nullptr) {
      table = catalog.add_tables();
      table->mutable_table()->set_namespace_(ns_of(row[0]));
      table->mutable_table()->set_name(row[1]);
      table->set_row_level_security(row[12] == "t");
    }
    plan::ColumnDef* c = table->add_columns();
    c->set_name(row[2]);
    *c->mutable_type() = TypeFromSql(row[3], row[7] == "t", row[8]);
    c->set_not_null(row[4] == "t");
    // An identity column, or a serial one (its default draws from a sequence the column owns).
    const bool serial = row[9] == "t" && row[6].empty();
    c->set_auto_increment(!row[6].empty() || serial);
    c->set_identity(serial ? plan::IDENTITY_SERIAL : row[6] == "a" ? plan::IDENTITY_ALWAYS : plan::IDENTITY_DEFAULT);
    if (row[10] == "s") {  // a stored generated column: its expression where a default would be
      c->set_generated_sql(row[5]);
      c->set_generated_stored(true);
    } else if (!row[5].empty() && row[6].empty() && !serial) {
      ReadDefault(row[5], c);
    }
  }

  SLUICE_ASSIGN_OR_RETURN(auto constraints, Query(pg, R"(SELECT n.nspname, c.relname, k.conname, k.contype,
        ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(attnum, i)
              JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.i),
        fn.nspname, f.relname,
        ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(attnum, i)
              JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.i),
        k.confdeltype, k.confupdtype, pg_get_constraintdef(k.oid)
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_class f ON f.oid = k.confrelid LEFT JOIN pg_namespace fn ON fn.oid = f.relnamespace
      WHERE k.contype IN ('p', 'u', 'f', 'c') AND n.nspname = ANY($1::text[]) AND c.relname NOT LIKE '\_\_sluice%'
      ORDER BY n.nspname, c.relname, k.conname)",
                                                  {list}));
  for (const auto& row : constraints.values) {
    auto it = tables.find({row[0], row[1]});
    if (it == tables.end()) continue;
    plan::CreateTable* table = it->second;
    const std::vector<std::string> cols = PgList(row[4]);
    switch (row[3][0]) {
      case 'p':
        if (cols.size() == 1) {
          for (auto& c : *table->mutable_columns()) {
            if (c.name() == cols[0]) c.set_primary_key(true);
          }
        } else {
          for (const auto& c : cols) table->add_primary_key(c);
        }
        break;
      case 'u': {
        plan::Unique* u = table->add_uniques();
        u->set_name(row[2]);
        for (const auto& c : cols) u->add_columns(c);
        break;
      }
      case 'f': {
        plan::ForeignKey* fk = table->add_foreign_keys();
        fk->set_name(row[2]);
        for (const auto& c : cols) fk->add_columns(c);
        fk->mutable_foreign_table()->set_namespace_(ns_of(row[5]));
        fk->mutable_foreign_table()->set_name(row[6]);
        for (const auto& c : PgList(row[7])) fk->add_foreign_columns(c);
        fk->set_on_delete(ActionOf(row[8]));
        fk->set_on_update(ActionOf(row[9]));
        break;
      }
      case 'c': {
        plan::Check* check = table->add_checks();
        check->set_name(row[2]);
        // "CHECK ((balance >= (0)::numeric))" → the condition's text.
        std::string def = row[10];
        if (absl::StartsWith(def, "CHECK (") && absl::EndsWith(def, ")")) def = def.substr(7, def.size() - 8);
        check->set_sql(def);
        break;
      }
    }
  }

  SLUICE_ASSIGN_OR_RETURN(
      auto indexes,
      Query(pg,
            R"(SELECT n.nspname, t.relname, i.relname, ix.indisunique, am.amname, pg_get_expr(ix.indpred, ix.indrelid),
        ARRAY(SELECT a.attname FROM unnest(ix.indkey::int2[]) WITH ORDINALITY u(attnum, k)
              JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = u.attnum ORDER BY u.k)
      FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
      WHERE n.nspname = ANY($1::text[]) AND t.relname NOT LIKE '\_\_sluice%'
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = ix.indexrelid AND k.conrelid = ix.indrelid)
      ORDER BY n.nspname, t.relname, i.relname)",
            {list}));
  for (const auto& row : indexes.values) {
    plan::CreateIndex* index = catalog.add_indexes();
    index->mutable_table()->set_namespace_(ns_of(row[0]));
    index->mutable_table()->set_name(row[1]);
    index->set_name(row[2]);
    index->set_unique(row[3] == "t");
    index->set_method(row[4] == "btree" ? "" : row[4]);
    index->set_where_sql(row[5]);
    for (const auto& c : PgList(row[6])) index->add_columns(c);
  }

  SLUICE_ASSIGN_OR_RETURN(
      auto enums, Query(pg, R"(SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = ANY($1::text[]) GROUP BY n.nspname, t.typname ORDER BY n.nspname, t.typname)",
                        {list}));
  for (const auto& row : enums.values) {
    plan::CreateEnum* e = catalog.add_enums();
    e->set_namespace_(ns_of(row[0]));
    e->set_name(row[1]);
    for (const auto& v : PgList(row[2])) e->add_values(v);
  }

  // Sequences but those that back identity columns.
  SLUICE_ASSIGN_OR_RETURN(
      auto sequences,
      Query(pg, R"(SELECT s.schemaname, s.sequencename, s.start_value, s.increment_by, s.min_value, s.max_value,
        s.cycle, s.cache_size FROM pg_sequences s
      JOIN pg_namespace n ON n.nspname = s.schemaname JOIN pg_class c ON c.relname = s.sequencename AND c.relnamespace = n.oid
      WHERE s.schemaname = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('i', 'a'))
      ORDER BY s.schemaname, s.sequencename)",
            {list}));
  for (const auto& row : sequences.values) {
    plan::CreateSequence* q = catalog.add_sequences();
    q->set_namespace_(ns_of(row[0]));
    q->set_name(row[1]);
    int64_t n = 0;
    if (absl::SimpleAtoi(row[2], &n)) q->set_start(n);
    if (absl::SimpleAtoi(row[3], &n)) q->set_increment(n);
    // Bounds only where they are not the defaults (of a bigint sequence, counting up or down).
    const bool down = q->increment() < 0;
    if (absl::SimpleAtoi(row[4], &n) && n != (down ? std::numeric_limits<int64_t>::min() : 1)) q->set_min_value(n);
    if (absl::SimpleAtoi(row[5], &n) && n != (down ? -1 : std::numeric_limits<int64_t>::max())) q->set_max_value(n);
    q->set_cycle(row[6] == "t");
    if (absl::SimpleAtoi(row[7], &n) && n > 1) q->set_cache(n);
  }

  // Row-level security: the tables' policies, and the privileges granted on them to roles other
  // than their owner (PUBLIC's are left out).
  SLUICE_ASSIGN_OR_RETURN(auto policies, Query(pg, R"(SELECT n.nspname, c.relname, p.polname, p.polcmd, p.polpermissive,
        ARRAY(SELECT r.rolname FROM pg_roles r WHERE r.oid = ANY(p.polroles) ORDER BY r.rolname),
        pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
      FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY($1::text[]) ORDER BY n.nspname, c.relname, p.polname)",
                                               {list}));
  static const std::map<std::string, plan::PolicyCommand> kCommands = {{"*", plan::POLICY_ALL},
                                                                       {"r", plan::POLICY_SELECT},
                                                                       {"a", plan::POLICY_INSERT},
                                                                       {"w", plan::POLICY_UPDATE},
                                                                       {"d", plan::POLICY_DELETE}};
  for (const auto& row : policies.values) {
    plan::CreatePolicy* policy = catalog.add_policies();
    policy->mutable_table()->set_namespace_(ns_of(row[0]));
    policy->mutable_table()->set_name(row[1]);
    policy->set_name(row[2]);
    auto command = kCommands.find(row[3]);
    policy->set_command(command == kCommands.end() ? plan::POLICY_ALL : command->second);
    policy->set_restrictive(row[4] != "t");
    for (const auto& role : PgList(row[5])) policy->add_roles(role);
    policy->set_using_sql(row[6]);
    policy->set_with_check_sql(row[7]);
  }
  SLUICE_ASSIGN_OR_RETURN(auto grants, Query(pg, R"(SELECT n.nspname, c.relname, r.rolname, a.privilege_type
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
      JOIN pg_roles r ON r.oid = a.grantee
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) AND a.grantee <> c.relowner
        AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE') AND c.relname NOT LIKE '\_\_sluice%'
      ORDER BY n.nspname, c.relname, r.rolname, a.privilege_type)",
                                             {list}));
  static const std::map<std::string, plan::Privilege> kPrivileges = {{"SELECT", plan::PRIVILEGE_SELECT},
                                                                     {"INSERT", plan::PRIVILEGE_INSERT},
                                                                     {"UPDATE", plan::PRIVILEGE_UPDATE},
                                                                     {"DELETE", plan::PRIVILEGE_DELETE}};
  for (const auto& row : grants.values) {
    plan::Grant* grant = catalog.add_grants();
    grant->mutable_table()->set_namespace_(ns_of(row[0]));
    grant->mutable_table()->set_name(row[1]);
    grant->add_roles(row[2]);
    grant->add_privileges(kPrivileges.at(row[3]));
  }
  SLUICE_ASSIGN_OR_RETURN(
      auto roles, Query(pg, "SELECT rolname FROM pg_roles WHERE NOT rolsuper AND rolname !~ '^pg_' ORDER BY 1", {}));
  for (const auto& row : roles.values) catalog.add_roles()->set_name(row[0]);

  // Views and materialized views: their query, their columns, and the fingerprint sluice left.
  SLUICE_ASSIGN_OR_RETURN(auto views, Query(pg, R"(SELECT n.nspname, c.relname, c.relkind = 'm', pg_get_viewdef(c.oid),
        coalesce(obj_description(c.oid, 'pg_class'), '')
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY($1::text[]) ORDER BY n.nspname, c.relname)",
                                            {list}));
  for (const auto& row : views.values) {
    plan::ViewDef* view = catalog.add_views();
    view->mutable_view()->set_namespace_(ns_of(row[0]));
    view->mutable_view()->set_name(row[1]);
    view->set_materialized(row[2] == "t");
    view->set_sql(std::string(absl::StripAsciiWhitespace(row[3])));
    view->set_comment(row[4]);
    for (plan::ColumnDef& c : view_columns[{row[0], row[1]}]) *view->add_columns() = std::move(c);
  }
  return catalog;
}

}  // namespace sluice::postgres
