#include "typed/field_numbers.h"

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "typed/renames.h"

namespace sluice::typed {
namespace {

using NameMap = google::protobuf::Map<std::string, uint32_t>;

// Numbers `columns` and `relations` (names now) of `table` after `before` (null: none); a column
// renamed by `renames` keeps its number.
absl::StatusOr<MessageNumbers> Renumber(const MessageNumbers* before, const std::vector<std::string>& columns,
                                        const std::vector<std::string>& relations, const Renames& renames,
                                        const std::string& table, const std::string& what) {
  MessageNumbers out;
  out.set_next(before != nullptr ? std::max<uint32_t>(1, before->next()) : 1);
  std::set<uint32_t> kept;
  std::set<std::string> in_use(columns.begin(), columns.end());
  in_use.insert(relations.begin(), relations.end());
  auto give = [&](const std::vector<std::string>& names, const NameMap* old, NameMap* into,
                  bool columns) -> absl::Status {
    for (const std::string& name : names) {
      uint32_t number = 0;
      if (old != nullptr) {
        auto it = old->find(columns ? renames.ColumnBefore(table, name) : name);
        if (it != old->end() && kept.count(it->second) == 0) number = it->second;
      }
      if (number == 0) {
        number = out.next();
        if (number > kMaxFieldNumber) {
          return absl::ResourceExhaustedError(absl::StrCat(what, " has used every field number up to ", kMaxFieldNumber,
                                                           ": register it under a new name"));
        }
        out.set_next(number + 1);
      }
      kept.insert(number);
      (*into)[name] = number;
    }
    return absl::OkStatus();
  };
  absl::Status status = give(columns, before != nullptr ? &before->columns() : nullptr, out.mutable_columns(), true);
  if (status.ok()) {
    status = give(relations, before != nullptr ? &before->relations() : nullptr, out.mutable_relations(), false);
  }
  if (!status.ok()) return status;
  if (before == nullptr) return out;
  auto reserve = [&](uint32_t number, const std::string& name) {
    Reserved* r = out.add_reserved();
    r->set_number(number);
    if (in_use.count(name) == 0) r->set_name(name);  // a name in use again is not reserved
  };
  for (const Reserved& r : before->reserved()) reserve(r.number(), r.name());
  for (const NameMap* old : {&before->columns(), &before->relations()}) {
    // In number order: the ledger reads the same however the map iterates.
    std::map<uint32_t, std::string> by_number;
    for (const auto& [name, number] : *old) by_number[number] = name;
    for (const auto& [number, name] : by_number) {
      if (kept.count(number) == 0) reserve(number, name);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<FieldNumbers> NextFieldNumbers(const FieldNumbers& previous, const v1::Schema& schema,
                                              const std::vector<v1::RenameHint>& renames) {
  const Renames renamed(renames);
  FieldNumbers out;
  auto number = [&](const std::string& name, const std::vector<std::string>& columns,
                    const std::vector<std::string>& relations) -> absl::Status {
    auto before = previous.tables().find(renamed.TableBefore(name));
    absl::StatusOr<MessageNumbers> numbers =
        Renumber(before != previous.tables().end() ? &before->second : nullptr, columns, relations, renamed, name,
                 absl::StrCat("table `", name, "`"));
    if (!numbers.ok()) return numbers.status();
    (*out.mutable_tables())[name] = *std::move(numbers);
    return absl::OkStatus();
  };
  auto relations_of = [&](const std::string& table) {
    std::vector<std::string> names;
    for (const v1::Relation& r : schema.relations()) {
      if (r.table() == table) names.push_back(r.name());
    }
    return names;
  };
  for (const v1::Table& table : schema.tables()) {
    std::vector<std::string> columns;
    for (const v1::Column& c : table.columns()) columns.push_back(c.name());
    if (absl::Status s = number(table.name(), columns, relations_of(table.name())); !s.ok()) return s;
  }
  for (const v1::View& view : schema.views()) {
    std::vector<std::string> columns;
    for (const v1::Column& c : view.columns()) columns.push_back(c.name());
    if (absl::Status s = number(view.name(), columns, relations_of(view.name())); !s.ok()) return s;
  }
  const Renames values_keep_their_names({});
  for (const v1::Enum& e : schema.enums()) {
    auto before = previous.enums().find(e.name());
    absl::StatusOr<MessageNumbers> numbers =
        Renumber(before != previous.enums().end() ? &before->second : nullptr, {e.values().begin(), e.values().end()},
                 {}, values_keep_their_names, e.name(), absl::StrCat("enum `", e.name(), "`"));
    if (!numbers.ok()) return numbers.status();
    (*out.mutable_enums())[e.name()] = *std::move(numbers);
  }
  return out;
}

}  // namespace sluice::typed
