#include "registry/schema_registry.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/errors.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "executor/executor.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "planner/planner.h"
#include "planner/views.h"
#include "registry/internal_tables.h"
#include "schema/relations.h"
#include "schema/schema_validator.h"
#include "typed/field_numbers.h"

namespace sluice {
namespace {

constexpr char kTable[] = "__sluice_schemas";

v1::Table RegistryTable() {
  v1::Table t;
  t.set_name(kTable);
  *t.add_columns() = InternalColumn("name", v1::VARCHAR, 128);
  *t.add_columns() = InternalColumn("version", v1::INTEGER);
  *t.add_columns() = InternalColumn("hash", v1::CHAR, 64);
  *t.add_columns() = InternalColumn("definition", v1::BYTES);
  *t.add_columns() = InternalColumn("created_at", v1::TIMESTAMPTZ);
  t.add_primary_key("name");
  t.add_primary_key("version");
  return t;
}

const SchemaIndex& RegistrySchema() {
  static const SchemaIndex& index = InternalSchema(RegistryTable());
  return index;
}

// The typed API's field numbers of each version (typed/field_numbers.h), keyed with the version's
// hash: two servers racing to store different schemas as the same version each write their own
// numbers, and the version row that wins picks them.
constexpr char kNumbersTable[] = "__sluice_field_numbers";

const SchemaIndex& NumbersSchema() {
  static const SchemaIndex& index = [] {
    v1::Table t;
    t.set_name(kNumbersTable);
    *t.add_columns() = InternalColumn("name", v1::VARCHAR, 128);
    *t.add_columns() = InternalColumn("version", v1::INTEGER);
    *t.add_columns() = InternalColumn("hash", v1::CHAR, 64);
    *t.add_columns() = InternalColumn("numbers", v1::BYTES);
    for (const char* key : {"name", "version", "hash"}) t.add_primary_key(key);
    return std::cref(InternalSchema(std::move(t)));
  }();
  return index;
}

v1::Value Str(const std::string& s) {
  v1::Value v;
  v.set_string_value(s);
  return v;
}

v1::Value Int(int64_t i) {
  v1::Value v;
  v.set_int_value(i);
  return v;
}

v1::Condition Eq(const std::string& column, v1::Value value) {
  v1::Condition c;
  c.mutable_eq()->mutable_left()->mutable_column()->set_name(column);
  *c.mutable_eq()->mutable_right()->mutable_value() = std::move(value);
  return c;
}

v1::SchemaVersion VersionOf(const v1::Row& row) {
  v1::SchemaVersion v;
  v.set_name(row.values(0).string_value());
  v.set_version(static_cast<uint32_t>(row.values(1).int_value()));
  v.set_hash(row.values(2).string_value());
  v.set_created_at(row.values(3).timestamp_value());
  return v;
}

v1::Select SelectVersions() {
  v1::Select select;
  select.set_table(kTable);
  for (const char* column : {"name", "version", "hash", "created_at"}) {
    select.add_columns()->mutable_expression()->mutable_column()->set_name(column);
  }
  return select;
}

}  // namespace

std::string SchemaHash(const v1::Schema& schema) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  schema.SerializeToCodedStream(&coded);
  coded.Trim();
  return Sha256Hex(bytes);
}

absl::Status SchemaRegistry::EnsureTable(Database& db, const CallContext& call) {
  {
    absl::MutexLock lock(&mu_);
    if (tables_ready_[db.name()]) return absl::OkStatus();
  }
  SLUICE_RETURN_IF_ERROR(CreateTablesIfMissing(db, call, RegistrySchema()));
  SLUICE_RETURN_IF_ERROR(CreateTablesIfMissing(db, call, NumbersSchema()));
  absl::MutexLock lock(&mu_);
  tables_ready_[db.name()] = true;
  return absl::OkStatus();
}

absl::StatusOr<RegisteredSchema> SchemaRegistry::Read(Database& db, const CallContext& call, const std::string& name,
                                                      uint32_t version, bool with_definition) {
  SLUICE_RETURN_IF_ERROR(EnsureTable(db, call));
  v1::Select select = SelectVersions();
  if (with_definition) select.add_columns()->mutable_expression()->mutable_column()->set_name("definition");
  if (version == 0) {
    *select.mutable_where() = Eq("name", Str(name));
  } else {
    v1::ConditionList* both = select.mutable_where()->mutable_and_();
    *both->add_conditions() = Eq("name", Str(name));
    *both->add_conditions() = Eq("version", Int(version));
  }
  v1::OrderBy* order = select.add_order_by();
  order->mutable_expression()->mutable_column()->set_name("version");
  order->set_descending(true);
  select.set_limit(1);
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanSelect(RegistrySchema(), select, "select"));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, Execute(db, statement, false, AsSluiced(call)));
  if (result.rows().empty()) {
    return WithErrorInfo(
        absl::NotFoundError(
            version == 0
                ? absl::StrCat("no schema `", name, "` is registered in database `", db.name(), "`")
                : absl::StrCat("schema `", name, "` has no version ", version, " in database `", db.name(), "`")),
        "SCHEMA_NOT_FOUND", {{"schema", name}, {"database", db.name()}});
  }
  RegisteredSchema out;
  out.version = VersionOf(result.rows(0));
  if (with_definition) {
    v1::Schema schema;
    if (!schema.ParseFromString(result.rows(0).values(4).bytes_value())) {
      return absl::DataLossError(
          absl::StrCat("the stored definition of schema `", name, "` v", out.version.version(), " does not parse"));
    }
    out.index = std::make_shared<const SchemaIndex>(std::move(schema));
  }
  return out;
}

