// One database connection of a dialect plugin, with its prepared statements cached by SQL.
#ifndef SLUICE_EXECUTOR_CONNECTION_H_
#define SLUICE_EXECUTOR_CONNECTION_H_

#include <chrono>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/dialect_plugin.h"

namespace sluice {

// Transaction isolation levels (the executor's own; the ABI's SLUICE_ISOLATION_* stay inside
// connection.cc).
enum class Isolation { kDefault, kReadUncommitted, kReadCommitted, kRepeatableRead, kSerializable };

class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(std::shared_ptr<DialectPlugin> dialect,
                                                          const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const DialectPlugin& dialect() const { return *dialect_; }
  const sluice_dialect_api& api() const { return dialect_->api(); }

  // The prepared statement for `sql`, prepared on first use and kept (least recently used
  // statements are finalized beyond the cache's capacity). Owned by the connection.
  absl::StatusOr<sluice_stmt*> Prepare(const std::string& sql);

  // A plugin result as a status; an UNAVAILABLE marks the connection broken.
  absl::Status Check(int32_t code, const sluice_error& error);

  // Runs one statement without parameters or results, and without caching it (DDL).
  absl::Status ExecuteOnce(const std::string& sql);

  // The database's schema as the plugin reads it (`namespaces`: PostgreSQL schemas; empty: the
  // default). UNIMPLEMENTED for a plugin without introspection.
  absl::StatusOr<plan::Catalog> Introspect(const std::vector<std::string>& namespaces);

  absl::Status Begin(Isolation isolation = Isolation::kDefault);
  absl::Status Commit();
  absl::Status Rollback();
  absl::Status Ping();
  // From any thread: stops the running statement.
  void Interrupt();

  bool broken() const { return broken_; }
  bool in_transaction() const { return in_transaction_; }
  std::chrono::steady_clock::time_point created() const { return created_; }

  static constexpr size_t kStatementCacheSize = 256;

 private:
  Connection(std::shared_ptr<DialectPlugin> dialect, sluice_conn* conn);

  std::shared_ptr<DialectPlugin> dialect_;
  sluice_conn* conn_;
  // LRU: most recent first.
  std::list<std::pair<std::string, sluice_stmt*>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> statements_;
  bool broken_ = false;
  bool in_transaction_ = false;
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_CONNECTION_H_
