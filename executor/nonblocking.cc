#include "executor/nonblocking.h"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/types/span.h"
#include "executor/event_loop.h"
#include "executor/executor.h"
#include "executor/row_reader.h"

namespace sluice {
namespace {

// A call's statement joins a connection's pipeline only while the pipeline holds fewer than the
// pool's pipeline_depth and its oldest was sent less than kYoung ago: a statement that turns out
// slow holds up at most the few that joined in its first moments.
constexpr absl::Duration kYoung = absl::Microseconds(500);

// A read on `replica` ended with `status`: it answered, or could not be reached.
void Reached(Replica& replica, const absl::Status& status) {
  if (status.ok()) replica.Answered();
  if (status.code() == absl::StatusCode::kUnavailable) replica.Failed(status);
}

// How a statement is sent: on its own, or as a member of a group that runs as one transaction.
enum class Grouped { kNo, kMember, kLast };

// A mutex whose waiter spins a while before it sleeps. A pipeline's lock is held for a
// statement's send (a loopback write that wakes the database on the way) or a read: microseconds,
// while a thread that went to sleep for it must then be woken, which costs more on a VM. (With
// one core the holder cannot run while the waiter spins: no spinning there.)
class ABSL_LOCKABLE SpinFirstMutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    static const int spins = std::thread::hardware_concurrency() > 1 ? kSpins : 0;
    for (int i = 0; i < spins; ++i) {
      if (mu_.TryLock()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    mu_.Lock();
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.Unlock(); }

 private:
  static constexpr int kSpins = 1000;
  absl::Mutex mu_;
};

class ABSL_SCOPED_LOCKABLE SpinFirstLock {
 public:
  explicit SpinFirstLock(SpinFirstMutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~SpinFirstLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  SpinFirstLock(const SpinFirstLock&) = delete;
  SpinFirstLock& operator=(const SpinFirstLock&) = delete;

 private:
  SpinFirstMutex* const mu_;
};

// A sent statement of one call, waiting for its rows.
class PendingStatement {
 public:
  PendingStatement(Replica* replica, Statement stmt, std::shared_ptr<const PlannedStatement> statement,
                   std::shared_ptr<const CompiledSql> sql, const CallContext& call, ResultCallback done,
                   absl::string_view dialect, Grouped grouped = Grouped::kNo)
      : grouped_(grouped),
        replica_(replica),
        stmt_(stmt),
        statement_(std::move(statement)),
        sql_(std::move(sql)),
        call_(call),
        done_(std::move(done)),
        dialect_(dialect),
        reader_(std::in_place, *statement_, nullptr, call_.max_rows, dialect_) {}

  // Binds the call's values and sends the statement: false when that failed (the result is
  // then that error).
  bool Send() {
    absl::Status sent = BindParameters(stmt_, *sql_, *statement_, dialect_);
    if (sent.ok()) sent = grouped_ == Grouped::kNo ? stmt_.Send() : stmt_.SendGrouped(grouped_ == Grouped::kLast);
    if (sent.ok()) return true;
    stmt_.Reset();
    result_ = sent;
    return false;
  }

  // Reads what arrived (the oldest statement of its connection): true when it finished.
  bool Read(bool blocking = false) {
    absl::StatusOr<bool> finished = reader_->Read(stmt_, /*nonblocking=*/!blocking);
    if (finished.ok() && !*finished) return false;
    if (!finished.ok()) {
      result_ = interrupted_ ? InterruptedStatus(finished.status(), call_) : finished.status();
    } else {
      result_ = reader_->Finish(stmt_);
    }
    stmt_.Reset();
    LogStatement(call_, *sql_, start_, result_);
    return true;
  }

  // Sent while other statements were in flight on its connection.
  void SentBehind() { behind_ = true; }

  // Cancelled by the database without this call asking: an interrupt meant for the statement
  // before it on the connection came when that one had just finished (the statement changed
  // nothing). True once. Never for a group's member: its group was rolled back.
  bool CancelledByAnother() {
    if (!behind_ || interrupted_ || resent_ || grouped_ != Grouped::kNo ||
        result_.status().code() != absl::StatusCode::kCancelled) {
      return false;
    }
    resent_ = true;
    reader_.emplace(*statement_, nullptr, call_.max_rows, dialect_);
    return true;
  }

