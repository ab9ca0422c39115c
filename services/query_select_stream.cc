// QueryService.SelectStream: a select's rows as a server stream, batch by batch at the client's
// pace.
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "services/malformed_requests.h"
#include "services/paced_writes.h"
#include "services/query_service.h"

namespace sluice {
namespace {

// One SelectStream call, on the completion-queue API (UnaryCalls' queues and threads), raw: its
// request is decoded here (bytes that are not the message get INVALID_ARGUMENT,
// MALFORMED_REQUEST). Its events come on the queue's thread, which never blocks; the statement
// runs on ServerState::session_workers, which reads a batch of rows, writes it, and reads the
// next only once the client took it (PacedWrites). The worker is held while the rows stream, as
// the connection is.
class SelectStreamCall final : public UnaryCalls::Ending<SelectStreamCall> {
 public:
  SelectStreamCall(QueryServiceImpl* service, ServerState& state, UnaryCalls& calls, grpc::ServerCompletionQueue* queue)
      : service_(service), state_(state), calls_(calls), queue_(queue) {
    context_.AsyncNotifyWhenDone(done());
    service_->RequestSelectStream(&context_, &request_bytes_, &writer_, queue_, queue_, &started_);
  }

 private:
  using Event = UnaryCalls::Event<SelectStreamCall>;  // on the queue's thread

  void OnStarted(bool ok) {
    if (!ok) {  // the server is shutting down; the call never started (no done event comes)
      delete this;
      return;
    }
    new SelectStreamCall(service_, state_, calls_, queue_);  // the next call
    calls_.Answering(1);
    if (!grpc::SerializationTraits<v1::SelectStreamRequest>::Deserialize(&request_bytes_, &request_).ok()) {
      return Finish(MalformedRequest(v1::SelectStreamRequest::descriptor()->full_name()));
    }
    state_.session_workers->Run([this] {
      Finish(service_->SelectStreamTo(&context_, request_, [this](const v1::SelectStreamResponse& message) {
        grpc::ByteBuffer bytes;
        bool own = false;
        if (!grpc::SerializationTraits<v1::SelectStreamResponse>::Serialize(message, &bytes, &own).ok()) return false;
        return writes_.Write([&] { writer_.Write(bytes, &written_); });
      }));
    });
  }

  void OnWritten(bool ok) { writes_.Written(ok); }

  void Finish(const grpc::Status& status) {
    UnaryCalls* calls = &calls_;  // `this` may be gone once the end is posted
    writer_.Finish(status, finished());
    calls->Answering(-1);
  }

  QueryServiceImpl* const service_;
  ServerState& state_;
  UnaryCalls& calls_;
  grpc::ServerCompletionQueue* const queue_;
  grpc::ServerContext context_;
  grpc::ByteBuffer request_bytes_;
  v1::SelectStreamRequest request_;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer_{&context_};
  PacedWrites writes_;
  Event started_{this, &SelectStreamCall::OnStarted};
  Event written_{this, &SelectStreamCall::OnWritten};
};

}  // namespace

void QueryServiceImpl::ServeSelectStreams(UnaryCalls& calls) {
  calls.ServeOn([this, &calls](grpc::ServerCompletionQueue* queue) {
    for (int i = 0; i < 2; ++i) new SelectStreamCall(this, state_, calls, queue);
  });
}

}  // namespace sluice
