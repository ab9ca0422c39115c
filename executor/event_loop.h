// Threads that wait on many database sockets at once (epoll), one per two cores, and finish the
// statements whose results arrived: the non-blocking path's only waiting threads.
#ifndef SLUICE_EXECUTOR_EVENT_LOOP_H_
#define SLUICE_EXECUTOR_EVENT_LOOP_H_

#include <atomic>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sluice {

class EventLoop {
 public:
  // Something waiting for a socket. Its calls run on the one loop thread that watches its socket.
  class Waiter {
   public:
    virtual ~Waiter() = default;
    // The socket is readable (or hung up): true when the waiter is finished, false to wait for
    // the socket again.
    virtual bool OnReadable() = 0;
    // After OnReadable returned true and the loop stopped watching the socket (which may then
    // be watched again for another waiter: it stays registered, disarmed, until closed); the
    // loop deletes the waiter after.
    virtual void OnFinished() = 0;
    // About every 10 ms while it waits (deadlines; `ask_cancelled` every tenth time).
    virtual void OnTick(absl::Time now, bool ask_cancelled) = 0;
  };

  // The process's loop: its threads start on first use and are never stopped.
  static EventLoop& Instance();

  // Takes `waiter` and calls its OnReadable once `fd` is readable. Gives it back when the socket
  // cannot be watched (nullptr when it is taken).
  std::unique_ptr<Waiter> Watch(int fd, std::unique_ptr<Waiter> waiter);

 private:
  struct Thread {
    int epoll = -1;
    int wake = -1;  // an eventfd: a loop asleep with nothing to watch is woken by a new waiter
    absl::Mutex mu;
    std::unordered_set<Waiter*> waiters ABSL_GUARDED_BY(mu);
    std::atomic<bool> asleep{false};
  };
  // A registration: which waiter, on which fd (the epoll event's data).
  struct Entry {
    int fd;
    Waiter* waiter;
  };

  explicit EventLoop(size_t threads);
  void Run(Thread& thread);

  std::vector<std::unique_ptr<Thread>> threads_;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_EVENT_LOOP_H_
