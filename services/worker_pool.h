// Threads for the calls that must block (a driver without the non-blocking path, a connection
// still to open or prepare, the steps of an interactive transaction): handlers that must not
// block hand such work here and return at once, so gRPC's own threads never wait for a database.
#ifndef SLUICE_SERVICES_WORKER_POOL_H_
#define SLUICE_SERVICES_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <list>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sluice {

class WorkerPool {
 public:
  // Starts `threads` threads (at least one), which stay. With `grow`, work queued while every
  // thread is busy starts one more, which ends once it found no work for `retire_after`: for
  // work that waits on other work in the pool, such as a transaction's next statement behind
  // another transaction's wait for a connection the first one holds, which a fixed set of
  // threads could leave waiting for ever.
  explicit WorkerPool(size_t threads, bool grow = false, absl::Duration retire_after = absl::Seconds(10));
  // Runs what was queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `work` on a worker thread, in the order queued.
  void Run(std::function<void()> work);

  // The threads running now.
  size_t threads();

 private:
  using Thread = std::list<std::thread>::iterator;
  void Start() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Loop(Thread self, bool stays);
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  const bool grow_;
  const absl::Duration retire_after_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  size_t idle_ ABSL_GUARDED_BY(mu_) = 0;  // threads waiting for work, or starting
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::list<std::thread> threads_ ABSL_GUARDED_BY(mu_);
  size_t staying_ ABSL_GUARDED_BY(mu_) = 0;                // the first threads_, which never retire
  std::vector<std::thread> retired_ ABSL_GUARDED_BY(mu_);  // ended, to join
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_WORKER_POOL_H_
