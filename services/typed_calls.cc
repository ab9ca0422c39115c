#include "services/typed_calls.h"

#include <deque>
#include <optional>
#include <variant>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "services/grpc_status.h"
#include "services/malformed_requests.h"
#include "services/paced_writes.h"
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

}  // namespace

// The unary methods of the schemas loaded at start, registered with gRPC by path as raw methods:
// the request's bytes arrive with the call, where the generic service reads them in a second
// operation (a completion-queue round trip more per call).
class TypedCalls::Registered final : public grpc::Service {
 public:
  explicit Registered(const typed::TypedApi& api) {
    for (const auto& schema : api.All()) {
      for (const auto& [path, method] : schema->methods()) {
        if (method.kind == typed::MethodKind::kStream) continue;  // a server stream: the generic service's
        paths_.push_back(path);
        AddMethod(new grpc::internal::RpcServiceMethod(paths_.back().c_str(), grpc::internal::RpcMethod::NORMAL_RPC,
                                                       nullptr));
        MarkMethodRaw(static_cast<int>(paths_.size() - 1));
      }
    }
  }

  size_t size() const { return paths_.size(); }
  const std::string& path(size_t index) const { return paths_[index]; }
  void RequestCall(size_t index, grpc::ServerContext* context, grpc::ByteBuffer* request,
                   grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>* writer, grpc::ServerCompletionQueue* queue,
                   void* tag) {
    RequestAsyncUnary(static_cast<int>(index), context, request, writer, queue, queue, tag);
  }

 private:
  std::deque<std::string> paths_;  // gRPC keeps pointers to the names: they never move
};

// One typed call, from its request to its last event (its answer, and the end of the call).
class TypedCalls::Call final : public UnaryCalls::Ending<TypedCalls::Call> {
 public:
  // A call of the generic service: any path, the request read after the call arrived.
  Call(TypedCalls* owner, grpc::ServerCompletionQueue* queue) : owner_(owner), state_(owner->state_), queue_(queue) {
    stream_.emplace(&context_);
    context_.AsyncNotifyWhenDone(done());
    owner_->service_.RequestCall(&context_, &*stream_, queue_, queue_, &requested_);
  }
  // A call of registered method `index`: the request arrives with it.
  Call(TypedCalls* owner, grpc::ServerCompletionQueue* queue, size_t index)
      : owner_(owner), state_(owner->state_), queue_(queue), index_(index) {
    writer_.emplace(&context_);
    context_.AsyncNotifyWhenDone(done());
    owner_->registered_->RequestCall(index, &context_, &request_bytes_, &*writer_, queue_, &requested_);
  }

 private:
  using Event = UnaryCalls::Event<Call>;

  void OnRequested(bool ok) {
    if (!ok) {  // the server is shutting down: the call never started (no done event comes)
      delete this;
      return;
    }
    if (writer_) {  // the next call
      new Call(owner_, queue_, index_);
    } else {
      new Call(owner_, queue_);
    }
    owner_->calls_->Answering(+1);
    const std::string& path = Path();
    schema_ = state_.typed_api.ForMethod(path, &method_);
    if (schema_ == nullptr && absl::StartsWith(path, "/sluice.schemas.")) {
      // Registered through another server? Read the registry on a worker (it blocks).
      state_.workers->Run([this] {
        state_.LoadTypedApi(false);
        schema_ = state_.typed_api.ForMethod(Path(), &method_);
        Start();
      });
      return;
    }
    Start();
  }

  const std::string& Path() const { return writer_ ? owner_->registered_->path(index_) : context_.method(); }

