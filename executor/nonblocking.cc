#include "executor/nonblocking.h"

#include <poll.h>

#include "executor/event_loop.h"
#include "executor/executor.h"
#include "executor/row_reader.h"

namespace sluice {
namespace {

// A read on `replica` ended with `status`: it answered, or could not be reached.
void Reached(Replica& replica, const absl::Status& status) {
  if (status.ok()) replica.Answered();
  if (status.code() == absl::StatusCode::kUnavailable) replica.Failed(status);
}

// A sent statement waiting for its rows on the event loop.
class PendingStatement final : public EventLoop::Waiter {
 public:
  PendingStatement(ConnectionPool::Lease lease, Replica* replica, Statement stmt,
                   std::shared_ptr<const PlannedStatement> statement, std::shared_ptr<const CompiledSql> sql,
                   const CallContext& call, ResultCallback done)
      : lease_(std::move(lease)),
        replica_(replica),
        stmt_(stmt),
        statement_(std::move(statement)),
        sql_(std::move(sql)),
        call_(call),
        done_(std::move(done)),
        reader_(*statement_, nullptr, call_.max_rows, lease_->dialect().name()) {}

  bool OnReadable() override {
    absl::StatusOr<bool> finished = reader_.Read(stmt_, /*nonblocking=*/true);
    if (finished.ok() && !*finished) return false;
    if (!finished.ok()) {
      result_ = interrupted_ ? InterruptedStatus(finished.status(), call_) : finished.status();
    } else {
      result_ = reader_.Finish(stmt_);
    }
    stmt_.Reset();
    LogStatement(call_, *sql_, start_, result_);
    return true;
  }

  // Drained and rewound: with a blocking read when the socket could not be watched.
  void FinishHere() {
    absl::StatusOr<bool> finished = reader_.Read(stmt_);
    result_ = finished.ok() ? reader_.Finish(stmt_) : finished.status();
    stmt_.Reset();
    OnFinished();
  }

  // Reads the rows on this thread until they are complete, `patience` has passed, or
  // `others_waiting` says the thread has other work: true when the statement finished (and
  // `done` ran), false to leave the rest to the loop. Looks without sleeping for `busy_poll`
  // first (a sleeping thread's wake-up costs more than a point select's wait on a VM).
  bool WaitHere(int fd, absl::Duration patience, absl::Duration busy_poll,
                const std::function<bool()>& others_waiting) {
    const timespec slice = absl::ToTimespec(absl::Microseconds(100));
    const timespec no_wait{0, 0};
    const absl::Time start = absl::Now();
    const absl::Time busy_until = start + busy_poll;
    const absl::Time until = start + patience;
    while (!others_waiting()) {
      pollfd readable{fd, POLLIN, 0};
      const int n = ppoll(&readable, 1, absl::Now() < busy_until ? &no_wait : &slice, nullptr);
      if (n < 0) return false;
      if (n == 1 && OnReadable()) {
        OnFinished();
        return true;
      }
      if (absl::Now() >= until) return false;
    }
    return false;
  }

  void OnFinished() override {
    lease_ = ConnectionPool::Lease();  // the connection first: the next call may want it
    if (replica_ != nullptr) Reached(*replica_, result_.status());
    done_(std::move(result_));
  }

  void OnTick(absl::Time now, bool ask_cancelled) override {
    if (interrupted_) return;
    if (now >= call_.deadline || (ask_cancelled && call_.cancelled && call_.cancelled())) {
      interrupted_ = true;
      lease_->Interrupt();  // the result then arrives as an error
    }
  }

 private:
  ConnectionPool::Lease lease_;
  Replica* const replica_;  // where the read went (null: the primary)
  Statement stmt_;
  const std::shared_ptr<const PlannedStatement> statement_;
  const std::shared_ptr<const CompiledSql> sql_;
  const CallContext call_;
  ResultCallback done_;
  RowReader reader_;
  const absl::Time start_ = absl::Now();
  absl::StatusOr<v1::QueryResult> result_;
  bool interrupted_ = false;
};

}  // namespace

bool ExecuteNonblocking(Database& db, std::shared_ptr<const PlannedStatement> statement, const CallContext& call,
                        ResultCallback& done) {
  absl::StatusOr<bool> fallback = NeedsReturningFallback(db, *statement);
  // A commented statement is prepared per call, a call with a role runs in a transaction of its
  // own (the blocking path does both).
  if (!fallback.ok() || *fallback || absl::Now() >= call.deadline || !call.sql_comment.empty() || !call.role.empty()) {
    return false;
  }
  absl::StatusOr<std::shared_ptr<const CompiledSql>> sql = db.Compile(*statement);
  if (!sql.ok()) return false;
  // A read takes the next replica's idle connection (the blocking path tries the others), its
  // turn taken only once it goes: when it cannot, the blocking path takes the same turn.
  Replica* replica = nullptr;
  if (ReadsFromReplica(db, *statement, call)) {
    std::vector<Replica*> replicas = db.ReadReplicas(/*take_turn=*/false);
    if (!replicas.empty()) replica = replicas.front();
  }
  std::optional<ConnectionPool::Lease> lease =
      replica != nullptr ? replica->pool().TryAcquire() : db.pool().TryAcquire();
  if (!lease.has_value() || !(*lease)->nonblocking()) return false;
  std::optional<Statement> stmt = (*lease)->Prepared((*sql)->sql);
  if (!stmt.has_value()) return false;

  if (replica != nullptr) db.TakeReadTurn();
  const int fd = (*lease)->socket();
  absl::Status sent = BindParameters(*stmt, **sql, *statement, db.dialect().name());
  if (sent.ok()) sent = stmt->Send();
  if (!sent.ok()) {
    stmt->Reset();
    *lease = ConnectionPool::Lease();
    if (replica != nullptr) Reached(*replica, sent);
    done(sent);
    return true;
  }
  db.CountNonblocking();
  auto pending = std::make_unique<PendingStatement>(*std::move(lease), replica, *stmt, std::move(statement),
                                                    *std::move(sql), call, std::move(done));
  // A driver may have read the whole answer while it sent (MariaDB's execute reads what has
  // arrived): the socket would not become readable again. One poll first. (Not for the others:
  // with PostgreSQL, an early poll cost 10–28% of the calls/s of relational reads.)
  if (db.dialect().Has(SLUICE_CAP_SEND_READS) && pending->OnReadable()) {
    pending->OnFinished();
    return true;
  }
  // Alone, the call's thread has nothing else to do: it takes the rows itself when they come
  // soon (a point select's come within a fraction of a millisecond), which spares a wake-up of
  // the loop's thread and one of the call's thread for the answer.
  if (call.others_waiting && pending->WaitHere(fd, absl::Milliseconds(1), call.busy_poll, call.others_waiting))
    return true;
  std::unique_ptr<EventLoop::Waiter> back = EventLoop::Instance().Watch(fd, std::move(pending));
  if (back != nullptr) static_cast<PendingStatement*>(back.get())->FinishHere();
  return true;
}

}  // namespace sluice
