// A configured database: its name, URL, dialect plugin, connection pool and compiled-SQL cache.
#ifndef SLUICE_EXECUTOR_DATABASE_H_
#define SLUICE_EXECUTOR_DATABASE_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "executor/connection_pool.h"
#include "plugins/plugin_registry.h"

namespace sluice {

// `url` with any password replaced by `***` (for logs and ListDatabases).
std::string RedactUrl(const std::string& url);

class Database {
 public:
  Database(std::string name, std::string url, std::shared_ptr<DialectPlugin> dialect, PoolOptions options);

  const std::string& name() const { return name_; }
  std::string display_url() const { return RedactUrl(url_); }
  const DialectPlugin& dialect() const { return *dialect_; }
  ConnectionPool& pool() { return pool_; }

  // The dialect's SQL for `plan`, rendered once per plan shape (plans carry no values).
  absl::StatusOr<std::shared_ptr<const CompiledSql>> Compile(const plan::Plan& plan);

  // Statements run on the non-blocking path (a metric).
  void CountNonblocking() { nonblocking_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t nonblocking_statements() const { return nonblocking_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kCompileCacheSize = 4096;

  const std::string name_;
  const std::string url_;
  const std::shared_ptr<DialectPlugin> dialect_;
  ConnectionPool pool_;
  std::atomic<uint64_t> nonblocking_{0};
  absl::Mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const CompiledSql>> compiled_ ABSL_GUARDED_BY(mu_);
};

// The databases a server serves, by name.
class Databases {
 public:
  // `specs` are `NAME=URL`; the URL's scheme (before the first `:`) picks the plugin.
  static absl::StatusOr<std::unique_ptr<Databases>> Open(const std::vector<std::string>& specs,
                                                         const PluginRegistry& plugins, PoolOptions options);

  // NOT_FOUND naming the configured databases when `name` is not one ("" is `default`).
  absl::StatusOr<Database*> Find(const std::string& name) const;
  const std::map<std::string, std::unique_ptr<Database>>& all() const { return databases_; }

 private:
  std::map<std::string, std::unique_ptr<Database>> databases_;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_DATABASE_H_