void SchemaRegistry::Remember(Database& db, const RegisteredSchema& schema) {
  absl::MutexLock lock(&mu_);
  Cached& cached = cache_[{db.name(), schema.version.name()}];
  // The same version keeps its index (prepared statements hold on to it).
  const bool newer = cached.schema.index == nullptr || cached.schema.version.version() < schema.version.version();
  if (newer) cached.schema = schema;
  cached.checked = std::chrono::steady_clock::now();
}

absl::StatusOr<typed::FieldNumbers> SchemaRegistry::FieldNumbersOf(Database& db, const CallContext& call,
                                                                   const RegisteredSchema& schema) {
  v1::Select select;
  select.set_table(kNumbersTable);
  select.add_columns()->mutable_expression()->mutable_column()->set_name("numbers");
  v1::ConditionList* key = select.mutable_where()->mutable_and_();
  *key->add_conditions() = Eq("name", Str(schema.version.name()));
  *key->add_conditions() = Eq("version", Int(schema.version.version()));
  *key->add_conditions() = Eq("hash", Str(schema.version.hash()));
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanSelect(NumbersSchema(), select, "select"));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, Execute(db, statement, false, AsSluiced(call)));
  typed::FieldNumbers numbers;
  if (!result.rows().empty()) {
    if (!numbers.ParseFromString(result.rows(0).values(0).bytes_value())) {
      return absl::DataLossError(absl::StrCat("the stored field numbers of schema `", schema.version.name(), "` v",
                                              schema.version.version(), " do not parse"));
    }
    return numbers;
  }
  SLUICE_ASSIGN_OR_RETURN(numbers, typed::NextFieldNumbers({}, schema.index->schema(), {}));
  SLUICE_RETURN_IF_ERROR(StoreFieldNumbers(db, call, schema.version, numbers));
  return numbers;
}

absl::Status SchemaRegistry::StoreFieldNumbers(Database& db, const CallContext& call, const v1::SchemaVersion& version,
                                               const typed::FieldNumbers& numbers) {
  v1::Insert insert;
  insert.set_table(kNumbersTable);
  auto& row = *insert.add_rows()->mutable_values();
  row["name"] = Str(version.name());
  row["version"] = Int(version.version());
  row["hash"] = Str(version.hash());
  row["numbers"].set_bytes_value(numbers.SerializeAsString());
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanInsert(NumbersSchema(), insert, "insert"));
  absl::Status stored = Execute(db, statement, false, AsSluiced(call)).status();
  // Stored already by a server racing this one: the same numbers (the same inputs).
  return stored.code() == absl::StatusCode::kAlreadyExists ? absl::OkStatus() : stored;
}

absl::Status SchemaRegistry::AddTyped(Database& db, const CallContext& call, RegisteredSchema* schema) {
  SLUICE_ASSIGN_OR_RETURN(typed::FieldNumbers numbers, FieldNumbersOf(db, call, *schema));
  SLUICE_ASSIGN_OR_RETURN(schema->typed,
                          typed::TypedSchema::Build(schema->index, schema->version.version(), std::move(numbers)));
  return absl::OkStatus();
}

absl::StatusOr<RegisteredSchema> SchemaRegistry::Typed(Database& db, const CallContext& call, const std::string& name,
                                                       uint32_t version) {
  SLUICE_ASSIGN_OR_RETURN(RegisteredSchema schema, Read(db, call, name, version, true));
  SLUICE_RETURN_IF_ERROR(AddTyped(db, call, &schema));
  return schema;
}