  // Whether the call wants its statement stopped (deadline, cancellation): interrupted once.
  bool WantsInterrupt(absl::Time now, bool ask_cancelled) {
    if (interrupted_) return false;
    if (now < call_.deadline && !(ask_cancelled && call_.cancelled && call_.cancelled())) return false;
    interrupted_ = true;
    return true;
  }

  // Ends the statement with `status` without reading it (its connection broke).
  void Fail(const absl::Status& status) { result_ = status; }

  void Finish() {
    if (replica_ != nullptr) Reached(*replica_, result_.status());
    done_(std::move(result_));
  }

  const absl::Status& status() const { return result_.status(); }

  absl::Time sent_at() const { return start_; }

 private:
  const Grouped grouped_;
  Replica* const replica_;  // where the read went (null: the primary)
  Statement stmt_;
  const std::shared_ptr<const PlannedStatement> statement_;
  const std::shared_ptr<const CompiledSql> sql_;
  const CallContext call_;
  ResultCallback done_;
  const std::string dialect_;
  std::optional<RowReader> reader_;  // anew when the statement is sent again
  const absl::Time start_ = absl::Now();
  absl::StatusOr<v1::QueryResult> result_;
  bool behind_ = false;
  bool interrupted_ = false;
  bool resent_ = false;
};

// A pooled connection with the statements of one or more calls in flight, read in the order sent
// by whichever thread holds `mu` (the call's own thread at first, then the event loop). With a
// plugin that pipelines (pipeline_depth > 1), calls join it while it is young.
class Pipeline : public std::enable_shared_from_this<Pipeline> {
 public:
  Pipeline(ConnectionPool* pool, ConnectionPool::Lease lease)
      : pool_(pool),
        fd_(lease->socket()),
        depth_(std::min<size_t>(pool->options().pipeline_depth, lease->pipeline_depth())),
        lease_(std::move(lease)) {}

  int fd() const { return fd_; }

  // The pipelines of `pool` calls may join.
  static std::vector<std::shared_ptr<Pipeline>> Open(ConnectionPool* pool) {
    absl::MutexLock lock(&registry_mu_);
    auto it = registry_->find(pool);
    return it == registry_->end() ? std::vector<std::shared_ptr<Pipeline>>() : it->second;
  }

  // Sends a call's statement (`make`, given the statement prepared on this connection) behind
  // those in flight, if the pipeline takes it now: open, with room, young, and `sql` prepared
  // on its connection (joining never prepares: the blocking path does, once per connection).
  // False when it does not take it. A statement that failed to send is handed back in `failed`,
  // to be answered.
  bool Join(const std::string& sql, absl::FunctionRef<std::unique_ptr<PendingStatement>(Statement)> make,
            std::unique_ptr<PendingStatement>* failed) ABSL_LOCKS_EXCLUDED(mu_) {
    SpinFirstLock lock(&mu_);
    if (closed_ || queue_.empty() || queue_.size() >= depth_ || absl::Now() - queue_.front()->sent_at() > kYoung) {
      return false;
    }
    std::optional<Statement> stmt = lease_->Prepared(sql);
    if (!stmt.has_value()) return false;
    std::unique_ptr<PendingStatement> statement = make(*stmt);
    if (!Push(statement)) *failed = std::move(statement);
    return true;
  }

  // The first statements, on a connection fresh from the pool: one alone, or the members of a
  // group, sent one after the other. Joinable from now on if the plugin pipelines. Returns the
  // statements that failed, to be answered: all of them when one failed to send (a group fails
  // whole; once part of it was sent, its connection is dropped, and with it what was sent).
  std::vector<std::unique_ptr<PendingStatement>> Start(absl::Span<std::unique_ptr<PendingStatement>> statements) {
    std::vector<std::unique_ptr<PendingStatement>> failed;
    ConnectionPool::Lease back;
    {
      SpinFirstLock lock(&mu_);
      for (std::unique_ptr<PendingStatement>& statement : statements) {
        if (Push(statement)) continue;
        // A group's member that could not be sent (its bind failed): those sent before it are
        // dropped with the connection (no sync point followed them: nothing of theirs is kept),
        // and with those after it they are ABORTED; it keeps its own error, the cause.
        const absl::Status aborted = absl::AbortedError(absl::StrCat(
            "not kept: another statement of its transaction could not be sent (", statement->status().message(), ")"));
        if (!queue_.empty()) lease_->Discard();
        for (auto& sent : queue_) {
          sent->Fail(aborted);
          failed.push_back(std::move(sent));
        }
        queue_.clear();
        for (auto& rest : statements) {
          if (rest == nullptr) continue;
          if (rest != statement) rest->Fail(aborted);
          failed.push_back(std::move(rest));
        }
        closed_ = true;
        back = std::move(lease_);
        return failed;
      }
    }
    if (depth_ > 1) {
      absl::MutexLock lock(&registry_mu_);
      (*registry_)[pool_].push_back(shared_from_this());
    }
    return failed;
  }

