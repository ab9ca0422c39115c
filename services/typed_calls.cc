#include "services/typed_calls.h"

#include <grpcpp/support/proto_buffer_reader.h>
#include <pthread.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/grpc_status.h"
#include "services/malformed_requests.h"
#include "typed/encode.h"
#include "typed/translate.h"

namespace sluice {
namespace {

// `bytes` as a message gRPC sends (the string moves into the slice, no copy).
grpc::ByteBuffer Bytes(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* s) { delete static_cast<std::string*>(s); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

bool Parse(grpc::ByteBuffer* bytes, google::protobuf::Message* message) {
  grpc::ProtoBufferReader reader(bytes);
  return message->ParseFromZeroCopyStream(&reader);
}

}  // namespace

// One typed call, from its request to its last event (its answer, and the end of the call).
class TypedCalls::Call {
 public:
  Call(TypedCalls* owner, grpc::ServerCompletionQueue* queue) : owner_(owner), state_(owner->state_), queue_(queue) {
    context_.AsyncNotifyWhenDone(&done_);
    owner_->service_.RequestCall(&context_, &stream_, queue_, queue_, &requested_);
  }

 private:
  // A completion queue event of this call.
  struct Event final : UnaryCalls::Tag {
    Event(Call* call, void (Call::*on)(bool)) : call(call), on(on) {}
    void Proceed(bool ok) override { (call->*on)(ok); }
    Call* call;
    void (Call::*on)(bool ok);
  };

  void OnRequested(bool ok) {
    if (!ok) {  // the server is shutting down: the call never started (no done event comes)
      delete this;
      return;
    }
    new Call(owner_, queue_);  // the next call
    owner_->calls_->Answering(+1);
    const std::string& path = context_.method();
    schema_ = state_.typed_api.ForMethod(path, &method_);
    if (schema_ == nullptr && absl::StartsWith(path, "/sluice.schemas.")) {
      // Registered through another server? Read the registry on a worker (it blocks).
      state_.workers->Run([this] {
        state_.LoadTypedApi(false);
        schema_ = state_.typed_api.ForMethod(context_.method(), &method_);
        Start();
      });
      return;
    }
    Start();
  }

  // The method found (or not): read the request, or answer.
  void Start() {
    const std::string& path = context_.method();
    if (schema_ == nullptr) {
      // A typed service whose table is gone (a new version dropped it): NOT_FOUND; any other
      // path: what gRPC answers for a method it does not serve.
      if (absl::StartsWith(path, "/sluice.schemas.")) {
        return Finish(ToGrpcStatus(WithErrorInfo(
            absl::NotFoundError(absl::StrCat("no registered schema serves ", path,
                                             " (its table or schema is not in the latest registered version)")),
            "TYPED_SERVICE_NOT_FOUND", {{"method", path}})));
      }
      return Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""));
    }
    stream_.Read(&request_bytes_, &read_);
  }

  void OnRead(bool ok) {
    request_ = schema_->New(method_->request, &arena_);
    if (!ok || !Parse(&request_bytes_, request_)) return Finish(MalformedRequest(method_->request->full_name()));
    absl::Status known = typed::CheckKnownFields(*request_);
    if (!known.ok()) return Refuse(known);
    database_ = request_->GetReflection()->GetString(*request_, method_->request->FindFieldByName("database"));
    switch (method_->kind) {
      case typed::MethodKind::kFind:
      case typed::MethodKind::kFindFirst:
      case typed::MethodKind::kGet: {
        absl::StatusOr<v1::FindManyRequest> find = typed::ToFind(*schema_, *method_, *request_);
        if (!find.ok()) return Refuse(find.status());
        const bool first = method_->kind != typed::MethodKind::kFind;
        // Without relations, a plain select (no JSON built by the database, none parsed here).
        if (std::optional<v1::SelectRequest> select = typed::AsSelect(*find, first)) {
          select_ = *std::move(select);
          return owner_->queries_.Select(&context_, &select_, &select_out_, Then([this] {
            return typed::EncodeSelect(*schema_, *method_, select_out_.result());
          }));
        }
        find_ = *std::move(find);
        return owner_->queries_.FindNested(&context_, &find_, first, &found_,
                                           Then([this] { return typed::EncodeFind(*schema_, *method_, found_); }));
      }
      case typed::MethodKind::kInsert:
        return Write(typed::ToInsert(*schema_, *method_, *request_), &insert_, &insert_out_, &QueryServiceImpl::Insert);
      case typed::MethodKind::kUpdate:
        return Write(typed::ToUpdate(*schema_, *method_, *request_), &update_, &update_out_, &QueryServiceImpl::Update);
      case typed::MethodKind::kDelete:
        return Write(typed::ToDelete(*schema_, *method_, *request_), &delete_, &delete_out_, &QueryServiceImpl::Delete);
      case typed::MethodKind::kStream:
        std::thread([this] {
          pthread_setname_np(pthread_self(), "sluice-stream");
          Stream();
        }).detach();
        return;
    }
  }

  // Insert, Update, Delete: the generic write (`request` kept as `*into`), its result translated.
  template <typename Request, typename Response>
  void Write(absl::StatusOr<Request> request, Request* into, Response* out,
             void (QueryServiceImpl::*handler)(grpc::ServerContext*, const Request*, Response*, Answer)) {
    if (!request.ok()) return Refuse(request.status());
    *into = *std::move(request);
    (owner_->queries_.*handler)(&context_, into, out,
                                Then([this, out] { return typed::EncodeWrite(*schema_, *method_, out->result()); }));
  }

