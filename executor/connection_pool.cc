#include "executor/connection_pool.h"

#include <random>

#include "absl/strings/str_cat.h"

namespace sluice {

ConnectionPool::ConnectionPool(std::shared_ptr<DialectPlugin> dialect, std::string url, PoolOptions options)
    : dialect_(std::move(dialect)), url_(std::move(url)), options_(options) {}

ConnectionPool::~ConnectionPool() {
  std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
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
  freed_.notify_one();
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(absl::Time deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      const bool alive = conn->Ping().ok();
      lock.lock();
      if (!alive) {
        --open_;
        continue;
      }
      return Lease(this, std::move(conn));
    }
    if (open_ < options_.max_connections) {
      ++open_;
      lock.unlock();
      auto conn = Connection::Open(dialect_, url_);
      if (!conn.ok()) {
        std::lock_guard<std::mutex> relock(mu_);
        --open_;
        freed_.notify_one();
        absl::Status status = conn.status();
        if (status.code() == absl::StatusCode::kUnavailable) return status;
        return absl::UnavailableError(absl::StrCat("cannot connect to the database: ", status.message()));
      }
      return Lease(this, *std::move(conn));
    }
    if (deadline == absl::InfiniteFuture()) {
      freed_.wait(lock);
    } else if (freed_.wait_until(lock, absl::ToChronoTime(deadline)) == std::cv_status::timeout) {
      return absl::DeadlineExceededError(
          absl::StrCat("no database connection came free in time (", options_.max_connections, " in use)"));
    }
  }
}

size_t ConnectionPool::open_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

size_t ConnectionPool::idle_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return idle_.size();
}

}  // namespace sluice
