// A pool of connections to one database.
#ifndef SLUICE_EXECUTOR_CONNECTION_POOL_H_
#define SLUICE_EXECUTOR_CONNECTION_POOL_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "executor/connection.h"

namespace sluice {

// Every idle connection is checked with the plugin's ping (no round trip) before it is handed
// out, so connections a database restart has cut are replaced rather than used.
struct PoolOptions {
  size_t max_connections = 8;
  // Connections are retired after this age (give or take up to 10% jitter).
  std::chrono::seconds max_lifetime{30 * 60};
  // At most this many statements of different calls in flight at once on one connection, where the
  // plugin pipelines (executor/nonblocking.cc).
  size_t pipeline_depth = 8;
};

class ConnectionPool {
 public:
  ConnectionPool(std::shared_ptr<DialectPlugin> dialect, std::string url, PoolOptions options);
  ~ConnectionPool();

  // A connection on loan: back to the pool when destroyed (rolled back if a transaction was
  // left open; discarded if broken, and then every idle connection with it: a connection
  // that broke usually means the database went away, and the others are cut too).
  class Lease {
   public:
    Lease() = default;
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&& other) {
      Release();
      pool_ = other.pool_;
      conn_ = std::move(other.conn_);
      return *this;
    }
    ~Lease() { Release(); }
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    void Release();
    ConnectionPool* pool_ = nullptr;
    std::unique_ptr<Connection> conn_;
  };

  // Waits until `deadline` for a free connection; UNAVAILABLE when none can be opened,
  // DEADLINE_EXCEEDED when none came free in time.
  absl::StatusOr<Lease> Acquire(absl::Time deadline = absl::InfiniteFuture());

  // An idle connection if one is free now; never opens one and never waits (the non-blocking
  // path takes the blocking one when this finds none).
  std::optional<Lease> TryAcquire();

  const PoolOptions& options() const { return options_; }
  size_t open_connections() const;
  size_t idle_connections() const;

 private:
  void Return(std::unique_ptr<Connection> conn);
  bool Retire(const Connection& conn) const;

  const std::shared_ptr<DialectPlugin> dialect_;
  const std::string url_;
  const PoolOptions options_;
  mutable absl::Mutex mu_;
  absl::CondVar freed_;  // signalled when a connection is returned or a slot frees
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
  size_t open_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_CONNECTION_POOL_H_
