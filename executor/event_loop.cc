#include "executor/event_loop.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace sluice {

EventLoop& EventLoop::Instance() {
  // A thread per two cores, as the gRPC completion queues; lives as long as the process.
  static EventLoop* loop = new EventLoop(std::max(1u, std::thread::hardware_concurrency() / 2));
  return *loop;
}

EventLoop::EventLoop(size_t threads) {
  for (size_t i = 0; i < threads; ++i) {
    auto thread = std::make_unique<Thread>();
    thread->epoll = epoll_create1(EPOLL_CLOEXEC);
    thread->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;  // the wake-up
    epoll_ctl(thread->epoll, EPOLL_CTL_ADD, thread->wake, &event);
    Thread* t = thread.get();
    std::thread([this, t] { Run(*t); }).detach();
    threads_.push_back(std::move(thread));
  }
}

std::unique_ptr<EventLoop::Waiter> EventLoop::Watch(int fd, std::unique_ptr<Waiter> waiter) {
  // A socket stays on one thread: its waiters never race each other.
  Thread& thread = *threads_[static_cast<size_t>(fd) % threads_.size()];
  Waiter* w = waiter.get();
  auto entry = std::make_unique<Entry>(Entry{fd, w});
  {
    absl::MutexLock lock(&thread.mu);
    thread.waiters.insert(w);
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.ptr = entry.get();
  // A socket stays registered, disarmed, after its waiter finished (one-shot): the next waiter
  // on it re-arms it (one system call a statement, not two). The kernel drops the registration
  // when the socket is closed, so a new connection's socket (ENOENT) is added.
  if (epoll_ctl(thread.epoll, EPOLL_CTL_MOD, fd, &event) != 0 &&
      (errno != ENOENT || epoll_ctl(thread.epoll, EPOLL_CTL_ADD, fd, &event) != 0)) {
    absl::MutexLock lock(&thread.mu);
    thread.waiters.erase(w);
    return waiter;
  }
  entry.release();
  waiter.release();
  if (thread.asleep.load(std::memory_order_acquire)) {
    const uint64_t one = 1;
    (void)!write(thread.wake, &one, sizeof one);
  }
  return nullptr;
}

void EventLoop::Run(Thread& thread) {
  pthread_setname_np(pthread_self(), "sluice-loop");
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  absl::Time last_busy = absl::Now();
  absl::Time next_tick = absl::InfinitePast();
  unsigned ticks = 0;
  while (true) {
    bool empty;
    {
      absl::MutexLock lock(&thread.mu);
      empty = thread.waiters.empty();
    }
    // Waiters: wake every 10 ms for their deadlines. None: keep that pace for a second (the next
    // call usually comes soon), then sleep until Watch wakes the thread.
    const bool sleep = empty && absl::Now() - last_busy > absl::Seconds(1);
    thread.asleep.store(sleep, std::memory_order_release);
    if (sleep) {  // a waiter added just before `asleep` was set is seen here
      absl::MutexLock lock(&thread.mu);
      if (!thread.waiters.empty()) thread.asleep.store(false, std::memory_order_release);
    }
    const int n = epoll_wait(thread.epoll, events, kMaxEvents, thread.asleep.load() ? -1 : 10);
    thread.asleep.store(false, std::memory_order_release);
    for (int i = 0; i < n; ++i) {
      auto* entry = static_cast<Entry*>(events[i].data.ptr);
      if (entry == nullptr) {
        uint64_t count;
        (void)!read(thread.wake, &count, sizeof count);
        continue;
      }
      if (!entry->waiter->OnReadable()) {
        epoll_event rearm{};
        rearm.events = EPOLLIN | EPOLLONESHOT;
        rearm.data.ptr = entry;
        epoll_ctl(thread.epoll, EPOLL_CTL_MOD, entry->fd, &rearm);
        continue;
      }
      {
        absl::MutexLock lock(&thread.mu);
        thread.waiters.erase(entry->waiter);
      }
      entry->waiter->OnFinished();
      delete entry->waiter;
      delete entry;
    }
    const absl::Time now = absl::Now();
    if (!empty || n > 0) last_busy = now;
    if (now >= next_tick) {
      next_tick = now + absl::Milliseconds(10);
      const bool ask = ++ticks % 10 == 0;
      absl::MutexLock lock(&thread.mu);
      for (Waiter* waiter : thread.waiters) waiter->OnTick(now, ask);
    }
  }
}

}  // namespace sluice
