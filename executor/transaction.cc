#include "executor/transaction.h"

#include "common/status_macros.h"
#include "executor/executor.h"

namespace sluice {

absl::StatusOr<Transaction> Transaction::Begin(Database& db, Isolation isolation, const CallContext& call) {
  SLUICE_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, db.pool().Acquire(call.deadline));
  SLUICE_RETURN_IF_ERROR(lease->Begin(isolation));
  SLUICE_RETURN_IF_ERROR(SetCallRole(*lease, db, call));  // rolled back by the lease when it fails
  return Transaction(db, std::move(lease), call);
}

absl::StatusOr<v1::QueryResult> Transaction::Execute(const PlannedStatement& statement) {
  return ExecuteStatement(*lease_, *db_, statement, call_);
}

absl::Status Transaction::Savepoint(SavepointAction action, const std::string& name) {
  plan::Plan p;
  p.mutable_savepoint()->set_name(name);
  switch (action) {
    case SavepointAction::kCreate:
      p.mutable_savepoint()->set_action(plan::Savepoint::CREATE);
      break;
    case SavepointAction::kRollbackTo:
      p.mutable_savepoint()->set_action(plan::Savepoint::ROLLBACK_TO);
      break;
    case SavepointAction::kRelease:
      p.mutable_savepoint()->set_action(plan::Savepoint::RELEASE);
      break;
  }
  SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledSql> sql, db_->Compile(p));
  return ExecuteDdl(*lease_, sql->sql, call_);  // bounded by the call, like every statement
}

absl::Status Transaction::Commit() { return lease_->Commit(); }

absl::Status Transaction::Rollback() { return lease_->Rollback(); }

}  // namespace sluice
