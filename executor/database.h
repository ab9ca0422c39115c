// A configured database: its name, URL, dialect plugin, connection pool, read replicas, plan
// cache and compiled-SQL cache.
#ifndef SLUICE_EXECUTOR_DATABASE_H_
#define SLUICE_EXECUTOR_DATABASE_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "executor/connection_pool.h"
#include "planner/plan_cache.h"
#include "plugins/plugin_registry.h"

namespace sluice {

// `url` with any password replaced by `***` (for logs and ListDatabases).
std::string RedactUrl(const std::string& url);
// A database URL's scheme: what comes before its first `:` (`postgres`, `sqlite`, ...).
inline std::string UrlScheme(const std::string& url) { return url.substr(0, url.find(':')); }

// A read replica of a database: its own pool, and whether it answers. A replica that cannot be
// reached is left out of reads for a backoff that doubles with each failure in a row (1 s, 2 s,
// ... up to 30 s); the first read after the backoff tries it again.
class Replica {
 public:
  Replica(std::string url, std::shared_ptr<DialectPlugin> dialect, PoolOptions options);

  std::string display_url() const { return RedactUrl(url_); }
  ConnectionPool& pool() { return pool_; }

  // Whether reads may try it at `now`: it answered the last time, or its backoff has passed.
  bool Available(absl::Time now) const;
  // Whether it answered the last time it was tried.
  bool up() const;
  // It could not be reached (`why`): out of reads for the backoff.
  void Failed(const absl::Status& why);
  // A read ran on it.
  void Answered();
  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }

 private:
  const std::string url_;
  ConnectionPool pool_;
  std::atomic<uint64_t> reads_{0};
  mutable absl::Mutex mu_;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;  // in a row
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

class Database {
 public:
  Database(std::string name, std::string url, std::shared_ptr<DialectPlugin> dialect, PoolOptions options);

  const std::string& name() const { return name_; }
  std::string display_url() const { return RedactUrl(url_); }
  // The URL's scheme (`postgres`, `mysql`, ...).
  std::string scheme() const { return UrlScheme(url_); }
  const DialectPlugin& dialect() const { return *dialect_; }
  // The primary's pool: writes, transactions, migrations, and reads pinned to the primary.
  ConnectionPool& pool() { return pool_; }

  void AddReplica(std::string url, PoolOptions options);
  const std::vector<std::unique_ptr<Replica>>& replicas() const { return replicas_; }
  // The replicas a read outside a transaction may try now, in the order to try them (round
  // robin: each read takes a turn and starts one further); empty when none may (the read goes to
  // the primary). Without `take_turn`, the order the next read that takes its turn gets: the
  // non-blocking path looks before it knows it can go, and calls TakeReadTurn when it goes.
  std::vector<Replica*> ReadReplicas(bool take_turn = true);
  void TakeReadTurn() { next_replica_.fetch_add(1, std::memory_order_relaxed); }

  // Plans of the requests on this database, by request shape.
  PlanCache& plans() { return plans_; }

  // The dialect's SQL for `plan`, rendered once per plan shape (plans carry no values).
  absl::StatusOr<std::shared_ptr<const CompiledSql>> Compile(const plan::Plan& plan);
  // The same for a statement's plan; a shared one (from the plan cache) is found by its address.
  absl::StatusOr<std::shared_ptr<const CompiledSql>> Compile(const PlannedStatement& statement);

  // Statements run on the non-blocking path (a metric).
  void CountNonblocking() { nonblocking_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t nonblocking_statements() const { return nonblocking_.load(std::memory_order_relaxed); }
  // Of those, the ones sent behind another call's on a connection (pipelined; a metric).
  void CountPipelined() { pipelined_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t pipelined_statements() const { return pipelined_.load(std::memory_order_relaxed); }

 private:
  static constexpr size_t kCompileCacheSize = 4096;

  const std::string name_;
  const std::string url_;
  const std::shared_ptr<DialectPlugin> dialect_;
  ConnectionPool pool_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::atomic<uint64_t> next_replica_{0};
  std::atomic<uint64_t> nonblocking_{0};
  std::atomic<uint64_t> pipelined_{0};
  PlanCache plans_;
  absl::Mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const CompiledSql>> compiled_ ABSL_GUARDED_BY(mu_);
  struct SharedCompiled {
    std::weak_ptr<const plan::Plan> plan;  // an address is reused once its plan is gone
    std::shared_ptr<const CompiledSql> sql;
  };
  std::unordered_map<const plan::Plan*, SharedCompiled> shared_compiled_ ABSL_GUARDED_BY(mu_);
};

// The databases a server serves, by name.
class Databases {
 public:
  // `specs` are `NAME=URL`; the URL's scheme (before the first `:`) picks the plugin.
  // `replica_specs` are `NAME=URL[,URL...]`: read replicas of the database NAME, of its dialect.
  static absl::StatusOr<std::unique_ptr<Databases>> Open(const std::vector<std::string>& specs,
                                                         const PluginRegistry& plugins, PoolOptions options,
                                                         const std::vector<std::string>& replica_specs = {});

  // NOT_FOUND naming the configured databases when `name` is not one ("" is `default`).
  absl::StatusOr<Database*> Find(const std::string& name) const;
  const std::map<std::string, std::unique_ptr<Database>>& all() const { return databases_; }

 private:
  std::map<std::string, std::unique_ptr<Database>> databases_;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_DATABASE_H_
