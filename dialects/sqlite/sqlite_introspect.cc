#include "dialects/sqlite/sqlite_introspect.h"

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "dialects/sdk/plugin_support.h"
#include "dialects/sqlite/sqlite_dialect.h"

namespace sluice::sqlite {
namespace {

using Rows = std::vector<std::vector<std::string>>;

absl::StatusOr<Rows> Query(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("sqlite introspection: ", sqlite3_errmsg(db)));
  }
  Rows rows;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    rows.emplace_back();
    for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
      const unsigned char* text = sqlite3_column_text(stmt, c);
      rows.back().push_back(text ? reinterpret_cast<const char*>(text) : "");
    }
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_DONE) return absl::InternalError(absl::StrCat("sqlite introspection: ", sqlite3_errmsg(db)));
  return rows;
}

std::string Quoted(const std::string& name) { return "\"" + absl::StrReplaceAll(name, {{"\"", "\"\""}}) + "\""; }

plan::Action ActionOf(const std::string& rule) {
  if (rule == "CASCADE") return plan::CASCADE;
  if (rule == "SET NULL") return plan::SET_NULL;
  if (rule == "SET DEFAULT") return plan::SET_DEFAULT;
  if (rule == "RESTRICT") return plan::RESTRICT;
  return plan::ACTION_DEFAULT;  // NO ACTION
}

