// One database connection of a dialect plugin, with its prepared statements cached by SQL.
#ifndef SLUICE_EXECUTOR_CONNECTION_H_
#define SLUICE_EXECUTOR_CONNECTION_H_

#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "plugins/dialect_plugin.h"

namespace sluice {

// Transaction isolation levels (the executor's own; the ABI's SLUICE_ISOLATION_* stay inside
// connection.cc).
enum class Isolation { kDefault, kReadUncommitted, kReadCommitted, kRepeatableRead, kSerializable };

class Connection;

// A statement prepared on a connection, which owns it (in its statement cache): the driver's
// calls on it, as statuses. Valid until the connection's next Prepare; used by one thread.
class Statement {
 public:
  absl::Status Bind(uint32_t slot, const sluice_value& value);
  // Runs the statement, or moves to its next row: true with a row, false when done.
  absl::StatusOr<bool> Step();
  uint32_t ColumnCount();
  absl::StatusOr<std::string> ColumnName(uint32_t column);
  // The current row's value; its data is the plugin's until the next Step or Reset.
  absl::StatusOr<sluice_value> ColumnValue(uint32_t column);
  // After the statement ran: rows it changed, and the generated key (0 if none).
  absl::Status Changes(uint64_t* rows_affected, int64_t* last_insert_id);
  // Rewinds it and clears its bindings for the next use.
  void Reset();

  // The non-blocking path (Connection::nonblocking()): starts the bound statement, and reads
  // what arrived; true when the next Step will not block.
  absl::Status Send();
  absl::StatusOr<bool> Poll();
  // Sends it as a member of a group that runs as one transaction (Connection::groups(); `last`
  // for the group's last member): all or none of the group's statements apply.
  absl::Status SendGrouped(bool last);

 private:
  friend class Connection;
  Statement(Connection* conn, sluice_stmt* stmt) : conn_(conn), stmt_(stmt) {}
  Connection* conn_;
  sluice_stmt* stmt_;
};

// One connection of a dialect plugin. connection.cc is the one file of the executor that calls
// the plugin's function table. Not thread-safe (one call uses it at a time) but for Interrupt.
class Connection {
 public:
  static absl::StatusOr<std::unique_ptr<Connection>> Open(std::shared_ptr<DialectPlugin> dialect,
                                                          const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const DialectPlugin& dialect() const { return *dialect_; }

  // The prepared statement for `sql`, prepared on first use and kept (least recently used
  // statements are finalized beyond the cache's capacity). Owned by the connection.
  absl::StatusOr<Statement> Prepare(const std::string& sql);
  // `sql` prepared outside the cache (a statement text used once): valid until the next
  // PrepareTransient, finalized then or with the connection.
  absl::StatusOr<Statement> PrepareTransient(const std::string& sql);
  // The statement for `sql` if it is prepared on this connection already (no round trip).
  std::optional<Statement> Prepared(const std::string& sql);

  // Whether statements can run without blocking (the plugin's send / poll, ABI 1.3), and the
  // descriptor that is readable when the database answers (-1 without).
  bool nonblocking() const;
  int socket() const;
  // How many sent statements may be in flight at once (the plugin's pipeline_depth, ABI 1.5; 1
  // without).
  uint32_t pipeline_depth() const;
  // Whether statements can be sent as a group that runs as one transaction (the plugin's
  // send_grouped, ABI 1.6, on a connection that pipelines).
  bool groups() const;

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
  // Marks it broken: closed instead of pooled again (its state is not known).
  void Discard() { broken_ = true; }
  bool in_transaction() const { return in_transaction_; }
  std::chrono::steady_clock::time_point created() const { return created_; }

  static constexpr size_t kStatementCacheSize = 256;

 private:
  friend class Statement;
  Connection(std::shared_ptr<DialectPlugin> dialect, sluice_conn* conn);
  const sluice_dialect_api& api() const { return dialect_->api(); }

  std::shared_ptr<DialectPlugin> dialect_;
  sluice_conn* conn_;
  // LRU: most recent first.
  std::list<std::pair<std::string, sluice_stmt*>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> statements_;
  sluice_stmt* transient_ = nullptr;
  bool broken_ = false;
  bool in_transaction_ = false;
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_CONNECTION_H_
