// The dialect plugins of a running server, loaded from one plugin directory.
#ifndef SLUICE_PLUGINS_PLUGIN_REGISTRY_H_
#define SLUICE_PLUGINS_PLUGIN_REGISTRY_H_

#include <functional>
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

// Thread-safe.
class PluginRegistry {
 public:
  // Called as each plugin is loaded (`plugin`) or refused (`refused`): one of the two is set.
  using OnLoad = std::function<void(const DialectPlugin* plugin, const RefusedPlugin* refused)>;

  // No plugins.
  PluginRegistry();

  // Loads the `*.so` files in `dir`. A plugin that fails its checks is refused and recorded; the
  // others are served, the first of each dialect. Fails only when `dir` cannot be read.
  //
  // With `first_schemes` (the URL schemes the configured databases use), the files whose name
  // holds one of them (`libsluice_sqlite.so` for `sqlite`) load first, and once every one of those
  // schemes is served the other files are left for later (LoadRest, or the first call that needs
  // them): a plugin's client libraries cost a start milliseconds of dynamic loading. Otherwise
  // (no schemes, or a scheme no such file serves) every file loads now, in name order.
  static absl::StatusOr<PluginRegistry> LoadDirectory(const std::string& dir,
                                                      const std::vector<std::string>& first_schemes = {},
                                                      OnLoad on_load = nullptr);

  // Loads the files left for later, if any.
  void LoadRest() const;
  // Files left for later and not loaded yet.
  size_t Pending() const;

  // Every plugin loaded (by dialect name) and every one refused (loading those left for later
  // first).
  std::vector<std::shared_ptr<DialectPlugin>> plugins() const;
  std::vector<RefusedPlugin> refused() const;

  // The plugin serving a URL scheme (`sqlite`, `postgres`, ...), or NOT_FOUND (after loading
  // the files left for later).
  absl::StatusOr<std::shared_ptr<DialectPlugin>> ForScheme(const std::string& scheme) const;

 private:
  struct Loaded;
  std::shared_ptr<Loaded> loaded_;
};

}  // namespace sluice

#endif  // SLUICE_PLUGINS_PLUGIN_REGISTRY_H_
