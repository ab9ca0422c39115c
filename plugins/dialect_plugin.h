// A loaded dialect plugin: its checked, copied function table and the library that backs it.
#ifndef SLUICE_PLUGINS_DIALECT_PLUGIN_H_
#define SLUICE_PLUGINS_DIALECT_PLUGIN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "plugins/sluice_dialect.h"
#include "sluice/plan/plan.h"

namespace boost::dll {
class shared_library;
}

namespace sluice {

// SQL rendered by a dialect: slot k of the SQL binds plan parameter param_index[k].
struct CompiledSql {
  std::string sql;
  std::vector<uint32_t> param_index;
};

// Turns a plugin's status code and error record into an absl::Status with an ErrorInfo
// (reason, SQLSTATE, constraint) attached. OK for SLUICE_STATUS_OK.
absl::Status PluginStatus(int32_t code, const sluice_error& error, absl::string_view dialect);

class DialectPlugin {
 public:
  // Loads and checks the plugin at `path` (see the order in sluice_dialect.h). Never throws.
  static absl::StatusOr<std::shared_ptr<DialectPlugin>> Load(const std::string& path);

  const sluice_dialect_api& api() const { return api_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& path() const { return path_; }
  const std::vector<std::string>& url_schemes() const { return url_schemes_; }
  uint16_t abi_major() const { return abi_major_; }
  uint16_t abi_minor() const { return abi_minor_; }
  bool Has(uint64_t capability) const { return (api_.capabilities & capability) != 0; }
  // The capabilities the plugin declares, by name (`returning`, `update_returning`,
  // `alter_table`, `transactional_ddl`, `namespaces`, `enum_types`), in that order.
  std::vector<std::string> CapabilityNames() const;

  // Renders a plan through the plugin's compile.
  absl::StatusOr<CompiledSql> Compile(const sluice::plan::Plan& plan) const;

 private:
  DialectPlugin() = default;

  // Keeps the code behind `api_` mapped for as long as anything holds this plugin.
  std::shared_ptr<boost::dll::shared_library> library_;
  sluice_dialect_api api_{};
  std::string path_;
  std::string name_;
  std::string version_;
  std::vector<std::string> url_schemes_;
  uint16_t abi_major_ = 0;
  uint16_t abi_minor_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_PLUGINS_DIALECT_PLUGIN_H_
