#include "tools/sluice/migrations_folder.h"

#include <dirent.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/file.h"
#include "google/protobuf/util/json_util.h"
#include "tools/sluice/output.h"

namespace sluice::cli {
namespace {

constexpr char kBreakpoint[] = "\n--> statement-breakpoint\n";
constexpr char kNoTransaction[] = "-- sluice:no-transaction";

// "0003_name" → "0003".
std::string Number(const std::string& name) { return name.substr(0, name.find('_')); }

std::vector<std::string> Split(const std::string& sql) {
  std::vector<std::string> out;
  size_t at = 0;
  for (size_t next; (next = sql.find(kBreakpoint, at)) != std::string::npos; at = next + sizeof(kBreakpoint) - 1) {
    out.push_back(sql.substr(at, next - at));
  }
  std::string last = sql.substr(at);
  while (!last.empty() && (last.back() == '\n')) last.pop_back();
  if (!last.empty() || !out.empty()) out.push_back(last);
  return out;
}

}  // namespace

std::string ReadFolder(const std::string& dir, Folder* folder) {
  std::string text;
  // The journal and snapshots live in meta/; a flat folder (a Kubernetes ConfigMap mounted as a
  // volume holds no subfolders) has them beside the SQL files.
  std::string meta = dir + "/meta";
  std::string journal = meta + "/_journal.json";
  if (!ReadFile(journal, &text)) {
    meta = dir;
    journal = dir + "/_journal.json";
    if (!ReadFile(journal, &text)) return "";  // no folder yet: no migrations
  }
  auto status = google::protobuf::util::JsonStringToMessage(text, &folder->journal);
  if (!status.ok()) return "cannot parse " + journal + ": " + std::string(status.message());
  std::set<std::string> listed;
  for (const auto& entry : folder->journal.entries()) {
    listed.insert(entry.name() + ".sql");
    v1::Migration m;
    m.set_name(entry.name());
    m.set_hash(entry.hash());
    m.set_parent(entry.parent());
    std::string sql, snapshot;
    if (!ReadFile(dir + "/" + entry.name() + ".sql", &sql)) {
      folder->problems.push_back("the journal lists `" + entry.name() + "`, but " + entry.name() + ".sql is missing");
      continue;
    }
    // A first line `-- sluice:no-transaction` marks it. Comments stay in the statements (an edited
    // comment is an edit), but a part that is only comments is no statement.
    m.set_no_transaction(sql.rfind(kNoTransaction, 0) == 0);
    for (std::string& s : Split(sql)) {
      bool code = false;
      for (absl::string_view line : absl::StrSplit(s, '\n')) {
        const absl::string_view text = absl::StripAsciiWhitespace(line);
        code |= !text.empty() && !absl::StartsWith(text, "--");
      }
      if (code) m.add_statements(std::move(s));
    }
    const std::string snapshot_path = meta + "/" + Number(entry.name()) + "_snapshot.json";
    if (!ReadFile(snapshot_path, &snapshot) ||
        !google::protobuf::util::JsonStringToMessage(snapshot, m.mutable_snapshot()).ok()) {
      folder->problems.push_back("the snapshot of `" + entry.name() + "` (" + snapshot_path +
                                 ") is missing or does not parse");
      continue;
    }
    folder->migrations.push_back(std::move(m));
  }
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".sql") == 0 && !listed.count(name)) {
        folder->problems.push_back(name + " is not in the journal");
      }
    }
    closedir(d);
  }
  return "";
}

std::string RequireMigrations(const std::string& dir, const Folder& folder) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return dir + ": no such folder (`sluice generate SCHEMA --out " + dir + "` writes a migrations folder)";
  }
  if (!folder.journal.entries_size() && folder.problems.empty()) {
    return dir + ": no migrations here (no " + dir + "/meta/_journal.json, or it lists none; `sluice generate " +
           "SCHEMA --out " + dir + "` writes them)";
  }
  return "";
}

std::string RequireSchema(const std::string& dir, const Folder& folder, const std::string& schema) {
  if (schema.empty() || folder.journal.schema().empty() || folder.journal.schema() == schema) return "";
  return dir + " holds the migrations of schema `" + folder.journal.schema() + "`, not of `" + schema + "`";
}

std::string AppendMigration(const std::string& dir, const std::string& schema, const v1::Migration& migration,
                            bool custom) {
  Folder folder;
  std::string error = ReadFolder(dir, &folder);
  if (!error.empty()) return error;
  mkdir(dir.c_str(), 0755);
  mkdir((dir + "/meta").c_str(), 0755);
  std::string sql = migration.no_transaction() ? std::string(kNoTransaction) + "\n" : "";
  for (int i = 0; i < migration.statements_size(); ++i) {
    if (i > 0) sql += kBreakpoint;
    sql += migration.statements(i);
  }
  if (custom) {
    sql = absl::StrCat(
        "-- A migration written by hand (sluice generate --custom): its SQL below, statements separated by a line\n"
        "-- `--> statement-breakpoint`. A first line `",
        kNoTransaction,
        "` runs it outside a transaction\n"
        "-- (CREATE INDEX CONCURRENTLY). Lines that are only comments are not run.\n");
  }
  if (!WriteFile(dir + "/" + migration.name() + ".sql", sql + "\n"))
    return "cannot write " + dir + "/" + migration.name() + ".sql";
  if (!WriteFile(dir + "/meta/" + Number(migration.name()) + "_snapshot.json", IndentedJson(migration.snapshot()))) {
    return "cannot write the snapshot";
  }
  folder.journal.set_schema(schema);
  auto* entry = folder.journal.add_entries();
  entry->set_name(migration.name());
  entry->set_hash(custom ? "" : migration.hash());
  entry->set_custom(custom);
  entry->set_parent(migration.parent());
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  entry->set_generated_at(when);
  if (!WriteFile(dir + "/meta/_journal.json", IndentedJson(folder.journal))) return "cannot write the journal";
  return "";
}

}  // namespace sluice::cli
