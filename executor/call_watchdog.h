// Stops a running statement when its call is cancelled or its deadline passes: one thread
// polls the calls that are inside the database (deadlines every 10 ms, cancellation every
// 100 ms) and interrupts their connection. The same thread ends a call that waits on its client
// too long (an idle transaction, a stalled stream: see Alarm).
#ifndef SLUICE_EXECUTOR_CALL_WATCHDOG_H_
#define SLUICE_EXECUTOR_CALL_WATCHDOG_H_

#include <functional>
#include <list>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "executor/connection.h"

namespace sluice {

// What a call brings to the database: its deadline and a way to ask whether it was cancelled.
struct CallContext {
  absl::Time deadline = absl::InfiniteFuture();
  std::function<bool()> cancelled;
  // The most rows a unary result may hold (0: no limit); beyond, RESOURCE_EXHAUSTED.
  size_t max_rows = 0;
  // Log each statement with its duration.
  bool query_log = false;
  // The W3C trace the call belongs to (from its `traceparent` metadata; empty without), for the
  // log lines of the call and its statements.
  std::string trace_id, span_id;
  // With --sql-comment and a trace: the sqlcommenter comment appended to each statement (which is
  // then prepared for this call alone).
  std::string sql_comment;
  // Reads go to the primary even where the database has read replicas (the call's `sluice-read:
  // primary` metadata: read-your-writes).
  bool primary = false;
  // The database role the call runs as (its token's), and its claims (a JSON object, from its
  // `sluice-claims` metadata; "" without): set in each transaction the call's statements run in.
  std::string role;
  std::string claims;
  // Set when the call is the only one sluiced serves at the moment: whether anything else waits
  // for the call's thread. Until something does, a statement sent without blocking is waited for
  // on that thread for a moment (executor/nonblocking), with no hand-off to the event loop.
  std::function<bool()> others_waiting;
  // With others_waiting: how long that thread polls before it sleeps between looks (--busy-poll-us).
  absl::Duration busy_poll = absl::ZeroDuration();
};

// Thread-safe: one thread of its own interrupts the statements of calls that were cancelled or
// passed their deadline.
class CallWatchdog {
 public:
  static CallWatchdog& Instance();

  struct Entry {
    absl::Time deadline;
    const std::function<bool()>* cancelled;  // may be null or empty
    std::function<void()> fire;
    bool fired = false;
  };

  // While a Watch lives, `conn` is interrupted once `call` is cancelled or past its deadline,
  // and `fire` runs once at `deadline` (Alarm).
  class Watch {
   public:
    Watch(CallWatchdog* dog, std::list<Entry>::iterator it) : dog_(dog), it_(it) {}
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;
    ~Watch();
    // Whether the watchdog interrupted the statement.
    bool fired() const;

   private:
    CallWatchdog* dog_;
    std::list<Entry>::iterator it_;
  };

  std::unique_ptr<Watch> Start(Connection* conn, const CallContext* call);
  // `fire` (which must not block) runs on the watchdog's thread once `deadline` passes, unless the
  // Watch went away before.
  std::unique_ptr<Watch> Alarm(absl::Time deadline, std::function<void()> fire);

 private:
  CallWatchdog();
  void Loop();
  std::unique_ptr<Watch> Add(Entry entry);

  absl::Mutex mu_;
  absl::CondVar work_;  // signalled when an idle watchdog gets an entry
  std::list<Entry> entries_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_CALL_WATCHDOG_H_
