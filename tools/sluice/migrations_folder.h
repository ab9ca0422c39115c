// A migrations folder (see sluice.v1.MigrationJournal): read into migrations, appended to, and
// checked for files the journal does not match.
#ifndef SLUICE_TOOLS_SLUICE_MIGRATIONS_FOLDER_H_
#define SLUICE_TOOLS_SLUICE_MIGRATIONS_FOLDER_H_

#include <string>
#include <vector>

#include "sluice/v1/migration_service.pb.h"

namespace sluice::cli {

struct Folder {
  v1::MigrationJournal journal;
  // In journal order; a migration whose files are missing is left out (see problems).
  std::vector<v1::Migration> migrations;
  // Files that do not match the journal: missing, or not in it.
  std::vector<std::string> problems;
};

// Reads `dir` (an absent folder is an empty one): DIR/NNNN_name.sql with DIR/meta/_journal.json
// and DIR/meta/NNNN_snapshot.json, or all of them flat in DIR (as a ConfigMap volume holds them).
// "" or the reason it cannot be read.
std::string ReadFolder(const std::string& dir, Folder* folder);

// "" when `folder` (read from `dir`) lists migrations; else what is wrong (no folder, no
// journal, an empty one) and how to make one.
std::string RequireMigrations(const std::string& dir, const Folder& folder);

// "" when `folder` belongs to `schema` (or either is unnamed); else the mismatch, naming both.
std::string RequireSchema(const std::string& dir, const Folder& folder, const std::string& schema);

// Adds `migration` to `dir`: its SQL file, its snapshot, its journal entry. "" or the reason.
// `custom`: an empty migration to write by hand (a commented SQL file, no hash in the journal).
std::string AppendMigration(const std::string& dir, const std::string& schema, const v1::Migration& migration,
                            bool custom = false);

}  // namespace sluice::cli

#endif  // SLUICE_TOOLS_SLUICE_MIGRATIONS_FOLDER_H_
