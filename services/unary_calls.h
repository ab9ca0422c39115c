// The unary calls that run statements (one, or a Batch), on gRPC's completion-queue API: a
// thread per queue waits on it, reads a call and hands it to its handler, which answers without
// blocking (at once, or later from the event loop or a worker). No thread per call, and no
// hand-off between gRPC's threads: the cheapest way through gRPC 1.51 (docs/architecture.md,
// "Serving threads").
#ifndef SLUICE_SERVICES_UNARY_CALLS_H_
#define SLUICE_SERVICES_UNARY_CALLS_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/async_unary_call.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "google/protobuf/arena.h"

#include "absl/time/time.h"
#include "services/malformed_requests.h"

namespace sluice {

// How a handler answers its call: exactly once, from any thread.
using Answer = std::function<void(const grpc::Status&)>;

class UnaryCalls {
 public:
  template <typename Request, typename Response>
  struct Method {
    // The generated raw RequestX (WithRawMethod_X: the message as bytes), bound to its service.
    std::function<void(grpc::ServerContext*, grpc::ByteBuffer*, grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>*,
                       grpc::ServerCompletionQueue*, void*)>
        request;
    // Must not block: answers through `answer`; the context, request and response stay valid
    // until then.
    std::function<void(grpc::ServerContext*, const Request*, Response*, Answer answer)> handle;
    // The handler builds its response in place (a message built elsewhere and moved in would be
    // copied): the response is then on an arena (its first block 8 KiB), freed at once when it is
    // sent, not message by message.
    bool arena = false;
  };

  // Adds `threads` completion queues to `builder` (before BuildAndStart). A thread whose queue is
  // empty while `idle` (no call in flight anywhere, the last ones one at a time) polls it for
  // `busy_poll` before it sleeps: the next call of a client calling one at a time is then taken
  // without a wake-up.
  UnaryCalls(grpc::ServerBuilder& builder, size_t threads, absl::Duration busy_poll = absl::ZeroDuration(),
             std::function<bool()> idle = nullptr);
  // Shut down (Shutdown) first.
  ~UnaryCalls();

  // After BuildAndStart: serves `method` on every queue (call before Start).
  template <typename Request, typename Response>
  void Serve(Method<Request, Response> method);
  // A completion queue's event: the call it belongs to goes on.
  struct Tag {
    virtual ~Tag() = default;
    virtual void Proceed(bool ok) = 0;
  };
  // A Tag that runs a member function of its call.
  template <typename Call>
  struct Event final : Tag {
    Event(Call* call, void (Call::*on)(bool)) : call(call), on(on) {}
    void Proceed(bool ok) override { (call->*on)(ok); }
    Call* call;
    void (Call::*on)(bool ok);
  };
  // The two last events of a call served on these queues by a class of its own (`Call`, derived
  // from this): its end sent (`finished()`, the tag of its Finish) and the call done (`done()`,
  // AsyncNotifyWhenDone's tag: also a cancellation). Both come on the call's queue, so one thread
  // sees them; after both the call is deleted, once `Call::Settled()` (a Call with reads or writes
  // that may still be pending hides this one, and calls Release when the last comes).
  template <typename Call>
  class Ending {
   public:
    Tag* finished() { return &finished_; }
    Tag* done() { return &done_; }
    bool Settled() const { return true; }

   protected:
    void Release() {
      if (finished_.seen && done_.seen && static_cast<Call*>(this)->Settled()) delete static_cast<Call*>(this);
    }

   private:
    struct Seen final : Tag {
      explicit Seen(Ending* ending) : ending(ending) {}
      void Proceed(bool) override {
        seen = true;
        ending->Release();
      }
      Ending* ending;
      bool seen = false;
    };
    Seen finished_{this};
    Seen done_{this};
  };
  // After BuildAndStart: `arm` requests calls of another service (gRPC's generic API: the typed
  // services) on each queue, whose events, all Tags, this class's threads then handle.
  void ServeOn(std::function<void(grpc::ServerCompletionQueue*)> arm) { arm_.push_back(std::move(arm)); }
  // A call handled and not answered yet (+1), or answered (-1): Shutdown waits for every answer.
  void Answering(int delta) { answering_ += static_cast<size_t>(delta); }
  void Start();

  // On a thread of this class, inside a handler: whether another event (a call, an answer sent)
  // waits on the thread's queue. One that does is taken off the queue and handled as soon as the
  // handler returns. Elsewhere: true.
  static bool OthersWaiting();

