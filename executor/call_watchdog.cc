#include "executor/call_watchdog.h"

namespace sluice {

CallWatchdog& CallWatchdog::Instance() {
  static CallWatchdog* dog = new CallWatchdog();  // lives as long as the process
  return *dog;
}

CallWatchdog::CallWatchdog() : thread_([this] { Loop(); }) { thread_.detach(); }

std::unique_ptr<CallWatchdog::Watch> CallWatchdog::Start(Connection* conn, const CallContext* call) {
  return Add(Entry{call->deadline, &call->cancelled, [conn] { conn->Interrupt(); }});  // thread-safe by the ABI
}

std::unique_ptr<CallWatchdog::Watch> CallWatchdog::Alarm(absl::Time deadline, std::function<void()> fire) {
  return Add(Entry{deadline, nullptr, std::move(fire)});
}

std::unique_ptr<CallWatchdog::Watch> CallWatchdog::Add(Entry entry) {
  absl::MutexLock lock(&mu_);
  // Only an idle watchdog needs waking: a busy one looks at every entry each round anyway.
  if (entries_.empty()) work_.Signal();
  entries_.push_front(std::move(entry));
  return std::make_unique<Watch>(this, entries_.begin());
}

CallWatchdog::Watch::~Watch() {
  absl::MutexLock lock(&dog_->mu_);
  dog_->entries_.erase(it_);
}

bool CallWatchdog::Watch::fired() const {
  absl::MutexLock lock(&dog_->mu_);
  return it_->fired;
}

void CallWatchdog::Loop() {
  absl::MutexLock lock(&mu_);
  for (unsigned round = 0;; ++round) {
    while (entries_.empty()) work_.Wait(&mu_);
    const absl::Time now = absl::Now();
    // Deadlines are compared every round (10 ms); asking gRPC whether a call was cancelled
    // polls the call's completion queue, so that is done every tenth round (100 ms).
    const bool ask = round % 10 == 0;
    for (Entry& e : entries_) {
      if (e.fired) continue;
      if (now >= e.deadline || (ask && e.cancelled != nullptr && *e.cancelled && (*e.cancelled)())) {
        e.fired = true;
        e.fire();
      }
    }
    work_.WaitWithTimeout(&mu_, absl::Milliseconds(10));
  }
}

}  // namespace sluice