  // Reads the statements whose results arrived, oldest first, and answers them (with the lock
  // released). With `blocking`, waits for every result. True when nothing is left in flight:
  // the connection is then back in the pool.
  bool ReadReady(bool blocking = false) ABSL_LOCKS_EXCLUDED(mu_) {
    std::vector<std::unique_ptr<PendingStatement>> finished;
    ConnectionPool::Lease back;
    bool closed = false;
    {
      SpinFirstLock lock(&mu_);
      while (!queue_.empty()) {
        PendingStatement& oldest = *queue_.front();
        if (!oldest.Read(blocking)) break;
        std::unique_ptr<PendingStatement> done = std::move(queue_.front());
        queue_.pop_front();
        if (lease_->broken()) {  // the others cannot be read: they fail as it did
          for (auto& other : queue_) other->Fail(done->status());
          finished.push_back(std::move(done));
          for (auto& other : queue_) finished.push_back(std::move(other));
          queue_.clear();
          break;
        }
        if (done->CancelledByAnother() && Push(done)) continue;
        finished.push_back(std::move(done));
      }
      if (queue_.empty()) {
        closed_ = closed = true;
        back = std::move(lease_);
      }
    }
    if (closed && depth_ > 1) {
      absl::MutexLock lock(&registry_mu_);
      std::vector<std::shared_ptr<Pipeline>>& open = (*registry_)[pool_];
      open.erase(std::remove(open.begin(), open.end(), shared_from_this()), open.end());
      if (open.empty()) registry_->erase(pool_);
    }
    back = ConnectionPool::Lease();  // the connection first: the next call may want it
    for (auto& statement : finished) statement->Finish();
    return closed;
  }

  // About every 10 ms: the oldest statement is interrupted once its call's deadline passed or it
  // was cancelled (only the oldest: the database runs one at a time).
  void Tick(absl::Time now, bool ask_cancelled) ABSL_LOCKS_EXCLUDED(mu_) {
    SpinFirstLock lock(&mu_);
    if (!queue_.empty() && queue_.front()->WantsInterrupt(now, ask_cancelled)) lease_->Interrupt();
  }

  // Reads the results on this thread until nothing is left in flight (true), `patience` passed,
  // or `others_waiting` says the thread has other work. Looks without sleeping for `busy_poll`
  // first (a sleeping thread's wake-up costs more than a point select's wait on a VM).
  bool WaitHere(absl::Duration patience, absl::Duration busy_poll, const std::function<bool()>& others_waiting) {
    const timespec slice = absl::ToTimespec(absl::Microseconds(100));
    const timespec no_wait{0, 0};
    const absl::Time start = absl::Now();
    const absl::Time busy_until = start + busy_poll;
    const absl::Time until = start + patience;
    while (!others_waiting()) {
      pollfd readable{fd_, POLLIN, 0};
      const int n = ppoll(&readable, 1, absl::Now() < busy_until ? &no_wait : &slice, nullptr);
      if (n < 0) return false;
      if (n == 1 && ReadReady()) return true;
      if (absl::Now() >= until) return false;
    }
    return false;
  }

 private:
  // Sends `statement` at the end of the queue, which takes it; a statement that failed to send
  // stays with the caller.
  bool Push(std::unique_ptr<PendingStatement>& statement) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!statement->Send()) return false;
    if (!queue_.empty()) statement->SentBehind();
    queue_.push_back(std::move(statement));
    return true;
  }

