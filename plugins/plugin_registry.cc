#include "plugins/plugin_registry.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sluice {

absl::StatusOr<PluginRegistry> PluginRegistry::LoadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> paths;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".so") paths.push_back(it->path().string());
  }
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat("cannot read plugin directory ", dir, ": ", ec.message()));
  }
  std::sort(paths.begin(), paths.end());

  PluginRegistry registry;
  for (const std::string& path : paths) {
    auto plugin = DialectPlugin::Load(path);
    if (!plugin.ok()) {
      registry.refused_.push_back({path, std::string(plugin.status().message())});
      continue;
    }
    auto same = std::find_if(registry.plugins_.begin(), registry.plugins_.end(),
                             [&](const auto& p) { return p->name() == (*plugin)->name(); });
    if (same != registry.plugins_.end()) {
      registry.refused_.push_back({path, absl::StrCat("plugin ", path, " serves dialect `", (*plugin)->name(),
                                                      "`, already served by ", (*same)->path())});
      continue;
    }
    registry.plugins_.push_back(*std::move(plugin));
  }
  return registry;
}

absl::StatusOr<std::shared_ptr<DialectPlugin>> PluginRegistry::ForScheme(const std::string& scheme) const {
  std::vector<std::string> known;
  for (const auto& plugin : plugins_) {
    for (const std::string& s : plugin->url_schemes()) {
      if (s == scheme) return plugin;
      known.push_back(s);
    }
  }
  return absl::NotFoundError(absl::StrCat("no loaded dialect plugin serves URL scheme `", scheme,
                                          "` (loaded schemes: ", absl::StrJoin(known, ", "), ")"));
}

}  // namespace sluice
