#include "services/unary_calls.h"

#include <pthread.h>

#include <utility>

namespace sluice {
namespace {

// The queue of this thread (null off the class's threads), and an event OthersWaiting took off it.
thread_local grpc::ServerCompletionQueue* this_queue = nullptr;
struct Event {
  UnaryCalls::Tag* tag = nullptr;
  bool ok = false;
};
thread_local Event taken;

// Polls `queue` without sleeping for `busy_poll`: whether an event came (in `tag`, `ok`) or the
// queue was shut down (`shut_down`).
bool BusyPoll(grpc::ServerCompletionQueue* queue, absl::Duration busy_poll, void** tag, bool* ok, bool* shut_down) {
  const absl::Time until = absl::Now() + busy_poll;
  do {
    switch (queue->AsyncNext(tag, ok, gpr_time_0(GPR_CLOCK_MONOTONIC))) {
      case grpc::CompletionQueue::GOT_EVENT:
        return true;
      case grpc::CompletionQueue::SHUTDOWN:
        *shut_down = true;
        return false;
      case grpc::CompletionQueue::TIMEOUT:
        break;
    }
  } while (absl::Now() < until);
  return false;
}

// The queue's events until it is shut down, each handled in turn. While nothing is served, the
// queue is polled for `busy_poll` before the thread sleeps in Next, as long as the last such gap
// was that short (calls one after another); a gap longer turns the polling off until a gap is
// short again, so that calls far apart cost no polling.
void HandleEvents(grpc::ServerCompletionQueue* queue, absl::Duration busy_poll, const std::function<bool()>& idle) {
  this_queue = queue;
  void* tag = nullptr;
  bool ok = false;
  bool shut_down = false;
  bool gaps_short = true;
  for (;;) {
    if (busy_poll > absl::ZeroDuration() && idle && idle()) {
      const absl::Time empty = absl::Now();
      if (!(gaps_short && BusyPoll(queue, busy_poll, &tag, &ok, &shut_down))) {
        if (shut_down || !queue->Next(&tag, &ok)) break;
        gaps_short = absl::Now() - empty <= busy_poll;
      }
    } else if (!queue->Next(&tag, &ok)) {
      break;
    }
    static_cast<UnaryCalls::Tag*>(tag)->Proceed(ok);
    while (taken.tag != nullptr) {
      const Event event = std::exchange(taken, Event{});
      event.tag->Proceed(event.ok);
    }
  }
  this_queue = nullptr;
}

}  // namespace

bool UnaryCalls::OthersWaiting() {
  if (this_queue == nullptr || taken.tag != nullptr) return true;
  void* tag = nullptr;
  bool ok = false;
  switch (this_queue->AsyncNext(&tag, &ok, gpr_time_0(GPR_CLOCK_MONOTONIC))) {
    case grpc::CompletionQueue::GOT_EVENT:
      taken = {static_cast<Tag*>(tag), ok};
      return true;
    case grpc::CompletionQueue::TIMEOUT:
      return false;
    case grpc::CompletionQueue::SHUTDOWN:
      break;
  }
  return true;
}

UnaryCalls::UnaryCalls(grpc::ServerBuilder& builder, size_t threads, absl::Duration busy_poll,
                       std::function<bool()> idle)
    : busy_poll_(busy_poll), idle_(std::move(idle)) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) queues_.push_back(builder.AddCompletionQueue());
}

UnaryCalls::~UnaryCalls() { Shutdown(); }

void UnaryCalls::Start() {
  for (auto& queue : queues_) {
    for (auto& arm : arm_) arm(queue.get());
    grpc::ServerCompletionQueue* q = queue.get();
    threads_.emplace_back([this, q] {
      pthread_setname_np(pthread_self(), "sluice-calls");
      HandleEvents(q, busy_poll_, idle_);
    });
  }
}

void UnaryCalls::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // An answer still to come posts to its queue: the queues stay open until every call answered
  // (the event loop and the watchdog end the cancelled ones).
  while (answering_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (auto& queue : queues_) queue->Shutdown();
  // Each thread drains its queue (the calls still armed come back not ok and delete
  // themselves); queues of a server that never started are drained here.
  for (std::thread& t : threads_) t.join();
  if (threads_.empty()) {
    for (auto& queue : queues_) HandleEvents(queue.get(), absl::ZeroDuration(), nullptr);
  }
}

}  // namespace sluice
