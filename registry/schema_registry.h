// Registered schemas, stored durably in each database's `__sluice_schemas` table, so that every
// replica and every restart sees the same versions.
#ifndef SLUICE_REGISTRY_SCHEMA_REGISTRY_H_
#define SLUICE_REGISTRY_SCHEMA_REGISTRY_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "schema/schema_index.h"
#include "sluice/v1/schema_service.pb.h"
#include "typed/typed_schema.h"

namespace sluice {

struct RegisteredSchema {
  v1::SchemaVersion version;
  std::shared_ptr<const SchemaIndex> index;
  // Its typed API (set by Register and Typed).
  std::shared_ptr<const typed::TypedSchema> typed;
};

struct Registration {
  RegisteredSchema schema;
  bool created = false;
  std::vector<v1::SchemaWarning> warnings;  // the schema's lint
};

// The content hash of a schema: SHA-256 of its deterministic protobuf encoding.
std::string SchemaHash(const v1::Schema& schema);

class SchemaRegistry {
 public:
  // How long a resolved schema is trusted before the database is asked whether another replica
  // registered a newer version.
  static constexpr std::chrono::milliseconds kFreshFor{1000};

  // Validates, lints and stores `schema` (idempotent by hash; a changed schema is the next
  // version) with its typed API's field numbers (`__sluice_field_numbers`), carried over from
  // the latest version through `renames`. `strict`: lint warnings refuse the schema
  // (INVALID_ARGUMENT, nothing stored).
  absl::StatusOr<Registration> Register(Database& db, const CallContext& call, const v1::Schema& schema, bool strict,
                                        const std::vector<v1::RenameHint>& renames = {});

  // The latest version (or `version`) with its typed API.
  absl::StatusOr<RegisteredSchema> Typed(Database& db, const CallContext& call, const std::string& name,
                                         uint32_t version);

  // The latest version (or `version` when not 0). NOT_FOUND when absent.
  absl::StatusOr<RegisteredSchema> Get(Database& db, const CallContext& call, const std::string& name,
                                       uint32_t version);

  // Every schema's latest version.
  absl::StatusOr<std::vector<v1::SchemaVersion>> List(Database& db, const CallContext& call);

  // The latest version for the query path: cached, re-checked after kFreshFor.
  absl::StatusOr<std::shared_ptr<const SchemaIndex>> Resolve(Database& db, const CallContext& call,
                                                             const std::string& name);
  // The same when the cached version is still fresh, without asking the database; nullptr when
  // only Resolve can tell.
  std::shared_ptr<const SchemaIndex> Fresh(const Database& db, const std::string& name);

 private:
  struct Cached {
    RegisteredSchema schema;
    std::chrono::steady_clock::time_point checked;
  };

  absl::Status EnsureTable(Database& db, const CallContext& call);
  // The latest version row of `name` (hash only unless `with_definition`), or NOT_FOUND.
  absl::StatusOr<RegisteredSchema> Read(Database& db, const CallContext& call, const std::string& name,
                                        uint32_t version, bool with_definition);
  void Remember(Database& db, const RegisteredSchema& schema);
  // The field numbers stored with `schema` (a version stored before they were: numbered afresh,
  // and stored).
  absl::StatusOr<typed::FieldNumbers> FieldNumbersOf(Database& db, const CallContext& call,
                                                     const RegisteredSchema& schema);
  absl::Status StoreFieldNumbers(Database& db, const CallContext& call, const v1::SchemaVersion& version,
                                 const typed::FieldNumbers& numbers);
  // `schema` (read with its definition) with its typed API built.
  absl::Status AddTyped(Database& db, const CallContext& call, RegisteredSchema* schema);

  absl::Mutex mu_;
  std::map<std::string, bool> tables_ready_ ABSL_GUARDED_BY(mu_);                     // by database
  std::map<std::pair<std::string, std::string>, Cached> cache_ ABSL_GUARDED_BY(mu_);  // (database, schema)
};

}  // namespace sluice

#endif  // SLUICE_REGISTRY_SCHEMA_REGISTRY_H_