  // The method found (or not): read the request, or answer.
  void Start() {
    const std::string& path = Path();
    if (schema_ == nullptr) {
      // A typed service whose table is gone (a new version dropped it): NOT_FOUND; any other
      // path: what gRPC answers for a method it does not serve.
      if (absl::StartsWith(path, "/sluice.schemas.")) {
        return Finish(ToGrpcStatus(TypedServiceNotFound(path)));
      }
      return Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, ""));
    }
    if (writer_) return OnRead(true);  // a registered method's request came with the call
    stream_->Read(&request_bytes_, &read_);
  }

  void OnRead(bool ok) {
    // Read straight from the wire (typed/wire_message.h): the bytes in one piece, kept for the call.
    if (!ok || !request_bytes_.DumpToSingleSlice(&request_slice_).ok()) {
      return Finish(MalformedRequest(method_->request->full_name()));
    }
    absl::Status read =
        request_.Merge(method_->request,
                       absl::string_view(reinterpret_cast<const char*>(request_slice_.begin()), request_slice_.size()));
    if (absl::IsDataLoss(read)) return Finish(MalformedRequest(method_->request->full_name()));
    if (!read.ok()) return Refuse(read);  // a field of another version of the schema
    if (const typed::WireMessage::Field* database = request_.Find("database"))
      database_ = std::string(database->Bytes());
    switch (method_->kind) {
      case typed::MethodKind::kFind:
      case typed::MethodKind::kFindFirst:
      case typed::MethodKind::kGet: {
        absl::StatusOr<v1::FindManyRequest> find = typed::ToFind(*schema_, *method_, request_);
        if (!find.ok()) return Refuse(find.status());
        const bool first = method_->kind != typed::MethodKind::kFind;
        // Without relations, a plain select (no JSON built by the database, none parsed here).
        if (std::optional<v1::SelectRequest> select = typed::AsSelect(&*find, first)) {
          auto& held = Hold<v1::SelectRequest, v1::SelectResponse>(*std::move(select));
          return owner_->queries_.Select(&context_, &held.request, &held.response, Then([this, &held] {
            return Encoded(typed::EncodeSelect(*schema_, *method_, held.response.result()), held.response);
          }));
        }
        auto& held = Hold<v1::FindManyRequest, v1::FindResult>(*std::move(find));
        return owner_->queries_.FindNested(&context_, &held.request, first, &held.response, Then([this, &held] {
          return Encoded(typed::EncodeFind(*schema_, *method_, held.response), held.response);
        }));
      }
      case typed::MethodKind::kInsert:
        return Write(typed::ToInsert(*schema_, *method_, request_), &QueryServiceImpl::Insert);
      case typed::MethodKind::kUpdate:
        return Write(typed::ToUpdate(*schema_, *method_, request_), &QueryServiceImpl::Update);
      case typed::MethodKind::kDelete:
        return Write(typed::ToDelete(*schema_, *method_, request_), &QueryServiceImpl::Delete);
      case typed::MethodKind::kStream:
        return state_.session_workers->Run([this] { Stream(); });
    }
  }

  // The generic request a call runs as, and its response: made only for the call's kind.
  template <typename Request, typename Response>
  struct Held {
    Request request;
    Response response;
  };
  template <typename Request, typename Response>
  Held<Request, Response>& Hold(Request request) {
    auto& held = generic_.emplace<Held<Request, Response>>();
    held.request = std::move(request);
    return held;
  }

  // Insert, Update, Delete: the generic write, its result translated.
  template <typename Request, typename Response>
  void Write(absl::StatusOr<Request> request,
             void (QueryServiceImpl::*handler)(grpc::ServerContext*, const Request*, Response*, Answer)) {
    if (!request.ok()) return Refuse(request.status());
    auto& held = Hold<Request, Response>(*std::move(request));
    (owner_->queries_.*handler)(&context_, &held.request, &held.response, Then([this, &held] {
      return Encoded(typed::EncodeWrite(*schema_, *method_, held.response.result()), held.response);
    }));
  }

  // Stream: the generic SelectStream's work; each batch of rows translated and written, the next
  // read only once the client took it.
  void Stream() {
    grpc::Status status;
    absl::StatusOr<v1::SelectStreamRequest> request = typed::ToStream(*schema_, *method_, request_);
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
    return writes_.Write([&] { stream_->Write(bytes, &written_); });
  }
  void OnWritten(bool ok) { writes_.Written(ok); }

  // `encoded`, with the generic response it was encoded from freed here, on the thread that
  // (most often) decoded its rows: a free from the call's own thread would be a cross-thread
  // free, which the allocator pays for again (UnaryCalls does the same).
  template <typename Response>
  static absl::StatusOr<std::string> Encoded(absl::StatusOr<std::string> encoded, Response& response) {
    Response().Swap(&response);
    return encoded;
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
        &context_, GenericMethod(), Scope::kData, database_, /*request=*/nullptr,
        [this](const grpc::Status& refused) { Finish(refused); },
        [&status](ServerState::Finish finish) { finish(status); });
  }

  // Answers the call: `response` (the typed response's bytes) with an OK status.
  void Finish(const grpc::Status& status, const grpc::ByteBuffer& response = grpc::ByteBuffer()) {
    UnaryCalls* calls = owner_->calls_;  // `this` may be gone once the finish is posted
    if (writer_ && status.ok()) {
      writer_->Finish(response, status, finished());
    } else if (writer_) {
      writer_->FinishWithError(status, finished());
    } else if (status.ok() && response.Valid()) {
      stream_->WriteAndFinish(response, grpc::WriteOptions(), status, finished());
    } else {
      stream_->Finish(status, finished());
    }
    calls->Answering(-1);
  }

  TypedCalls* owner_;
  ServerState& state_;
  grpc::ServerCompletionQueue* queue_;
  grpc::GenericServerContext context_;                          // method() is the path of a generic call only
  std::optional<grpc::GenericServerAsyncReaderWriter> stream_;  // a generic call
  std::optional<grpc::ServerAsyncResponseWriter<grpc::ByteBuffer>> writer_;  // a registered one
  size_t index_ = 0;                                                         // its method
  Event requested_{this, &Call::OnRequested};
  Event read_{this, &Call::OnRead};
  Event written_{this, &Call::OnWritten};

  std::shared_ptr<const typed::TypedSchema> schema_;
  const typed::TypedMethod* method_ = nullptr;
  grpc::ByteBuffer request_bytes_;
  grpc::Slice request_slice_;   // the request's bytes in one piece
  typed::WireMessage request_;  // views into them
  std::string database_;
  // The generic request and response the call runs as.
  std::variant<std::monostate, Held<v1::SelectRequest, v1::SelectResponse>, Held<v1::FindManyRequest, v1::FindResult>,
               Held<v1::InsertRequest, v1::InsertResponse>, Held<v1::UpdateRequest, v1::UpdateResponse>,
               Held<v1::DeleteRequest, v1::DeleteResponse>>
      generic_;
  PacedWrites writes_;  // Stream's
};