  // After the server's Shutdown returned: waits for the calls still being answered, then stops
  // the queues and joins their threads.
  void Shutdown();

 private:
  template <typename Request, typename Response>
  class Call;

  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::function<void(grpc::ServerCompletionQueue*)>> arm_;  // one per method
  std::vector<std::thread> threads_;
  const absl::Duration busy_poll_;
  const std::function<bool()> idle_;
  std::atomic<size_t> answering_{0};  // handled, not yet answered
  bool shut_down_ = false;
};

// One call of one method, from its request to its last event: the answer (Finish) and the end
// of the call (AsyncNotifyWhenDone, which also tells a cancellation). Both events come on the
// call's own queue, so one thread sees them.
template <typename Request, typename Response>
class UnaryCalls::Call final : public UnaryCalls::Tag {
 public:
  Call(UnaryCalls* calls, std::shared_ptr<const Method<Request, Response>> method, grpc::ServerCompletionQueue* queue)
      : calls_(calls), method_(std::move(method)), queue_(queue) {
    if (method_->arena) {
      google::protobuf::ArenaOptions options;
      options.start_block_size = 8192;
      arena_.emplace(options);
      response_ = google::protobuf::Arena::CreateMessage<Response>(&*arena_);
    }
    context_.AsyncNotifyWhenDone(&done_);
    method_->request(&context_, &request_bytes_, &writer_, queue_, this);
  }

  void Proceed(bool ok) override {
    if (!started_) {
      started_ = true;
      if (!ok) {  // the server is shutting down; the call never started (no done event comes)
        delete this;
        return;
      }
      new Call(calls_, method_, queue_);  // the next call of this method
      UnaryCalls* calls = calls_;         // `this` may be gone once Finish is posted
      ++calls->answering_;
      Answer answer = [this, calls](const grpc::Status& status) {
        grpc::ByteBuffer bytes;
        bool own = false;
        if (status.ok()) (void)grpc::SerializationTraits<Response>::Serialize(*response_, &bytes, &own);
        // The response's rows are freed here, on the thread that (most often) decoded them: freed
        // by the queue's thread with the call, each would be a cross-thread free, which the
        // allocator pays for again when it collects them (10% of a relational read's CPU).
        if (arena_.has_value()) {
          response_ = nullptr;
          arena_.reset();
        } else {
          Response sent;
          sent.Swap(&own_response_);
        }
        writer_.Finish(bytes, status, this);  // `this` may be gone from here on
        --calls->answering_;
      };
      // Decoded here, not by gRPC, so that bytes which are not the method's message get a clear
      // INVALID_ARGUMENT (gRPC would cancel the call with INTERNAL).
      if (!grpc::SerializationTraits<Request>::Deserialize(&request_bytes_, &request_).ok()) {
        return answer(MalformedRequest(Request::descriptor()->full_name()));
      }
      method_->handle(&context_, &request_, response_, std::move(answer));
      return;
    }
    answered_ = true;
    Release();
  }

 private:
  // The end of the call (after its answer, or a cancellation).
  struct Done final : Tag {
    explicit Done(Call* call) : call(call) {}
    void Proceed(bool) override {
      call->done_seen_ = true;
      call->Release();
    }
    Call* call;
  };
  void Release() {
    if (answered_ && done_seen_) delete this;
  }

  UnaryCalls* calls_;
  const std::shared_ptr<const Method<Request, Response>> method_;
  grpc::ServerCompletionQueue* queue_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_bytes_;
  Request request_;
  std::optional<google::protobuf::Arena> arena_;  // Method::arena
  Response own_response_;                         // when the method's responses are not on an arena
  Response* response_ = &own_response_;
  grpc::ServerAsyncResponseWriter<grpc::ByteBuffer> writer_{&context_};
  Done done_{this};
  bool started_ = false;
  bool answered_ = false;
  bool done_seen_ = false;
};

template <typename Request, typename Response>
void UnaryCalls::Serve(Method<Request, Response> method) {
  auto shared = std::make_shared<const Method<Request, Response>>(std::move(method));
  arm_.push_back([this, shared](grpc::ServerCompletionQueue* queue) {
    // A few calls waiting per queue: a burst is matched without waiting for a re-arm.
    for (int i = 0; i < 4; ++i) new Call<Request, Response>(this, shared, queue);
  });
}

}  // namespace sluice

#endif  // SLUICE_SERVICES_UNARY_CALLS_H_