  ConnectionPool* const pool_;
  const int fd_;
  const size_t depth_;
  SpinFirstMutex mu_;
  ConnectionPool::Lease lease_ ABSL_GUARDED_BY(mu_);
  std::deque<std::unique_ptr<PendingStatement>> queue_ ABSL_GUARDED_BY(mu_);  // oldest first
  bool closed_ ABSL_GUARDED_BY(mu_) = false;

  static absl::Mutex registry_mu_;
  static absl::flat_hash_map<ConnectionPool*, std::vector<std::shared_ptr<Pipeline>>>* registry_
      ABSL_GUARDED_BY(registry_mu_);
};

absl::Mutex Pipeline::registry_mu_(absl::kConstInit);
absl::flat_hash_map<ConnectionPool*, std::vector<std::shared_ptr<Pipeline>>>* Pipeline::registry_ =
    new absl::flat_hash_map<ConnectionPool*, std::vector<std::shared_ptr<Pipeline>>>();

// The event loop's view of a pipeline.
class PipelineWaiter final : public EventLoop::Waiter {
 public:
  explicit PipelineWaiter(std::shared_ptr<Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}
  bool OnReadable() override { return pipeline_->ReadReady(); }
  void OnFinished() override {}  // ReadReady answered every call
  void OnTick(absl::Time now, bool ask_cancelled) override { pipeline_->Tick(now, ask_cancelled); }
  Pipeline& pipeline() { return *pipeline_; }

 private:
  const std::shared_ptr<Pipeline> pipeline_;
};

// Hands the pipeline's reading to the event loop (or, when its socket cannot be watched, reads
// everything here).
void Watch(std::shared_ptr<Pipeline> pipeline) {
  const int fd = pipeline->fd();
  std::unique_ptr<EventLoop::Waiter> back =
      EventLoop::Instance().Watch(fd, std::make_unique<PipelineWaiter>(std::move(pipeline)));
  if (back != nullptr) static_cast<PipelineWaiter*>(back.get())->pipeline().ReadReady(/*blocking=*/true);
}

// The statement's SQL when the call may take the non-blocking path, else null.
std::shared_ptr<const CompiledSql> NonblockingSql(Database& db, const PlannedStatement& statement,
                                                  const CallContext& call) {
  absl::StatusOr<bool> fallback = NeedsReturningFallback(db, statement);
  // A commented statement is prepared per call, a call with a role runs in a transaction of its
  // own (the blocking path does both).
  if (!fallback.ok() || *fallback || absl::Now() >= call.deadline || !call.sql_comment.empty() || !call.role.empty()) {
    return nullptr;
  }
  absl::StatusOr<std::shared_ptr<const CompiledSql>> sql = db.Compile(statement);
  return sql.ok() ? *std::move(sql) : nullptr;
}

// After the first statements were sent on `pipeline`: its results are read here while the call
// is alone, else by the event loop.
void Follow(Database& db, std::shared_ptr<Pipeline> pipeline, const CallContext& call) {
  // A driver may have read the whole answer while it sent (MariaDB's execute reads what has
  // arrived): the socket would not become readable again. One read first. (Not for the others:
  // with PostgreSQL, an early poll cost 10–28% of the calls/s of relational reads.)
  if (db.dialect().Has(SLUICE_CAP_SEND_READS) && pipeline->ReadReady()) return;
  // Alone, the call's thread has nothing else to do: it takes the rows itself when they come
  // soon (a point select's come within a fraction of a millisecond), which spares a wake-up of
  // the loop's thread and one of the call's thread for the answer.
  if (call.others_waiting && pipeline->WaitHere(absl::Milliseconds(1), call.busy_poll, call.others_waiting)) return;
  Watch(std::move(pipeline));
}

}  // namespace