absl::Status TypedServiceNotFound(const std::string& path) {
  return WithErrorInfo(absl::NotFoundError(absl::StrCat("no registered schema serves ", path,
                                                        " (its table or schema is not in the latest registered "
                                                        "version)")),
                       "TYPED_SERVICE_NOT_FOUND", {{"method", path}});
}

TypedCalls::TypedCalls(grpc::ServerBuilder& builder, ServerState& state, QueryServiceImpl& queries)
    : state_(state), queries_(queries) {
  auto registered = std::make_unique<Registered>(state.typed_api);
  if (registered->size() > 0) {
    registered_ = std::move(registered);
    builder.RegisterService(registered_.get());
  }
  builder.RegisterAsyncGenericService(&service_);
}

TypedCalls::~TypedCalls() = default;

void TypedCalls::ServeOn(UnaryCalls& calls) {
  calls_ = &calls;
  calls.ServeOn([this](grpc::ServerCompletionQueue* queue) {
    for (int i = 0; i < 4; ++i) new Call(this, queue);  // a few waiting: a burst is matched at once
    // One waiting per registered method (each call arms the next; calls that come before it are
    // held by gRPC until then).
    for (size_t m = 0; registered_ != nullptr && m < registered_->size(); ++m) new Call(this, queue, m);
  });
}

}  // namespace sluice
