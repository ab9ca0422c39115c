#include "services/unary_calls.h"

#include <pthread.h>

namespace sluice {

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
      void* tag = nullptr;
      bool ok = false;
      while (q->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
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
    for (auto& queue : queues_) {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
    }
  }
}

}  // namespace sluice
