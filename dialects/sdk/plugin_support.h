// Helpers for the C boundary of an in-tree dialect plugin: error records, the exception
// barrier, and compile / sql_free over the shared SQL renderer.
#ifndef SLUICE_DIALECTS_SDK_PLUGIN_SUPPORT_H_
#define SLUICE_DIALECTS_SDK_PLUGIN_SUPPORT_H_

#include <exception>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dialects/sdk/sql_dialect.h"
#include "plugins/sluice_dialect.h"
#include "sluice/plan/plan.h"

namespace sluice::sdk {

// Fills `err` and returns `code`.
int32_t SetError(sluice_error* err, int32_t code, absl::string_view message, absl::string_view sqlstate = "",
                 absl::string_view constraint = "");

// Fills `err` from a non-OK status and returns its code (0 for OK).
int32_t SetError(sluice_error* err, const absl::Status& status);
// Sets the error's class (SLUICE_REASON_*; "" leaves it unset); returns `code`.
int32_t SetReason(sluice_error* err, int32_t code, absl::string_view reason);

// Runs `fn` (returning a status code); no exception leaves the plugin.
template <typename Fn>
int32_t Guard(sluice_error* err, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::exception& e) {
    return SetError(err, SLUICE_STATUS_INTERNAL, e.what());
  } catch (...) {
    return SetError(err, SLUICE_STATUS_INTERNAL, "unknown exception in dialect plugin");
  }
}

// sluice_dialect_api.compile / sql_free for a plugin whose SQL comes from the SDK renderer.
int32_t CompilePlan(const SqlDialect& dialect, const void* plan, size_t plan_size, sluice_sql** out, sluice_error* err);
void FreeSql(sluice_sql* sql);

// introspect's result: `catalog` serialized into a buffer that FreeBuffer releases.
int32_t ReturnCatalog(const plan::Catalog& catalog, void** out, size_t* out_size, sluice_error* err);
void FreeBuffer(void* buffer);

// A driver's introspect: the catalog `read` returns (a StatusOr), behind the exception barrier.
template <typename Read>
int32_t IntrospectInto(void** out, size_t* out_size, sluice_error* err, Read&& read) noexcept {
  return Guard(err, [&]() -> int32_t {
    auto catalog = read();
    if (!catalog.ok()) return SetError(err, catalog.status());
    return ReturnCatalog(*catalog, out, out_size, err);
  });
}

// Reading what a database wrote for a column default: a quoted SQL string ('it''s'), a number,
// or a boolean as a literal; else nullopt.
std::optional<plan::Literal> LiteralFromSql(absl::string_view sql);

// Sets the driver members of `api` from the functions named Connect, Disconnect, Ping, Prepare,
// Bind, Step, ColumnCount, ColumnName, ColumnValue, Changes, Reset, Finalize, Begin, Commit,
// Rollback, Interrupt and IntrospectDatabase where it is used (a driver's FillDriver).
#define SLUICE_SDK_SET_DRIVER_FUNCTIONS(api)        \
  do {                                              \
    (api)->connect = Connect;                       \
    (api)->disconnect = Disconnect;                 \
    (api)->ping = Ping;                             \
    (api)->prepare = Prepare;                       \
    (api)->bind = Bind;                             \
    (api)->step = Step;                             \
    (api)->column_count = ColumnCount;              \
    (api)->column_name = ColumnName;                \
    (api)->column_value = ColumnValue;              \
    (api)->changes = Changes;                       \
    (api)->reset = Reset;                           \
    (api)->finalize = Finalize;                     \
    (api)->begin = Begin;                           \
    (api)->commit = Commit;                         \
    (api)->rollback = Rollback;                     \
    (api)->interrupt = Interrupt;                   \
    (api)->introspect = IntrospectDatabase;         \
    (api)->buffer_free = ::sluice::sdk::FreeBuffer; \
  } while (0)

struct PluginInfo {
  const char* name;
  const char* version;
  const char* url_schemes;
  // Sets the driver members of the table.
  void (*fill_driver)(sluice_dialect_api* api);
};

// The function table of an SDK-based plugin: SQL from `Dialect` through the SDK renderer, the
// driver from `info.fill_driver`. Its entry point returns this.
template <typename Dialect>
const sluice_dialect_api* DialectApi(const PluginInfo& info) {
  static const Dialect dialect;
  static const sluice_dialect_api api = [&] {
    sluice_dialect_api a{};
    a.struct_size = sizeof(sluice_dialect_api);
    a.abi_major = SLUICE_DIALECT_ABI_MAJOR;
    a.abi_minor = SLUICE_DIALECT_ABI_MINOR;
    a.name = info.name;
    a.version = info.version;
    a.url_schemes = info.url_schemes;
    a.capabilities = Capabilities(dialect);
    a.compile = [](const void* plan, size_t size, sluice_sql** out, sluice_error* err) {
      return CompilePlan(dialect, plan, size, out, err);
    };
    a.sql_free = FreeSql;
    info.fill_driver(&a);
    return a;
  }();
  return &api;
}

}  // namespace sluice::sdk

#endif  // SLUICE_DIALECTS_SDK_PLUGIN_SUPPORT_H_
