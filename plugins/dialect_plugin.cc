#include "plugins/dialect_plugin.h"

#include <dlfcn.h>

#include <cstddef>
#include <cstring>
#include <filesystem>

#include <boost/dll/shared_library.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"

namespace sluice {
namespace {

// The size of the version 1.0 table: a plugin's table must reach at least this far.
constexpr size_t kMinTableSize = offsetof(sluice_dialect_api, interrupt);

struct Required {
  const char* name;
  size_t offset;
};

#define SLUICE_REQUIRED_(member) \
  { #member, offsetof(sluice_dialect_api, member) }
constexpr Required kRequired[] = {
    SLUICE_REQUIRED_(compile),     SLUICE_REQUIRED_(sql_free),     SLUICE_REQUIRED_(connect),
    SLUICE_REQUIRED_(disconnect),  SLUICE_REQUIRED_(ping),         SLUICE_REQUIRED_(prepare),
    SLUICE_REQUIRED_(bind),        SLUICE_REQUIRED_(step),         SLUICE_REQUIRED_(column_count),
    SLUICE_REQUIRED_(column_name), SLUICE_REQUIRED_(column_value), SLUICE_REQUIRED_(changes),
    SLUICE_REQUIRED_(reset),       SLUICE_REQUIRED_(finalize),     SLUICE_REQUIRED_(begin),
    SLUICE_REQUIRED_(commit),      SLUICE_REQUIRED_(rollback),
};
#undef SLUICE_REQUIRED_

absl::Status Refuse(const std::string& path, absl::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("plugin ", path, " ", why));
}

const char* CodeReason(int32_t code) {
  switch (code) {
    case SLUICE_STATUS_ALREADY_EXISTS:
      return "UNIQUE_VIOLATION";
    case SLUICE_STATUS_FAILED_PRECONDITION:
      return "CONSTRAINT_VIOLATION";
    case SLUICE_STATUS_ABORTED:
      return "TRANSACTION_ABORTED";
    case SLUICE_STATUS_UNAVAILABLE:
      return "DATABASE_UNAVAILABLE";
    case SLUICE_STATUS_UNIMPLEMENTED:
      return "UNSUPPORTED_BY_DIALECT";
    case SLUICE_STATUS_DEADLINE_EXCEEDED:
      return "STATEMENT_TIMEOUT";
    case SLUICE_STATUS_CANCELLED:
      return "STATEMENT_CANCELLED";
    default:
      return "DATABASE_ERROR";
  }
}

}  // namespace

absl::Status PluginStatus(int32_t code, const sluice_error& error, absl::string_view dialect) {
  if (code == SLUICE_STATUS_OK) return absl::OkStatus();
  if (code < 0 || code > SLUICE_STATUS_UNAUTHENTICATED) code = SLUICE_STATUS_UNKNOWN;
  std::string message(error.message, strnlen(error.message, sizeof(error.message)));
  if (message.empty()) message = "the dialect reported an error without a message";
  // The plugin's class of the error (ABI 1.3), else the code's.
  const std::string reason(error.reason, strnlen(error.reason, sizeof(error.reason)));
  if (reason == SLUICE_REASON_UNDEFINED_TABLE || reason == SLUICE_REASON_UNDEFINED_COLUMN) {
    absl::StrAppend(&message, " (the database lacks what the registered schema declares: apply the schema's ",
                    "migrations with Migrate, or Push in development)");
  }
  absl::Status status(static_cast<absl::StatusCode>(code), message);
  return WithErrorInfo(status, reason.empty() ? CodeReason(code) : reason,
                       {{"dialect", std::string(dialect)},
                        {"sqlstate", std::string(error.sqlstate, strnlen(error.sqlstate, sizeof(error.sqlstate)))},
                        {"constraint", std::string(error.constraint_name,
                                                   strnlen(error.constraint_name, sizeof(error.constraint_name)))}});
}

absl::StatusOr<std::shared_ptr<DialectPlugin>> DialectPlugin::Load(const std::string& path) {
  auto library = std::make_shared<boost::dll::shared_library>();
  boost::dll::fs::error_code ec;
  library->load(boost::dll::fs::path(path), ec, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (ec || !library->is_loaded()) {
    // Boost reports only an errno ("Bad file descriptor" for a file that is not a library);
    // the dynamic loader's own words say what is wrong.
    std::error_code exists;
    if (!std::filesystem::exists(path, exists)) return Refuse(path, "cannot be opened: no such file");
    dlerror();  // clears an earlier message
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    const char* why = handle == nullptr ? dlerror() : nullptr;
    if (handle != nullptr) dlclose(handle);
    return Refuse(path, absl::StrCat("cannot be opened: it is not a loadable shared library (",
                                     why != nullptr ? why : ec.message(), ")"));
  }
  if (!library->has(SLUICE_DIALECT_ENTRY_SYMBOL)) {
    return Refuse(path, absl::StrCat("exports no entry point `", SLUICE_DIALECT_ENTRY_SYMBOL,
                                     "` (is it a Sluice dialect plugin?)"));
  }
  auto entry = library->get<const sluice_dialect_api*()>(SLUICE_DIALECT_ENTRY_SYMBOL);
  const sluice_dialect_api* table = entry();
  if (table == nullptr) return Refuse(path, "returned no function table from its entry point");
  if (table->struct_size < kMinTableSize) {
    return Refuse(path, absl::StrCat("has a function table too short (", table->struct_size,
                                     " bytes; dialect ABI 1.0 needs at least ", kMinTableSize, ")"));
  }
  const std::string versions =
      absl::StrCat("was built for dialect ABI ", table->abi_major, ".", table->abi_minor, "; this server speaks ",
                   SLUICE_DIALECT_ABI_MAJOR, ".", SLUICE_DIALECT_ABI_MINOR);
  if (table->abi_major != SLUICE_DIALECT_ABI_MAJOR) {
    return Refuse(path, absl::StrCat(versions, " (the major version must match)"));
  }
  if (table->abi_minor > SLUICE_DIALECT_ABI_MINOR) {
    return Refuse(path, absl::StrCat(versions, " (a newer minor version needs a newer server)"));
  }

  std::shared_ptr<DialectPlugin> plugin(new DialectPlugin());
  // Members beyond the plugin's table read as absent (zero).
  std::memcpy(&plugin->api_, table, std::min<size_t>(table->struct_size, sizeof(plugin->api_)));
  for (const Required& r : kRequired) {
    void* fn = nullptr;
    std::memcpy(&fn, reinterpret_cast<const char*>(&plugin->api_) + r.offset, sizeof(fn));
    if (fn == nullptr) {
      return Refuse(path, absl::StrCat("lacks the required function `", r.name, "`"));
    }
  }
  if (plugin->api_.name == nullptr || plugin->api_.name[0] == '\0') {
    return Refuse(path, "declares no dialect name");
  }
  plugin->library_ = std::move(library);
  plugin->path_ = path;
  plugin->name_ = plugin->api_.name;
  plugin->version_ = plugin->api_.version ? plugin->api_.version : "";
  plugin->abi_major_ = table->abi_major;
  plugin->abi_minor_ = table->abi_minor;
  if (plugin->api_.url_schemes != nullptr) {
    for (absl::string_view scheme : absl::StrSplit(plugin->api_.url_schemes, ',', absl::SkipWhitespace())) {
      plugin->url_schemes_.emplace_back(scheme);
    }
  }
  return plugin;
}

absl::StatusOr<CompiledSql> DialectPlugin::Compile(const sluice::plan::Plan& plan) const {
  const std::string bytes = plan.SerializeAsString();
  sluice_sql* out = nullptr;
  sluice_error error{};
  int32_t code = api_.compile(bytes.data(), bytes.size(), &out, &error);
  if (code != SLUICE_STATUS_OK) return PluginStatus(code, error, name_);
  if (out == nullptr) {
    return absl::InternalError(absl::StrCat("dialect ", name_, " compiled no statement"));
  }
  CompiledSql result{std::string(out->sql, out->sql_size),
                     std::vector<uint32_t>(out->param_index, out->param_index + out->param_count)};
  api_.sql_free(out);
  return result;
}

std::vector<std::string> DialectPlugin::CapabilityNames() const {
  static constexpr std::pair<uint64_t, const char*> kCapabilities[] = {
      {SLUICE_CAP_RETURNING, "returning"},     {SLUICE_CAP_UPDATE_RETURNING, "update_returning"},
      {SLUICE_CAP_ALTER_TABLE, "alter_table"}, {SLUICE_CAP_TRANSACTIONAL_DDL, "transactional_ddl"},
      {SLUICE_CAP_NAMESPACES, "namespaces"},   {SLUICE_CAP_ENUM_TYPES, "enum_types"},
  };
  std::vector<std::string> names;
  for (const auto& [bit, name] : kCapabilities) {
    if (Has(bit)) names.push_back(name);
  }
  return names;
}

}  // namespace sluice
