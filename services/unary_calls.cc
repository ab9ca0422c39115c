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

// The queue's events until it is shut down, each handled in turn.
void HandleEvents(grpc::ServerCompletionQueue* queue) {
  this_queue = queue;
  void* tag = nullptr;
  bool ok = false;
  while (queue->Next(&tag, &ok)) {
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

UnaryCalls::UnaryCalls(grpc::ServerBuilder& builder, size_t threads) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) queues_.push_back(builder.AddCompletionQueue());
}

UnaryCalls::~UnaryCalls() { Shutdown(); }

void UnaryCalls::Start() {
  for (auto& queue : queues_) {
    for (auto& arm : arm_) arm(queue.get());
    grpc::ServerCompletionQueue* q = queue.get();
    threads_.emplace_back([q] {
      pthread_setname_np(pthread_self(), "sluice-calls");
      HandleEvents(q);
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
    for (auto& queue : queues_) HandleEvents(queue.get());
  }
}

}  // namespace sluice