bool ExecuteNonblocking(Database& db, std::shared_ptr<const PlannedStatement> statement, const CallContext& call,
                        ResultCallback& done) {
  std::shared_ptr<const CompiledSql> sql = NonblockingSql(db, *statement, call);
  if (sql == nullptr) return false;
  // A read takes the next replica's idle connection (the blocking path tries the others), its
  // turn taken only once it goes: when it cannot, the blocking path takes the same turn.
  Replica* replica = nullptr;
  if (ReadsFromReplica(db, *statement, call)) {
    std::vector<Replica*> replicas = db.ReadReplicas(/*take_turn=*/false);
    if (!replicas.empty()) replica = replicas.front();
  }
  ConnectionPool* pool = replica != nullptr ? &replica->pool() : &db.pool();
  const std::string& text = sql->sql;
  // (A lambda, not a std::function: its captures would be a heap allocation per call.)
  const auto pending = [&](Statement stmt) {
    return std::make_unique<PendingStatement>(replica, stmt, std::move(statement), std::move(sql), call,
                                              std::move(done), db.dialect().name());
  };

  // Behind the statements of other calls on a connection, while that pipeline is young.
  for (const std::shared_ptr<Pipeline>& open : Pipeline::Open(pool)) {
    std::unique_ptr<PendingStatement> failed;
    if (!open->Join(text, pending, &failed)) continue;
    if (replica != nullptr) db.TakeReadTurn();
    if (failed != nullptr) {
      failed->Finish();
      return true;
    }
    db.CountNonblocking();
    db.CountPipelined();
    return true;
  }

  std::optional<ConnectionPool::Lease> lease = pool->TryAcquire();
  if (!lease.has_value() || !(*lease)->nonblocking()) return false;
  std::optional<Statement> stmt = (*lease)->Prepared(text);
  if (!stmt.has_value()) return false;
  if (replica != nullptr) db.TakeReadTurn();
  auto pipeline = std::make_shared<Pipeline>(pool, *std::move(lease));
  std::unique_ptr<PendingStatement> first = pending(*stmt);
  std::vector<std::unique_ptr<PendingStatement>> failed = pipeline->Start(absl::MakeSpan(&first, 1));
  if (!failed.empty()) {
    pipeline.reset();  // the connection back to the pool first
    failed.front()->Finish();
    return true;
  }
  db.CountNonblocking();
  Follow(db, std::move(pipeline), call);
  return true;
}

bool ExecuteGroupNonblocking(Database& db, const std::vector<std::shared_ptr<const PlannedStatement>>& statements,
                             const CallContext& call, GroupCallback& done) {
  if (statements.empty()) return false;
  std::vector<std::shared_ptr<const CompiledSql>> sql;
  for (const auto& statement : statements) {
    sql.push_back(NonblockingSql(db, *statement, call));
    if (sql.back() == nullptr) return false;
  }
  std::optional<ConnectionPool::Lease> lease = db.pool().TryAcquire();
  if (!lease.has_value() || !(*lease)->nonblocking() || !(*lease)->groups() ||
      statements.size() > (*lease)->pipeline_depth()) {
    return false;
  }
  std::vector<Statement> stmts;
  for (const auto& text : sql) {
    std::optional<Statement> stmt = (*lease)->Prepared(text->sql);
    if (!stmt.has_value()) return false;
    stmts.push_back(*stmt);
  }
  // Each member's result in its place; `done` once the last is in (members are finished in
  // order, possibly on different threads).
  struct Results {
    std::vector<absl::StatusOr<v1::QueryResult>> each;
    std::atomic<size_t> left;
    GroupCallback done;
  };
  auto results = std::make_shared<Results>();
  results->each.resize(statements.size());
  results->left = statements.size();
  results->done = std::move(done);
  std::vector<std::unique_ptr<PendingStatement>> members;
  for (size_t i = 0; i < statements.size(); ++i) {
    ResultCallback member = [results, i](absl::StatusOr<v1::QueryResult> result) {
      results->each[i] = std::move(result);
      if (results->left.fetch_sub(1) == 1) results->done(std::move(results->each));
    };
    members.push_back(std::make_unique<PendingStatement>(
        nullptr, stmts[i], statements[i], sql[i], call, std::move(member), db.dialect().name(),
        i + 1 < statements.size() ? Grouped::kMember : Grouped::kLast));
  }
  auto pipeline = std::make_shared<Pipeline>(&db.pool(), *std::move(lease));
  std::vector<std::unique_ptr<PendingStatement>> failed = pipeline->Start(absl::MakeSpan(members));
  if (!failed.empty()) {
    pipeline.reset();  // the connection back to the pool (or closed) first
    for (auto& member : failed) member->Finish();
    return true;
  }
  for (size_t i = 0; i < statements.size(); ++i) db.CountNonblocking();
  Follow(db, std::move(pipeline), call);
  return true;
}

}  // namespace sluice
