#include "tools/sluice/diagram.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace sluice {
namespace {

// The relations (by index) that no foreign key backs, from the lint's warnings.
std::set<int> WithoutForeignKey(const v1::GetSchemaResponse& schema) {
  std::set<int> out;
  for (const v1::SchemaWarning& w : schema.warnings()) {
    int index = -1;
    if (w.code() == "RELATION_WITHOUT_FOREIGN_KEY" &&
        std::sscanf(w.field().c_str(), "schema.relations[%d].fields", &index) == 1) {
      out.insert(index);
    }
  }
  return out;
}

// `varchar`, `decimal`, `text[]`, the enum's name: one word.
std::string TypeWord(const v1::Column& c) {
  std::string type = c.type() == v1::ENUM ? c.enum_name() : absl::AsciiStrToLower(v1::ColumnType_Name(c.type()));
  return c.array() ? type + "[]" : type;
}

// `(20)`, `(10, 2)` or nothing.
std::string TypeSize(const v1::Column& c) {
  if (c.length() > 0) return absl::StrCat("(", c.length(), ")");
  if (c.precision() > 0) return absl::StrCat("(", c.precision(), ", ", c.scale(), ")");
  return "";
}

bool InPrimaryKey(const v1::Table& t, const v1::Column& c) {
  return c.primary_key() || std::count(t.primary_key().begin(), t.primary_key().end(), c.name()) > 0;
}

// The table's foreign keys: its constraints and its columns' own references.
std::vector<v1::ForeignKey> ForeignKeys(const v1::Table& t) {
  std::vector<v1::ForeignKey> out(t.foreign_keys().begin(), t.foreign_keys().end());
  for (const v1::Column& c : t.columns()) {
    if (!c.has_references()) continue;
    v1::ForeignKey& fk = out.emplace_back();
    fk.add_columns(c.name());
    fk.set_foreign_table(c.references().table());
    fk.add_foreign_columns(c.references().column());
  }
  return out;
}

// The table's columns that some foreign key starts from.
std::set<std::string> ForeignKeyColumns(const v1::Table& t) {
  std::set<std::string> out;
  for (const v1::ForeignKey& fk : ForeignKeys(t)) out.insert(fk.columns().begin(), fk.columns().end());
  return out;
}

std::string RelationLabel(const v1::Relation& r, bool without_fk) {
  return absl::StrCat(r.name(), " (", r.kind() == v1::Relation::MANY ? "many" : "one",
                      without_fk ? ", no foreign key" : "", ")");
}

std::string ForeignKeyLabel(const v1::ForeignKey& fk) {
  return absl::StrCat("fk ", absl::StrJoin(fk.columns(), ", "), " -> ", absl::StrJoin(fk.foreign_columns(), ", "));
}

std::string DotEscape(const std::string& s) {
  return absl::StrReplaceAll(s, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

}  // namespace

std::string MermaidDiagram(const v1::GetSchemaResponse& response) {
  const v1::Schema& schema = response.schema();
  const std::set<int> without_fk = WithoutForeignKey(response);
  std::string out = absl::StrCat("---\ntitle: ", schema.name(), " (version ", response.version().version(),
                                 "): foreign keys solid, relations dotted\n---\nerDiagram\n");
  for (const v1::Table& t : schema.tables()) {
    absl::StrAppend(&out, "  ", t.name(), " {\n");
    const std::set<std::string> fk_columns = ForeignKeyColumns(t);
    for (const v1::Column& c : t.columns()) {
      std::vector<std::string> keys;
      if (InPrimaryKey(t, c)) keys.push_back("PK");
      if (fk_columns.count(c.name()) > 0) keys.push_back("FK");
      std::vector<std::string> notes;
      if (!TypeSize(c).empty()) notes.push_back(TypeSize(c));
      if (c.not_null() && !InPrimaryKey(t, c)) notes.push_back("not null");
      absl::StrAppend(&out, "    ", TypeWord(c), " ", c.name(), keys.empty() ? "" : " " + absl::StrJoin(keys, ", "),
                      notes.empty() ? "" : absl::StrCat(" \"", absl::StrJoin(notes, ", "), "\""), "\n");
    }
    absl::StrAppend(&out, "  }\n");
  }
  for (const v1::Table& t : schema.tables()) {
    for (const v1::ForeignKey& fk : ForeignKeys(t)) {
      absl::StrAppend(&out, "  ", t.name(), " }o--|| ", fk.foreign_table(), " : \"", ForeignKeyLabel(fk), "\"\n");
    }
  }
  for (int i = 0; i < schema.relations_size(); ++i) {
    const v1::Relation& r = schema.relations(i);
    absl::StrAppend(&out, "  ", r.table(), r.kind() == v1::Relation::MANY ? " ||..o{ " : " }o..|| ", r.target_table(),
                    " : \"", RelationLabel(r, without_fk.count(i) > 0), "\"\n");
  }
  return out;
}

std::string DotDiagram(const v1::GetSchemaResponse& response) {
  const v1::Schema& schema = response.schema();
  const std::set<int> without_fk = WithoutForeignKey(response);
  std::string out = absl::StrCat("// ", schema.name(), " (version ", response.version().version(),
                                 "): foreign keys solid, relations dashed (red: no foreign key)\n", "digraph \"",
                                 schema.name(), "\" {\n  rankdir=LR;\n  node [shape=plaintext];\n");
  for (const v1::Table& t : schema.tables()) {
    absl::StrAppend(&out, "  \"", t.name(), "\" [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">",
                    "<tr><td bgcolor=\"lightgrey\"><b>", DotEscape(t.name()), "</b></td></tr>");
    const std::set<std::string> fk_columns = ForeignKeyColumns(t);
    for (const v1::Column& c : t.columns()) {
      std::string cell = absl::StrCat(c.name(), " ", TypeWord(c), TypeSize(c));
      if (InPrimaryKey(t, c)) absl::StrAppend(&cell, " PK");
      if (fk_columns.count(c.name()) > 0) absl::StrAppend(&cell, " FK");
      if (c.not_null() && !InPrimaryKey(t, c)) absl::StrAppend(&cell, " not null");
      absl::StrAppend(&out, "<tr><td align=\"left\">", DotEscape(cell), "</td></tr>");
    }
    absl::StrAppend(&out, "</table>>];\n");
  }
  for (const v1::Table& t : schema.tables()) {
    for (const v1::ForeignKey& fk : ForeignKeys(t)) {
      absl::StrAppend(&out, "  \"", t.name(), "\" -> \"", fk.foreign_table(), "\" [label=\"", ForeignKeyLabel(fk),
                      "\"];\n");
    }
  }
  for (int i = 0; i < schema.relations_size(); ++i) {
    const v1::Relation& r = schema.relations(i);
    const bool bare = without_fk.count(i) > 0;
    absl::StrAppend(&out, "  \"", r.table(), "\" -> \"", r.target_table(), "\" [label=\"", RelationLabel(r, bare),
                    "\", style=dashed, color=", bare ? "red" : "blue", "];\n");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace sluice