absl::StatusOr<Registration> SchemaRegistry::Register(Database& db, const CallContext& call,
                                                      const v1::Schema& registered, bool strict,
                                                      const std::vector<v1::RenameHint>& renames) {
  SLUICE_RETURN_IF_ERROR(ValidateSchema(registered, "schema"));
  // Stored with its views' columns (derived from their selects).
  SLUICE_ASSIGN_OR_RETURN(const v1::Schema schema, ResolveViews(registered, "schema"));
  auto index = std::make_shared<const SchemaIndex>(schema);
  std::vector<v1::SchemaWarning> warnings = LintSchema(*index, "schema");
  if (strict && !warnings.empty()) {
    std::vector<FieldViolation> violations;
    for (const v1::SchemaWarning& w : warnings)
      violations.push_back({w.field(), absl::StrCat(w.code(), ": ", w.message())});
    return InvalidFields(violations);
  }
  const std::string hash = SchemaHash(schema);
  // Two replicas may race to add the same next version: the loser re-reads and retries.
  for (int attempt = 0; attempt < 5; ++attempt) {
    uint32_t next = 1;
    typed::FieldNumbers previous;
    auto latest = Read(db, call, schema.name(), 0, true);
    if (latest.ok()) {
      if (latest->version.hash() == hash) {
        Remember(db, *latest);
        SLUICE_RETURN_IF_ERROR(AddTyped(db, call, &*latest));
        return Registration{*latest, false, std::move(warnings)};
      }
      next = latest->version.version() + 1;
      SLUICE_ASSIGN_OR_RETURN(previous, FieldNumbersOf(db, call, *latest));
    } else if (latest.status().code() != absl::StatusCode::kNotFound) {
      return latest.status();
    }
    RegisteredSchema registered;
    registered.version.set_name(schema.name());
    registered.version.set_version(next);
    registered.version.set_hash(hash);
    registered.version.set_created_at(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
    registered.index = index;
    // Its typed API: a schema whose names make no valid protobuf file is refused here.
    SLUICE_ASSIGN_OR_RETURN(typed::FieldNumbers numbers, typed::NextFieldNumbers(previous, schema, renames));
    SLUICE_ASSIGN_OR_RETURN(registered.typed, typed::TypedSchema::Build(index, next, numbers));
    SLUICE_RETURN_IF_ERROR(StoreFieldNumbers(db, call, registered.version, numbers));

    v1::Insert insert;
    insert.set_table(kTable);
    auto& row = *insert.add_rows()->mutable_values();
    row["name"] = Str(schema.name());
    row["version"] = Int(next);
    row["hash"] = Str(hash);
    row["definition"].set_bytes_value(schema.SerializeAsString());
    row["created_at"].set_timestamp_value(registered.version.created_at());
    SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanInsert(RegistrySchema(), insert, "insert"));
    auto inserted = Execute(db, statement, false, AsSluiced(call));
    if (inserted.ok()) {
      Remember(db, registered);
      return Registration{registered, true, std::move(warnings)};
    }
    if (inserted.status().code() != absl::StatusCode::kAlreadyExists) return inserted.status();
  }
  return absl::AbortedError(absl::StrCat("schema `", schema.name(), "` is being registered concurrently; try again"));
}

absl::StatusOr<RegisteredSchema> SchemaRegistry::Get(Database& db, const CallContext& call, const std::string& name,
                                                     uint32_t version) {
  return Read(db, call, name, version, true);
}

absl::StatusOr<std::vector<v1::SchemaVersion>> SchemaRegistry::List(Database& db, const CallContext& call) {
  SLUICE_RETURN_IF_ERROR(EnsureTable(db, call));
  v1::Select select = SelectVersions();
  for (const char* column : {"name", "version"}) {
    v1::OrderBy* order = select.add_order_by();
    order->mutable_expression()->mutable_column()->set_name(column);
  }
  SLUICE_ASSIGN_OR_RETURN(PlannedStatement statement, PlanSelect(RegistrySchema(), select, "select"));
  SLUICE_ASSIGN_OR_RETURN(v1::QueryResult result, Execute(db, statement, false, AsSluiced(call)));
  std::vector<v1::SchemaVersion> latest;
  for (const v1::Row& row : result.rows()) {
    v1::SchemaVersion v = VersionOf(row);
    if (!latest.empty() && latest.back().name() == v.name()) {
      latest.back() = std::move(v);
    } else {
      latest.push_back(std::move(v));
    }
  }
  return latest;
}

std::shared_ptr<const SchemaIndex> SchemaRegistry::Fresh(const Database& db, const std::string& name) {
  absl::MutexLock lock(&mu_);
  auto it = cache_.find({db.name(), name});
  if (it != cache_.end() && std::chrono::steady_clock::now() - it->second.checked < kFreshFor) {
    return it->second.schema.index;
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<const SchemaIndex>> SchemaRegistry::Resolve(Database& db, const CallContext& call,
                                                                           const std::string& name) {
  if (name.empty() || name.size() > 128) {  // no registered schema has another (the validator's rule)
    return InvalidField("target.schema", "the name of a registered schema (1 to 128 characters) is required");
  }
  if (std::shared_ptr<const SchemaIndex> cached = Fresh(db, name)) return cached;
  SLUICE_ASSIGN_OR_RETURN(RegisteredSchema latest, Read(db, call, name, 0, false));
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find({db.name(), name});
    if (it != cache_.end() && it->second.schema.version.hash() == latest.version.hash()) {
      it->second.checked = std::chrono::steady_clock::now();
      return it->second.schema.index;
    }
  }
  SLUICE_ASSIGN_OR_RETURN(RegisteredSchema full, Read(db, call, name, latest.version.version(), true));
  Remember(db, full);
  return full.index;
}

}  // namespace sluice
