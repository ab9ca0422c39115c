#include "dialects/mysql/mysql_introspect.h"

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"
#include "dialects/mysql/mysql_dialect.h"
#include "dialects/sdk/plugin_support.h"

namespace sluice::mysql {
namespace {

using Rows = std::vector<std::vector<std::string>>;

absl::StatusOr<Rows> Query(MYSQL* my, const std::string& sql) {
  if (mysql_query(my, sql.c_str()) != 0) {
    return absl::InternalError(absl::StrCat("mysql introspection: ", mysql_error(my)));
  }
  MYSQL_RES* r = mysql_store_result(my);
  Rows rows;
  if (r == nullptr) return rows;
  const unsigned n = mysql_num_fields(r);
  while (MYSQL_ROW row = mysql_fetch_row(r)) {
    unsigned long* lengths = mysql_fetch_lengths(r);
    rows.emplace_back();
    for (unsigned i = 0; i < n; ++i) rows.back().push_back(row[i] ? std::string(row[i], lengths[i]) : std::string());
  }
  mysql_free_result(r);
  return rows;
}

plan::Action ActionOf(const std::string& rule) {
  if (rule == "CASCADE") return plan::CASCADE;
  if (rule == "SET NULL") return plan::SET_NULL;
  if (rule == "SET DEFAULT") return plan::SET_DEFAULT;
  if (rule == "NO ACTION") return plan::NO_ACTION;
  return plan::ACTION_DEFAULT;  // RESTRICT: what MySQL reports for an unspecified action
}

// A COLUMN_DEFAULT as MariaDB writes it (literals quoted, NULL as the word NULL).
void ReadDefault(const std::string& sql, plan::ColumnDef* column) {
  if (sql.empty() || sql == "NULL") return;
  const MysqlDialect dialect;
  plan::Expr* e = column->mutable_default_();
  const std::string lower = absl::AsciiStrToLower(sql);
  if (absl::StartsWith(lower, "current_timestamp")) {
    e->mutable_call()->set_op(plan::NOW);
  } else if (lower == "curdate()") {
    e->mutable_call()->set_op(plan::CURRENT_DATE);
  } else if (absl::StrContains(lower, "random_bytes")) {  // the dialect's version 4 UUID
    e->mutable_call()->set_op(plan::RANDOM_UUID);
  } else if (auto literal = sdk::LiteralFromSql(sql)) {
    *e->mutable_literal() = *literal;
  } else {
    column->clear_default_();
    column->set_default_sql(sql);
  }
}

}  // namespace

plan::Type TypeFromSql(const std::string& sql) {
  plan::Type type;
  std::string name = absl::AsciiStrToLower(sql);
  if (absl::EndsWith(name, " unsigned")) {
    type.set_unsigned_(true);
    name.resize(name.size() - 9);
  }
  std::string args;
  if (const size_t open = name.find('('); open != std::string::npos) {
    args = name.substr(open + 1, name.rfind(')') - open - 1);
    name = name.substr(0, open);
  }
  if (name == "enum") {
    type.set_kind(plan::ENUM);
    // 'a','b' with '' for a quote inside a value, and the server's backslash escapes (COLUMN_TYPE
    // writes \\ for a backslash whatever the sql_mode, \0 \n \r \Z for those bytes).
    std::string value;
    bool in = false;
    std::string raw = sql.substr(sql.find('(') + 1, sql.rfind(')') - sql.find('(') - 1);
    for (size_t i = 0; i < raw.size(); ++i) {
      if (in && raw[i] == '\\' && i + 1 < raw.size()) {
        static const std::map<char, char> kEscapes = {{'0', '\0'}, {'n', '\n'}, {'r', '\r'}, {'Z', '\032'}};
        const char next = raw[++i];
        auto it = kEscapes.find(next);
        value += it == kEscapes.end() ? next : it->second;
      } else if (raw[i] == '\'') {
        if (in && i + 1 < raw.size() && raw[i + 1] == '\'') {
          value += '\'';
          ++i;
        } else if (in) {
          type.add_enum_values(value);
          value.clear();
          in = false;
        } else {
          in = true;
        }
      } else if (in) {
        value += raw[i];
      }
    }
    return type;
  }
  std::vector<uint32_t> numbers;
  for (absl::string_view a : absl::StrSplit(args, ',', absl::SkipEmpty())) {
    uint32_t n = 0;
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(a), &n)) numbers.push_back(n);
  }
  static const std::map<std::string, plan::TypeKind> kNames = {{"tinyint", plan::TINYINT},
                                                               {"smallint", plan::SMALLINT},
                                                               {"mediumint", plan::MEDIUMINT},
                                                               {"int", plan::INTEGER},
                                                               {"bigint", plan::BIGINT},
                                                               {"decimal", plan::DECIMAL},
                                                               {"float", plan::REAL},
                                                               {"double", plan::DOUBLE},
                                                               {"char", plan::CHAR},
                                                               {"varchar", plan::VARCHAR},
                                                               {"longtext", plan::TEXT},
                                                               {"text", plan::TEXT},
                                                               {"mediumtext", plan::TEXT},
                                                               {"date", plan::DATE},
                                                               {"time", plan::TIME},
                                                               {"datetime", plan::TIMESTAMP},
                                                               {"timestamp", plan::TIMESTAMPTZ},
                                                               {"uuid", plan::UUID},
                                                               {"varbinary", plan::BYTES},
                                                               {"longblob", plan::BYTES},
                                                               {"blob", plan::BYTES},
                                                               {"json", plan::JSON}};
  if (name == "tinyint" && !numbers.empty() && numbers[0] == 1) {
    type.set_kind(plan::BOOLEAN);
    return type;
  }
  auto it = kNames.find(name);
  type.set_kind(it == kNames.end() ? plan::TEXT : it->second);
  if (type.kind() == plan::VARCHAR || type.kind() == plan::CHAR ||
      (type.kind() == plan::BYTES && name == "varbinary")) {
    if (!numbers.empty()) type.set_length(numbers[0]);
  }
  if (type.kind() == plan::DECIMAL && numbers.size() == 2) {
    type.set_precision(numbers[0]);
    type.set_scale(numbers[1]);
  }
  return type;
}