// The text inside the parentheses that open at `open` (balanced; quotes respected).
std::string Parenthesized(const std::string& sql, size_t open) {
  int depth = 0;
  char quote = 0;
  for (size_t i = open; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`')
      quote = c;
    else if (c == '(')
      ++depth;
    else if (c == ')' && --depth == 0)
      return sql.substr(open + 1, i - open - 1);
  }
  return "";
}

// 'a', 'b' (a CHECK's IN list as the dialect writes enums) into the values.
std::vector<std::string> Values(const std::string& list) {
  std::vector<std::string> out;
  std::string value;
  bool in = false;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] != '\'') {
      if (in) value += list[i];
      continue;
    }
    if (in && i + 1 < list.size() && list[i + 1] == '\'') {
      value += '\'';
      ++i;
    } else if (in) {
      out.push_back(value);
      value.clear();
      in = false;
    } else {
      in = true;
    }
  }
  return out;
}

void ReadDefault(const std::string& sql, plan::ColumnDef* column) {
  if (sql.empty()) return;
  const SqliteDialect dialect;
  std::string text = sql;
  if (text.size() > 2 && text.front() == '(' && text.back() == ')') text = text.substr(1, text.size() - 2);
  plan::Expr* e = column->mutable_default_();
  for (plan::Op op : {plan::NOW, plan::CURRENT_DATE, plan::RANDOM_UUID}) {
    if (auto fn = dialect.Function(op); fn.ok() && *fn == text) {
      e->mutable_call()->set_op(op);
      return;
    }
  }
  if (auto literal = sdk::LiteralFromSql(text)) {
    *e->mutable_literal() = *literal;
    return;
  }
  column->clear_default_();
  column->set_default_sql(sql);
}

}  // namespace

plan::Type TypeFromSql(const std::string& sql) {
  plan::Type type;
  std::string name = absl::AsciiStrToUpper(sql);
  std::vector<uint32_t> numbers;
  if (const size_t open = name.find('('); open != std::string::npos) {
    for (absl::string_view a : absl::StrSplit(name.substr(open + 1, name.find(')') - open - 1), ',')) {
      uint32_t n = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(a), &n)) numbers.push_back(n);
    }
    name = std::string(absl::StripAsciiWhitespace(name.substr(0, open)));
  }
  static const std::map<std::string, plan::TypeKind> kNames = {
      {"SMALLINT", plan::SMALLINT},   {"INTEGER", plan::INTEGER},
      {"BIGINT", plan::BIGINT},       {"TINYINT", plan::TINYINT},
      {"MEDIUMINT", plan::MEDIUMINT}, {"BOOLEAN", plan::BOOLEAN},
      {"TEXT", plan::TEXT},           {"VARCHAR", plan::VARCHAR},
      {"CHAR", plan::CHAR},           {"NUMERIC", plan::DECIMAL},
      {"REAL", plan::REAL},           {"DOUBLE", plan::DOUBLE},
      {"DATE", plan::DATE},           {"TIME", plan::TIME},
      {"TIMESTAMP", plan::TIMESTAMP}, {"TIMESTAMPTZ", plan::TIMESTAMPTZ},
      {"BLOB", plan::BYTES}};
  auto it = kNames.find(name);
  type.set_kind(it == kNames.end() ? plan::TEXT : it->second);
  if ((type.kind() == plan::VARCHAR || type.kind() == plan::CHAR) && !numbers.empty()) type.set_length(numbers[0]);
  if (type.kind() == plan::DECIMAL && numbers.size() == 2) {
    type.set_precision(numbers[0]);
    type.set_scale(numbers[1]);
  }
  return type;
}

absl::StatusOr<plan::Catalog> Introspect(sqlite3* db) {
  plan::Catalog catalog;
  SLUICE_ASSIGN_OR_RETURN(
      auto tables,
      Query(db, R"(SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'
      AND name NOT LIKE '\_\_sluice%' ESCAPE '\' ORDER BY name)"));
  for (const auto& t : tables) {
    const std::string& name = t[0];
    const std::string& sql = t[1];
    plan::CreateTable* table = catalog.add_tables();
    table->mutable_table()->set_name(name);
    SLUICE_ASSIGN_OR_RETURN(auto columns, Query(db, "PRAGMA table_xinfo(" + Quoted(name) + ")"));
    std::vector<std::string> primary;
    for (const auto& row : columns) {  // cid, name, type, notnull, dflt_value, pk, hidden
      plan::ColumnDef* c = table->add_columns();
      c->set_name(row[1]);
      *c->mutable_type() = TypeFromSql(row[2]);
      c->set_not_null(row[3] == "1");
      ReadDefault(row[4], c);
      if (row[6] == "2" || row[6] == "3") {  // generated, VIRTUAL or STORED: the text in its definition
        const std::string marker = "GENERATED ALWAYS AS (";
        const size_t at = sql.find(marker, sql.find(Quoted(row[1]) + " "));
        if (at != std::string::npos) c->set_generated_sql(Parenthesized(sql, at + marker.size() - 1));
        c->set_generated_stored(row[6] == "3");
      }
      if (row[5] != "0") primary.push_back(row[1]);
      // An enum column: the dialect's CHECK ("c" IN ('a', 'b')) in its definition.
      const std::string check = "CHECK (" + Quoted(row[1]) + " IN (";
      if (const size_t at = sql.find(check); at != std::string::npos && c->type().kind() == plan::TEXT) {
        const size_t open = at + check.size() - 1;
        c->mutable_type()->set_kind(plan::ENUM);
        for (const auto& v : Values(Parenthesized(sql, open))) c->mutable_type()->add_enum_values(v);
      }
    }
    if (primary.size() == 1) {
      for (auto& c : *table->mutable_columns()) {
        if (c.name() == primary[0]) {
          c.set_primary_key(true);
          c.set_auto_increment(absl::StrContains(absl::AsciiStrToUpper(sql), "AUTOINCREMENT"));
        }
      }
    } else {
      for (const auto& c : primary) table->add_primary_key(c);
    }
    // Table checks: CONSTRAINT "name" CHECK (...).
    for (size_t at = sql.find("CONSTRAINT \""); at != std::string::npos; at = sql.find("CONSTRAINT \"", at + 1)) {
      const size_t end = sql.find('"', at + 12);
      const std::string constraint = sql.substr(at + 12, end - at - 12);
      const std::string rest = sql.substr(end + 1, 8);
      if (absl::StartsWith(rest, " CHECK (")) {
        plan::Check* check = table->add_checks();
        check->set_name(constraint);
        check->set_sql(Parenthesized(sql, end + 8));  // the text inside CHECK ( ... )
      }
    }
    // id, seq, table, from, to, on_update, on_delete
    SLUICE_ASSIGN_OR_RETURN(auto fks, Query(db, "PRAGMA foreign_key_list(" + Quoted(name) + ")"));
    std::map<std::string, plan::ForeignKey*> by_id;
    for (const auto& row : fks) {
      plan::ForeignKey*& fk = by_id[row[0]];
      if (fk == nullptr) {
        fk = table->add_foreign_keys();
        fk->mutable_foreign_table()->set_name(row[2]);
        fk->set_on_update(ActionOf(row[5]));
        fk->set_on_delete(ActionOf(row[6]));
      }
      fk->add_columns(row[3]);
      fk->add_foreign_columns(row[4]);
    }
    // seq, name, unique, origin, partial
    SLUICE_ASSIGN_OR_RETURN(auto indexes, Query(db, "PRAGMA index_list(" + Quoted(name) + ")"));
    for (const auto& row : indexes) {
      // seqno, cid, name
      SLUICE_ASSIGN_OR_RETURN(auto info, Query(db, "PRAGMA index_info(" + Quoted(row[1]) + ")"));
      if (row[3] == "pk") continue;
      if (row[3] == "u") {  // a UNIQUE constraint (its name is SQLite's own)
        plan::Unique* u = table->add_uniques();
        for (const auto& c : info) u->add_columns(c[2]);
        continue;
      }
      plan::CreateIndex* index = catalog.add_indexes();
      index->mutable_table()->set_name(name);
      index->set_name(row[1]);
      index->set_unique(row[2] == "1");
      for (const auto& c : info) index->add_columns(c[2]);
      if (row[4] == "1") {
        auto def = Query(db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '" +
                                 absl::StrReplaceAll(row[1], {{"'", "''"}}) + "'");
        if (def.ok() && !def->empty()) {
          const std::string& text = (*def)[0][0];
          const size_t where = absl::AsciiStrToUpper(text).rfind(" WHERE ");
          if (where != std::string::npos) index->set_where_sql(text.substr(where + 7));
        }
      }
    }
  }
  SLUICE_ASSIGN_OR_RETURN(auto views,
                          Query(db, "SELECT name, sql FROM sqlite_master WHERE type = 'view' ORDER BY name"));
  for (const auto& v : views) {
    plan::ViewDef* view = catalog.add_views();
    view->mutable_view()->set_name(v[0]);
    view->set_sql(v[1]);  // the CREATE VIEW statement as it was run
    SLUICE_ASSIGN_OR_RETURN(auto columns, Query(db, "PRAGMA table_info(" + Quoted(v[0]) + ")"));
    for (const auto& row : columns) {  // cid, name, type, ...
      plan::ColumnDef* c = view->add_columns();
      c->set_name(row[1]);
      *c->mutable_type() = TypeFromSql(row[2]);
    }
  }
  return catalog;
}

}  // namespace sluice::sqlite
