#include "plugins/plugin_registry.h"

#include <algorithm>
#include <filesystem>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"

namespace sluice {

struct PluginRegistry::Loaded {
  OnLoad on_load;
  mutable absl::Mutex mu;
  std::vector<std::string> pending ABSL_GUARDED_BY(mu);  // files left for later, in load order
  std::vector<std::shared_ptr<DialectPlugin>> plugins ABSL_GUARDED_BY(mu);
  std::vector<RefusedPlugin> refused ABSL_GUARDED_BY(mu);

  // Loads `path`: served, or refused (a broken plugin, or a second one of a dialect).
  void Load(const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto plugin = DialectPlugin::Load(path);
    const auto same = plugin.ok() ? std::find_if(plugins.begin(), plugins.end(),
                                                 [&](const auto& p) { return p->name() == (*plugin)->name(); })
                                  : plugins.end();
    if (!plugin.ok() || same != plugins.end()) {
      refused.push_back({path, !plugin.ok() ? std::string(plugin.status().message())
                                            : absl::StrCat("plugin ", path, " serves dialect `", (*plugin)->name(),
                                                           "`, already served by ", (*same)->path())});
      if (on_load) on_load(nullptr, &refused.back());
      return;
    }
    plugins.push_back(*std::move(plugin));
    if (on_load) on_load(plugins.back().get(), nullptr);
  }

  void LoadPending() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (const std::string& path : std::exchange(pending, {})) Load(path);
  }

  // The plugin serving `scheme` among those loaded, or null.
  std::shared_ptr<DialectPlugin> Serving(const std::string& scheme) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (const auto& plugin : plugins) {
      const auto& schemes = plugin->url_schemes();
      if (std::find(schemes.begin(), schemes.end(), scheme) != schemes.end()) return plugin;
    }
    return nullptr;
  }
};

PluginRegistry::PluginRegistry() : loaded_(std::make_shared<Loaded>()) {}

absl::StatusOr<PluginRegistry> PluginRegistry::LoadDirectory(const std::string& dir,
                                                             const std::vector<std::string>& first_schemes,
                                                             OnLoad on_load) {
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
  // The files named for a scheme the databases use first (each group in name order).
  std::stable_partition(paths.begin(), paths.end(), [&](const std::string& path) {
    const std::string name = fs::path(path).filename().string();
    return std::any_of(first_schemes.begin(), first_schemes.end(),
                       [&](const std::string& scheme) { return absl::StrContains(name, scheme); });
  });

  PluginRegistry registry;
  Loaded& loaded = *registry.loaded_;
  loaded.on_load = std::move(on_load);
  absl::MutexLock lock(&loaded.mu);
  loaded.pending = std::move(paths);
  auto served = [&] {
    return !first_schemes.empty() && std::all_of(first_schemes.begin(), first_schemes.end(),
                                                 [&](const std::string& s) { return loaded.Serving(s) != nullptr; });
  };
  while (!loaded.pending.empty() && !served()) {
    const std::string path = loaded.pending.front();
    loaded.pending.erase(loaded.pending.begin());
    loaded.Load(path);
  }
  return registry;
}

void PluginRegistry::LoadRest() const {
  absl::MutexLock lock(&loaded_->mu);
  loaded_->LoadPending();
}

size_t PluginRegistry::Pending() const {
  absl::MutexLock lock(&loaded_->mu);
  return loaded_->pending.size();
}

std::vector<std::shared_ptr<DialectPlugin>> PluginRegistry::plugins() const {
  absl::MutexLock lock(&loaded_->mu);
  loaded_->LoadPending();
  std::vector<std::shared_ptr<DialectPlugin>> plugins = loaded_->plugins;
  std::sort(plugins.begin(), plugins.end(), [](const auto& a, const auto& b) { return a->name() < b->name(); });
  return plugins;
}

std::vector<RefusedPlugin> PluginRegistry::refused() const {
  absl::MutexLock lock(&loaded_->mu);
  loaded_->LoadPending();
  return loaded_->refused;
}

absl::StatusOr<std::shared_ptr<DialectPlugin>> PluginRegistry::ForScheme(const std::string& scheme) const {
  absl::MutexLock lock(&loaded_->mu);
  if (loaded_->Serving(scheme) == nullptr) loaded_->LoadPending();
  if (std::shared_ptr<DialectPlugin> plugin = loaded_->Serving(scheme)) return plugin;
  std::vector<std::string> known;
  for (const auto& plugin : loaded_->plugins) {
    known.insert(known.end(), plugin->url_schemes().begin(), plugin->url_schemes().end());
  }
  return absl::NotFoundError(absl::StrCat("no loaded dialect plugin serves URL scheme `", scheme,
                                          "` (loaded schemes: ", absl::StrJoin(known, ", "), ")"));
}

}  // namespace sluice