absl::StatusOr<plan::Catalog> Introspect(MYSQL* my) {
  plan::Catalog catalog;
  std::map<std::string, plan::CreateTable*> tables;
  auto column = [&](const std::string& table, const std::string& name) -> plan::ColumnDef* {
    auto it = tables.find(table);
    if (it == tables.end()) return nullptr;
    for (auto& c : *it->second->mutable_columns()) {
      if (c.name() == name) return &c;
    }
    return nullptr;
  };
  SLUICE_ASSIGN_OR_RETURN(auto columns,
                          Query(my, R"(SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
        coalesce(GENERATION_EXPRESSION, '')
      FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\_\_sluice%'
      ORDER BY TABLE_NAME, ORDINAL_POSITION)"));
  for (const auto& row : columns) {
    plan::CreateTable*& table = tables[row[0]];
    if (table == nullptr) {
      table = catalog.add_tables();
      table->mutable_table()->set_name(row[0]);
    }
    plan::ColumnDef* c = table->add_columns();
    c->set_name(row[1]);
    *c->mutable_type() = TypeFromSql(row[2]);
    c->set_not_null(row[3] == "NO");
    c->set_auto_increment(absl::StrContains(row[5], "auto_increment"));
    if (absl::StrContains(row[5], "GENERATED")) {  // STORED GENERATED / VIRTUAL GENERATED
      c->set_generated_sql(row[6]);
      c->set_generated_stored(absl::StrContains(row[5], "STORED"));
    } else {
      ReadDefault(row[4], c);
    }
  }

  // Checks: a column's json_valid(`c`) makes it JSON; the rest are the table's.
  SLUICE_ASSIGN_OR_RETURN(
      auto checks,
      Query(my, R"(SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL FROM information_schema.CHECK_CONSTRAINTS
      WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY TABLE_NAME, CONSTRAINT_NAME)"));
  for (const auto& row : checks) {
    if (row[3] == "Column" && absl::StartsWith(row[2], "json_valid(")) {
      if (plan::ColumnDef* c = column(row[0], row[1])) c->mutable_type()->set_kind(plan::JSON);
      continue;
    }
    auto it = tables.find(row[0]);
    if (it == tables.end()) continue;
    plan::Check* check = it->second->add_checks();
    check->set_name(row[1]);
    check->set_sql(row[2]);
  }

  SLUICE_ASSIGN_OR_RETURN(
      auto keys,
      Query(my, R"(SELECT t.TABLE_NAME, t.CONSTRAINT_NAME, t.CONSTRAINT_TYPE, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
        k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
      FROM information_schema.TABLE_CONSTRAINTS t
      JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND k.TABLE_NAME = t.TABLE_NAME
        AND k.CONSTRAINT_NAME = t.CONSTRAINT_NAME
      LEFT JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA
        AND r.TABLE_NAME = t.TABLE_NAME AND r.CONSTRAINT_NAME = t.CONSTRAINT_NAME
      WHERE t.CONSTRAINT_SCHEMA = DATABASE() AND t.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')
      ORDER BY t.TABLE_NAME, t.CONSTRAINT_TYPE, t.CONSTRAINT_NAME, k.ORDINAL_POSITION)"));
  std::set<std::pair<std::string, std::string>> constraint_indexes;  // (table, index name)
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> primary;
  std::map<std::pair<std::string, std::string>, plan::Unique*> uniques;
  std::map<std::pair<std::string, std::string>, plan::ForeignKey*> foreign;
  for (const auto& row : keys) {
    auto it = tables.find(row[0]);
    if (it == tables.end()) continue;
    const std::pair<std::string, std::string> key{row[0], row[1]};
    constraint_indexes.insert(key);
    if (row[2] == "PRIMARY KEY") {
      primary[key].push_back(row[3]);
    } else if (row[2] == "UNIQUE") {
      plan::Unique*& u = uniques[key];
      if (u == nullptr) {
        u = it->second->add_uniques();
        u->set_name(row[1]);
      }
      u->add_columns(row[3]);
    } else {
      plan::ForeignKey*& fk = foreign[key];
      if (fk == nullptr) {
        fk = it->second->add_foreign_keys();
        fk->set_name(row[1]);
        fk->mutable_foreign_table()->set_name(row[4]);
        fk->set_on_update(ActionOf(row[6]));
        fk->set_on_delete(ActionOf(row[7]));
      }
      fk->add_columns(row[3]);
      fk->add_foreign_columns(row[5]);
    }
  }
  for (const auto& [key, cols] : primary) {
    if (cols.size() == 1) {
      if (plan::ColumnDef* c = column(key.first, cols[0])) c->set_primary_key(true);
    } else {
      for (const auto& c : cols) tables[key.first]->add_primary_key(c);
    }
  }

  SLUICE_ASSIGN_OR_RETURN(
      auto indexes,
      Query(my, R"(SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\_\_sluice%' AND INDEX_NAME <> 'PRIMARY'
      ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX)"));
  std::map<std::pair<std::string, std::string>, plan::CreateIndex*> by_name;
  for (const auto& row : indexes) {
    const std::pair<std::string, std::string> key{row[0], row[1]};
    if (constraint_indexes.count(key)) continue;  // a unique constraint's, or a foreign key's own
    plan::CreateIndex*& index = by_name[key];
    if (index == nullptr) {
      index = catalog.add_indexes();
      index->mutable_table()->set_name(row[0]);
      index->set_name(row[1]);
      index->set_unique(row[2] == "0");
    }
    index->add_columns(row[3]);
  }
  // Views: information_schema.COLUMNS lists their columns beside the tables'; they move over.
  SLUICE_ASSIGN_OR_RETURN(auto views, Query(my, R"(SELECT TABLE_NAME, VIEW_DEFINITION FROM information_schema.VIEWS
      WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME)"));
  std::map<std::string, std::string> definitions;
  for (const auto& row : views) definitions[row[0]] = row[1];
  google::protobuf::RepeatedPtrField<plan::CreateTable> kept;
  for (plan::CreateTable& table : *catalog.mutable_tables()) {
    auto it = definitions.find(table.table().name());
    if (it == definitions.end()) {
      *kept.Add() = std::move(table);
      continue;
    }
    plan::ViewDef* view = catalog.add_views();
    view->mutable_view()->set_name(it->first);
    view->set_sql(it->second);
    for (plan::ColumnDef& c : *table.mutable_columns()) {
      plan::ColumnDef* out = view->add_columns();
      out->set_name(c.name());
      *out->mutable_type() = c.type();
    }
  }
  *catalog.mutable_tables() = std::move(kept);
  return catalog;
}

}  // namespace sluice::mysql
