#include "typed/client_breaking.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "typed/names.h"
#include "typed/renames.h"
#include "typed/schema_file.h"

namespace sluice::typed {
namespace {

// Tables and views by name, with their columns.
std::map<std::string, const google::protobuf::RepeatedPtrField<v1::Column>*> Tables(const v1::Schema& schema) {
  std::map<std::string, const google::protobuf::RepeatedPtrField<v1::Column>*> out;
  for (const v1::Table& t : schema.tables()) out[t.name()] = &t.columns();
  for (const v1::View& v : schema.views()) out[v.name()] = &v.columns();
  return out;
}

std::string Shape(const v1::Column& c) {
  return absl::StrCat(ProtoTypeName(c), !c.not_null() && !c.primary_key() && !c.array() ? " (optional)" : "");
}

}  // namespace

std::vector<std::string> ClientBreakingChanges(const v1::Schema& before, const v1::Schema& after,
                                               const std::vector<v1::RenameHint>& renames) {
  const Renames renamed(renames);
  const auto was = Tables(before);
  const auto now = Tables(after);
  std::vector<std::string> out;
  std::map<std::string, bool> kept;  // old table names still served
  for (const auto& [name, columns] : now) {
    const std::string& old_name = renamed.TableBefore(name);
    auto it = was.find(old_name);
    if (it == was.end()) continue;  // a new table: nothing breaks
    kept[old_name] = true;
    if (old_name != name) {
      out.push_back(absl::StrCat("table `", old_name, "` renamed to `", name, "`: service ", MessageNameOf(old_name),
                                 "Service is now ", MessageNameOf(name), "Service"));
    }
    std::map<std::string, const v1::Column*> old_columns;
    for (const v1::Column& c : *it->second) old_columns[c.name()] = &c;
    std::map<std::string, bool> kept_columns;
    for (const v1::Column& c : *columns) {
      const std::string& old = renamed.ColumnBefore(name, c.name());
      auto prior = old_columns.find(old);
      if (prior == old_columns.end()) continue;
      kept_columns[old] = true;
      if (old != c.name()) {
        out.push_back(absl::StrCat("column `", name, ".", old, "` renamed to `", c.name(),
                                   "`: its field keeps its number, under a new name"));
      }
      if (Shape(*prior->second) != Shape(c)) {
        out.push_back(
            absl::StrCat("column `", name, ".", c.name(), "` changes type: ", Shape(*prior->second), " → ", Shape(c)));
      }
    }
    for (const v1::Column& c : *it->second) {
      if (!kept_columns[c.name()]) out.push_back(absl::StrCat("column `", name, ".", c.name(), "` dropped"));
    }
  }
  for (const auto& [name, columns] : was) {
    if (!kept[name])
      out.push_back(absl::StrCat("table `", name, "` dropped: service ", MessageNameOf(name), "Service is gone"));
  }
  std::map<std::string, const v1::Enum*> enums;
  for (const v1::Enum& e : after.enums()) enums[e.name()] = &e;
  for (const v1::Enum& e : before.enums()) {
    auto it = enums.find(e.name());
    for (const std::string& value : e.values()) {
      if (it == enums.end() ||
          std::find(it->second->values().begin(), it->second->values().end(), value) == it->second->values().end()) {
        out.push_back(absl::StrCat("enum `", e.name(), "` loses value `", value, "`"));
      }
    }
  }
  return out;
}

}  // namespace sluice::typed