  // Stream: the generic SelectStream's work; each batch of rows translated and written, the next
  // read only once the client took it.
  void Stream() {
    grpc::Status status;
    absl::StatusOr<v1::SelectStreamRequest> request = typed::ToStream(*schema_, *method_, *request_);
    if (!request.ok()) {
      status = state_.Serve(&context_, GenericMethod(), Scope::kData, database_, [&] { return request.status(); });
      return Finish(status);
    }
    google::protobuf::RepeatedPtrField<v1::ResultColumn> columns;
    absl::Status translated;
    status = owner_->queries_.SelectStreamTo(&context_, *request, [&](const v1::SelectStreamResponse& message) {
      if (message.has_header()) {
        columns = message.header().columns();
        return true;
      }
      absl::StatusOr<std::string> batch = typed::EncodeRows(*schema_, *method_, columns, message.rows().rows());
      translated = batch.status();
      return batch.ok() && Write(Bytes(*std::move(batch)));
    });
    if (!translated.ok()) status = ToGrpcStatus(translated);
    Finish(status);
  }

  // Writes one message of a stream and waits until the client took it (false: it is gone).
  bool Write(const grpc::ByteBuffer& bytes) {
    std::unique_lock<std::mutex> lock(write_mu_);
    written_now_ = false;
    stream_.Write(bytes, &written_);
    write_cv_.wait(lock, [this] { return written_now_; });
    return write_ok_;
  }

  void OnWritten(bool ok) {
    std::lock_guard<std::mutex> lock(write_mu_);
    written_now_ = true;
    write_ok_ = ok;
    write_cv_.notify_one();
  }

  // An answer that encodes the generic response as the typed one (`encode`) and sends it.
  Answer Then(std::function<absl::StatusOr<std::string>()> encode) {
    return [this, encode = std::move(encode)](const grpc::Status& status) {
      if (!status.ok()) return Finish(status);
      absl::StatusOr<std::string> response = encode();
      if (!response.ok()) return Finish(ToGrpcStatus(response.status()));
      Finish(grpc::Status::OK, Bytes(*std::move(response)));
    };
  }

  // The generic method a typed call runs as (its metrics' label).
  const char* GenericMethod() const {
    switch (method_->kind) {
      case typed::MethodKind::kFind:
        return "QueryService/FindMany";
      case typed::MethodKind::kFindFirst:
      case typed::MethodKind::kGet:
        return "QueryService/FindFirst";
      case typed::MethodKind::kInsert:
        return "QueryService/Insert";
      case typed::MethodKind::kUpdate:
        return "QueryService/Update";
      case typed::MethodKind::kDelete:
        return "QueryService/Delete";
      case typed::MethodKind::kStream:
        break;
    }
    return "QueryService/SelectStream";
  }

  // A request that does not translate: answered after the call's authorization and admission
  // (an unauthenticated caller learns nothing of the request), and recorded.
  void Refuse(const absl::Status& status) {
    state_.ServeAsync(
        &context_, GenericMethod(), Scope::kData, database_, [this](const grpc::Status& refused) { Finish(refused); },
        [&status](ServerState::Finish finish) { finish(status); });
  }

  // Answers the call: `response` (the typed response's bytes) with an OK status.
  void Finish(const grpc::Status& status, const grpc::ByteBuffer& response = grpc::ByteBuffer()) {
    UnaryCalls* calls = owner_->calls_;  // `this` may be gone once the finish is posted
    if (status.ok() && response.Valid()) {
      stream_.WriteAndFinish(response, grpc::WriteOptions(), status, &finished_);
    } else {
      stream_.Finish(status, &finished_);
    }
    calls->Answering(-1);
  }

  void OnFinished(bool) {
    finished_seen_ = true;
    Release();
  }
  void OnDone(bool) {
    done_seen_ = true;
    Release();
  }
  // Both events come on the call's queue (one thread): the last one deletes the call.
  void Release() {
    if (finished_seen_ && done_seen_) delete this;
  }

  TypedCalls* owner_;
  ServerState& state_;
  grpc::ServerCompletionQueue* queue_;
  grpc::GenericServerContext context_;
  grpc::GenericServerAsyncReaderWriter stream_{&context_};
  Event requested_{this, &Call::OnRequested};
  Event read_{this, &Call::OnRead};
  Event written_{this, &Call::OnWritten};
  Event finished_{this, &Call::OnFinished};
  Event done_{this, &Call::OnDone};
  bool finished_seen_ = false;
  bool done_seen_ = false;

  std::shared_ptr<const typed::TypedSchema> schema_;
  const typed::TypedMethod* method_ = nullptr;
  grpc::ByteBuffer request_bytes_;
  google::protobuf::Arena arena_;  // the typed request's
  google::protobuf::Message* request_ = nullptr;
  std::string database_;
  // The generic request and response the call runs as.
  v1::SelectRequest select_;
  v1::SelectResponse select_out_;
  v1::FindManyRequest find_;
  v1::FindResult found_;
  v1::InsertRequest insert_;
  v1::InsertResponse insert_out_;
  v1::UpdateRequest update_;
  v1::UpdateResponse update_out_;
  v1::DeleteRequest delete_;
  v1::DeleteResponse delete_out_;

  std::mutex write_mu_;
  std::condition_variable write_cv_;
  bool written_now_ = false;
  bool write_ok_ = false;
};

TypedCalls::TypedCalls(grpc::ServerBuilder& builder, ServerState& state, QueryServiceImpl& queries)
    : state_(state), queries_(queries) {
  builder.RegisterAsyncGenericService(&service_);
}

void TypedCalls::ServeOn(UnaryCalls& calls) {
  calls_ = &calls;
  calls.ServeOn([this](grpc::ServerCompletionQueue* queue) {
    for (int i = 0; i < 4; ++i) new Call(this, queue);  // a few waiting: a burst is matched at once
  });
}

}  // namespace sluice
