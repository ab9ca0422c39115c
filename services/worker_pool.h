// A fixed set of threads for the calls that must block (a driver without the non-blocking path,
// a connection still to open or prepare, transactions of several statements): callback-API
// handlers hand such work here and return at once, so gRPC's own threads never wait for a
// database.
#ifndef SLUICE_SERVICES_WORKER_POOL_H_
#define SLUICE_SERVICES_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace sluice {

class WorkerPool {
 public:
  // Starts `threads` threads (at least one).
  explicit WorkerPool(size_t threads);
  // Runs what was queued, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `work` on a worker thread, in the order queued.
  void Run(std::function<void()> work);

 private:
  void Loop();
  bool HasWork() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !queue_.empty(); }

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_WORKER_POOL_H_
