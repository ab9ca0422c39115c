// Transactions: a pooled connection held from begin to commit or rollback, with its statements
// and savepoints. What is left open when a Transaction goes away is rolled back (by the lease).
#ifndef SLUICE_EXECUTOR_TRANSACTION_H_
#define SLUICE_EXECUTOR_TRANSACTION_H_

#include <string>

#include "absl/status/statusor.h"
#include "executor/call_watchdog.h"
#include "executor/connection.h"
#include "executor/connection_pool.h"
#include "executor/database.h"
#include "planner/planner.h"
#include "sluice/v1/query.pb.h"

namespace sluice {

// Not thread-safe: one call uses it at a time.
class Transaction {
 public:
  // Waits for a pooled connection of `db` until the call's deadline, then begins.
  static absl::StatusOr<Transaction> Begin(Database& db, Isolation isolation, const CallContext& call);

  Transaction(Transaction&&) = default;
  Transaction& operator=(Transaction&&) = default;

  // Runs one statement inside the transaction, bounded by the call given to Begin.
  absl::StatusOr<v1::QueryResult> Execute(const PlannedStatement& statement);

  enum class SavepointAction { kCreate, kRollbackTo, kRelease };
  // REQUIRES: `name` is not empty (the dialect quotes it).
  absl::Status Savepoint(SavepointAction action, const std::string& name);

  absl::Status Commit();
  absl::Status Rollback();

 private:
  Transaction(Database& db, ConnectionPool::Lease lease, const CallContext& call)
      : db_(&db), lease_(std::move(lease)), call_(call) {}

  Database* db_;
  ConnectionPool::Lease lease_;
  CallContext call_;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_TRANSACTION_H_
