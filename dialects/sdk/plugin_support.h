// Helpers for the C boundary of an in-tree dialect plugin: error records, the exception
// barrier, and compile / sql_free over the shared SQL renderer.
#ifndef SLUICE_DIALECTS_SDK_PLUGIN_SUPPORT_H_
#define SLUICE_DIALECTS_SDK_PLUGIN_SUPPORT_H_

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dialects/sdk/sql_dialect.h"
#include "plugins/sluice_dialect.h"

namespace sluice::sdk {

// Fills `err` and returns `code`.
int32_t SetError(sluice_error* err, int32_t code, absl::string_view message,
                 absl::string_view sqlstate = "", absl::string_view constraint = "");

// Fills `err` from a non-OK status and returns its code (0 for OK).
int32_t SetError(sluice_error* err, const absl::Status& status);

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
int32_t CompilePlan(const SqlDialect& dialect, const void* plan, size_t plan_size,
                    sluice_sql** out, sluice_error* err);
void FreeSql(sluice_sql* sql);

}  // namespace sluice::sdk

#endif  // SLUICE_DIALECTS_SDK_PLUGIN_SUPPORT_H_
