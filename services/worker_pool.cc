#include "services/worker_pool.h"

#include <pthread.h>

#include <algorithm>

namespace sluice {

WorkerPool::WorkerPool(size_t threads, bool grow, absl::Duration retire_after)
    : grow_(grow), retire_after_(retire_after) {
  absl::MutexLock lock(&mu_);
  staying_ = std::max<size_t>(1, threads);
  for (size_t i = 0; i < staying_; ++i) Start();
}

WorkerPool::~WorkerPool() {
  std::list<std::thread> threads;
  std::vector<std::thread> retired;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;  // no thread starts or retires once stopping
    threads.swap(threads_);
    retired.swap(retired_);
  }
  for (std::thread& t : threads) t.join();
  for (std::thread& t : retired) t.join();
}

void WorkerPool::Run(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
  if (grow_ && !stopping_ && queue_.size() > idle_) Start();
}

void WorkerPool::Start() {
  for (std::thread& t : retired_) t.join();  // ended already, or about to
  retired_.clear();
  ++idle_;  // from its start: a thread on its way to the queue takes work as one waiting there does
  const bool stays = threads_.size() < staying_;
  threads_.emplace_back();
  const Thread self = std::prev(threads_.end());
  *self = std::thread([this, self, stays] { Loop(self, stays); });  // `self` is read under mu_, held here
}

size_t WorkerPool::threads() {
  absl::MutexLock lock(&mu_);
  return threads_.size();
}

void WorkerPool::Loop(Thread self, bool stays) {
  pthread_setname_np(pthread_self(), "sluice-worker");
  for (bool first = true;; first = false) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      if (!first) ++idle_;
      const bool woken = stays ? (mu_.Await(absl::Condition(this, &WorkerPool::HasWork)), true)
                               : mu_.AwaitWithTimeout(absl::Condition(this, &WorkerPool::HasWork), retire_after_);
      --idle_;
      if (!woken && !stopping_) {  // no work for a while: a thread that grew the pool ends
        retired_.push_back(std::move(*self));
        threads_.erase(self);
        return;
      }
      if (queue_.empty()) return;  // stopping, and nothing left
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace sluice
