// The dialect plugins of a running server, loaded from one plugin directory.
#ifndef SLUICE_PLUGINS_PLUGIN_REGISTRY_H_
#define SLUICE_PLUGINS_PLUGIN_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/dialect_plugin.h"

namespace sluice {

struct RefusedPlugin {
  std::string path;
  std::string reason;
};

class PluginRegistry {
 public:
  // Loads every `*.so` in `dir` (in name order). A plugin that fails its checks is refused and
  // recorded; the others are served. Fails only when `dir` cannot be read.
  static absl::StatusOr<PluginRegistry> LoadDirectory(const std::string& dir);

  const std::vector<std::shared_ptr<DialectPlugin>>& plugins() const { return plugins_; }
  const std::vector<RefusedPlugin>& refused() const { return refused_; }

  // The plugin serving a URL scheme (`sqlite`, `postgres`, ...), or NOT_FOUND.
  absl::StatusOr<std::shared_ptr<DialectPlugin>> ForScheme(const std::string& scheme) const;

 private:
  std::vector<std::shared_ptr<DialectPlugin>> plugins_;
  std::vector<RefusedPlugin> refused_;
};

}  // namespace sluice

#endif  // SLUICE_PLUGINS_PLUGIN_REGISTRY_H_
