#include "executor/connection_pool.h"

#include <random>

#include "absl/strings/str_cat.h"

namespace sluice {

ConnectionPool::ConnectionPool(std::shared_ptr<DialectPlugin> dialect, std::string url, PoolOptions options)
    : dialect_(std::move(dialect)), url_(std::move(url)), options_(options) {}

ConnectionPool::~ConnectionPool() {
  absl::MutexLock lock(&mu_);
  idle_.clear();
}

void ConnectionPool::Lease::Release() {
  if (pool_ != nullptr && conn_ != nullptr) pool_->Return(std::move(conn_));
  pool_ = nullptr;
}

bool ConnectionPool::Retire(const Connection& conn) const {
  // Jitter spreads retirements so that a pool never reconnects all at once.
  thread_local std::mt19937 rng(std::random_device{}());
  const auto lifetime = options_.max_lifetime - std::chrono::seconds(std::uniform_int_distribution<int>(
                                                    0, static_cast<int>(options_.max_lifetime.count() / 10))(rng));
  return std::chrono::steady_clock::now() - conn.created() > lifetime;
}

void ConnectionPool::Return(std::unique_ptr<Connection> conn) {
  if (conn->in_transaction()) conn->Rollback().IgnoreError();  // never hand out a dirty one
  absl::MutexLock lock(&mu_);
  if (conn->broken()) {
    open_ -= 1 + idle_.size();
    idle_.clear();
    conn.reset();
  } else if (Retire(*conn)) {
    --open_;
    conn.reset();
  } else {
    idle_.push_back(std::move(conn));
  }
  freed_.Signal();
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(absl::Time deadline) {
  mu_.Lock();
  while (true) {
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      mu_.Unlock();
      if (conn->Ping().ok()) return Lease(this, std::move(conn));
      conn.reset();
      mu_.Lock();
      --open_;  // a cut connection: its slot frees
      continue;
    }
    if (open_ < options_.max_connections) {
      ++open_;
      mu_.Unlock();
      auto conn = Connection::Open(dialect_, url_);
      if (conn.ok()) return Lease(this, *std::move(conn));
      {
        absl::MutexLock relock(&mu_);
        --open_;
        freed_.Signal();
      }
      absl::Status status = conn.status();
      if (status.code() == absl::StatusCode::kUnavailable) return status;
      return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", status.message()));
    }
    // WaitWithDeadline is true when the deadline passed (an infinite one never does).
    if (freed_.WaitWithDeadline(&mu_, deadline)) {
      mu_.Unlock();
      return absl::DeadlineExceededError(
          absl::StrCat("no database connection came free in time (", options_.max_connections, " in use)"));
    }
  }
}

std::optional<ConnectionPool::Lease> ConnectionPool::TryAcquire() {
  while (true) {
    std::unique_ptr<Connection> conn;
    {
      absl::MutexLock lock(&mu_);
      if (idle_.empty()) return std::nullopt;
      conn = std::move(idle_.back());
      idle_.pop_back();
    }
    if (conn->Ping().ok()) return Lease(this, std::move(conn));
    conn.reset();
    absl::MutexLock lock(&mu_);
    --open_;  // a cut connection: its slot frees
    freed_.Signal();
  }
}

size_t ConnectionPool::open_connections() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

size_t ConnectionPool::idle_connections() const {
  absl::MutexLock lock(&mu_);
  return idle_.size();
}

}  // namespace sluice
