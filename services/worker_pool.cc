#include "services/worker_pool.h"

#include <pthread.h>

#include <algorithm>

namespace sluice {

WorkerPool::WorkerPool(size_t threads, bool grow) : grow_(grow) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) Start();
}

WorkerPool::~WorkerPool() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    threads.swap(threads_);  // no thread starts once stopping
  }
  for (std::thread& t : threads) t.join();
}

void WorkerPool::Run(std::function<void()> work) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(work));
  if (grow_ && !stopping_ && queue_.size() > idle_) Start();
}

void WorkerPool::Start() {
  ++idle_;  // from its start: a thread on its way to the queue takes work as one waiting there does
  threads_.emplace_back([this] { Loop(); });
}

size_t WorkerPool::threads() {
  absl::MutexLock lock(&mu_);
  return threads_.size();
}

void WorkerPool::Loop() {
  pthread_setname_np(pthread_self(), "sluice-worker");
  for (bool first = true;; first = false) {
    std::function<void()> work;
    {
      absl::MutexLock lock(&mu_);
      if (!first) ++idle_;
      mu_.Await(absl::Condition(this, &WorkerPool::HasWork));
      --idle_;
      if (queue_.empty()) return;  // stopping, and nothing left
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace sluice
