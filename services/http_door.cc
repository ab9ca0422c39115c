#include "services/http_door.h"

#include <grpcpp/generic/generic_stub.h>
#include <pthread.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/plain_values.h"
#include "google/protobuf/util/json_util.h"
#include "services/auth.h"
#include "services/connect_errors.h"
#include "services/grpc_status.h"
#include "services/typed_calls.h"
#include "studio/studio_files.h"

namespace sluice {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using Reply = std::function<void(Response)>;

constexpr auto kIdle = std::chrono::seconds(60);  // a connection that sends nothing for this long is closed

Response HttpAnswer(http::status status, std::string content_type, std::string body) {
  Response response(status, 11);
  response.set(http::field::content_type, content_type);
  response.set(http::field::server, "sluiced");
  response.body() = std::move(body);
  return response;
}

Response Error(const grpc::Status& status) {
  ConnectError error = ToConnectError(status);
  return HttpAnswer(static_cast<http::status>(error.http_status), "application/json", std::move(error.json));
}

// A unary method the door can call: its messages, and what keeps them alive.
struct Method {
  const google::protobuf::Descriptor* input = nullptr;
  const google::protobuf::Descriptor* output = nullptr;
  std::shared_ptr<const typed::TypedSchema> typed;  // a typed service's schema (its descriptors)
  bool streaming = false;

  std::unique_ptr<google::protobuf::Message> New(const google::protobuf::Descriptor* type) const {
    if (typed != nullptr) return typed->New(type);
    return std::unique_ptr<google::protobuf::Message>(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  }
};

}  // namespace

class HttpDoor::Impl {
 public:
  Impl(const HttpDoorOptions& options, grpc::Server& server, ServerState& state)
      : options_(options), state_(state), stub_(server.InProcessChannel(ChannelArguments(options.max_body_bytes))) {}

  // After the server's calls ended (Server::Shutdown): their last answers still reach this
  // thread, then it stops.
  ~Impl() {
    while (in_flight_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  absl::Status Listen();
  void Run() {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "sluice-http");
      io_.run();
    });
  }
  int port() const { return port_; }
  size_t max_body_bytes() const { return options_.max_body_bytes; }

  // Answers `request` through `reply`, once, from any thread.
  void Handle(Request request, Reply reply);

 private:
  template <typename Stream>
  class Session;

  static grpc::ChannelArguments ChannelArguments(size_t max_bytes) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(static_cast<int>(max_bytes));
    args.SetMaxSendMessageSize(static_cast<int>(max_bytes));
    return args;
  }

  void Accept();
  void Static(const std::string& path, Reply reply);
  // The method at `path` ("/sluice.v1.QueryService/Select"), or none.
  std::optional<Method> Resolve(const std::string& path) const;
  void Call(const Method& method, const std::string& path, const Request& request, Reply reply);

  const HttpDoorOptions options_;
  ServerState& state_;
  grpc::GenericStub stub_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_{io_};
  std::unique_ptr<asio::ssl::context> tls_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> in_flight_{0};  // calls and registry reads whose answers are yet to be posted here
};

// One connection: requests read one after the other (keep-alive), each answered in order.
template <typename Stream>
class HttpDoor::Impl::Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Impl* door, Stream stream) : door_(door), stream_(std::move(stream)) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(kIdle);
      stream_.async_handshake(asio::ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
        if (!ec) self->Read();
      });
    } else {
      Read();
    }
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(door_->max_body_bytes());
    beast::get_lowest_layer(stream_).expires_after(kIdle);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      Response refused = Error(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("the request body is over the message limit (", door_->max_body_bytes(), " bytes)")));
      refused.keep_alive(false);  // the rest of the body is not read
      refused.prepare_payload();
      return Write(std::move(refused));
    }
    if (ec) return Close();
    beast::get_lowest_layer(stream_).expires_never();
    Request request = parser_->release();
    const bool keep_alive = request.keep_alive();
    const unsigned version = request.version();
    door_->Handle(std::move(request), [self = this->shared_from_this(), keep_alive, version](Response response) {
      asio::post(self->stream_.get_executor(), [self, response = std::move(response), keep_alive, version]() mutable {
        response.version(version);
        response.keep_alive(keep_alive);
        response.prepare_payload();
        self->Write(std::move(response));
      });
    });
  }

  void Write(Response response) {
    auto held = std::make_shared<Response>(std::move(response));
    http::async_write(stream_, *held, [self = this->shared_from_this(), held](beast::error_code ec, size_t) {
      if (ec || !held->keep_alive()) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Impl* door_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

absl::Status HttpDoor::Impl::Listen() {
  const std::string& listen = options_.listen;
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--http-listen: `", listen, "` is not HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  tcp::resolver resolver(io_);
  auto found = resolver.resolve(host, std::to_string(port), ec);
  if (ec || found.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("--http-listen: cannot resolve `", host, "`: ", ec.message()));
  }
  const tcp::endpoint endpoint = found.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, " for HTTP: ", ec.message(),
                                               " (is another server using the address?)"));
  }
  port_ = acceptor_.local_endpoint().port();
  if (!options_.tls_cert.empty()) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    tls_->use_certificate_chain_file(options_.tls_cert, ec);
    if (!ec) tls_->use_private_key_file(options_.tls_key, asio::ssl::context::pem, ec);
    if (ec) return absl::InvalidArgumentError(absl::StrCat("--tls-cert/--tls-key for HTTP: ", ec.message()));
    if (!options_.tls_client_ca.empty()) {
      tls_->load_verify_file(options_.tls_client_ca, ec);
      if (ec) {
        return absl::InvalidArgumentError(absl::StrCat("--tls-client-ca for HTTP: ", ec.message()));
      }
      tls_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
  }
  Accept();
  return absl::OkStatus();
}

void HttpDoor::Impl::Accept() {
  acceptor_.async_accept(io_, [this](beast::error_code ec, tcp::socket socket) {
    if (!ec) {
      beast::tcp_stream stream(std::move(socket));
      if (tls_ != nullptr) {
        std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            this, beast::ssl_stream<beast::tcp_stream>(std::move(stream), *tls_))
            ->Start();
      } else {
        std::make_shared<Session<beast::tcp_stream>>(this, std::move(stream))->Start();
      }
    }
    if (acceptor_.is_open()) Accept();
  });
}

void HttpDoor::Impl::Handle(Request request, Reply reply) {
  std::string path(request.target());
  if (const size_t query = path.find('?'); query != std::string::npos) path.resize(query);
  if (path == "/" || path == "/studio") {
    Response moved = HttpAnswer(http::status::found, "text/plain", "");
    moved.set(http::field::location, "/studio/");
    return reply(std::move(moved));
  }
  if (absl::StartsWith(path, "/studio/")) {
    if (request.method() != http::verb::get) {
      return reply(HttpAnswer(http::status::method_not_allowed, "text/plain", "GET only\n"));
    }
    return Static(path.substr(std::string("/studio/").size()), std::move(reply));
  }
  if (request.method() != http::verb::post) {
    Response refused = Error(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                          "methods are called with POST (the Connect protocol's unary form)"));
    refused.result(http::status::method_not_allowed);
    refused.set(http::field::allow, "POST");
    return reply(std::move(refused));
  }
  const std::string type = absl::AsciiStrToLower(std::string(request[http::field::content_type]));
  if (!absl::StartsWith(type, "application/json")) {
    Response refused = Error(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                          "the body must be JSON (Content-Type: application/json); binary protobuf "
                                          "is served over gRPC"));
    refused.result(http::status::unsupported_media_type);
    refused.set("Accept-Post", "application/json");
    return reply(std::move(refused));
  }
  if (std::optional<Method> method = Resolve(path)) return Call(*method, path, request, std::move(reply));
  if (!absl::StartsWith(path, "/sluice.schemas.")) {
    return reply(Error(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, absl::StrCat("no method ", path))));
  }
  // A typed service this server has not seen (registered through another server)? Read the
  // registry on a worker (it blocks), then look again.
  auto held = std::make_shared<Request>(std::move(request));
  ++in_flight_;
  state_.workers->Run([this, path, held, reply = std::move(reply)]() mutable {
    state_.LoadTypedApi(false);
    asio::post(io_, [this, path, held, reply = std::move(reply)]() mutable {
      --in_flight_;
      if (std::optional<Method> method = Resolve(path)) return Call(*method, path, *held, std::move(reply));
      reply(Error(ToGrpcStatus(TypedServiceNotFound(path))));  // as the gRPC door answers it
    });
  });
}

void HttpDoor::Impl::Static(const std::string& path, Reply reply) {
  const studio::File* file = studio::Find(path.empty() ? "index.html" : path);
  if (file == nullptr) return reply(HttpAnswer(http::status::not_found, "text/plain", "not found\n"));
  Response response = HttpAnswer(http::status::ok, std::string(file->content_type), std::string(file->content));
  response.set(http::field::cache_control, "no-cache");
  reply(std::move(response));
}

std::optional<Method> HttpDoor::Impl::Resolve(const std::string& path) const {
  // "/package.Service/Method" → "package.Service.Method"
  if (path.size() < 4 || path[0] != '/' || std::count(path.begin(), path.end(), '/') != 2) return std::nullopt;
  const std::string full_name = absl::StrReplaceAll(path.substr(1), {{"/", "."}});
  if (const google::protobuf::MethodDescriptor* m =
          google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full_name)) {
    return Method{m->input_type(), m->output_type(), nullptr, m->client_streaming() || m->server_streaming()};
  }
  const typed::TypedMethod* typed = nullptr;
  if (auto schema = state_.typed_api.ForMethod(path, &typed)) {
    return Method{typed->request, typed->response, std::move(schema), typed->kind == typed::MethodKind::kStream};
  }
  return std::nullopt;
}

void HttpDoor::Impl::Call(const Method& method, const std::string& path, const Request& request, Reply reply) {
  if (method.streaming) {
    return reply(Error(grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                    absl::StrCat(path,
                                                 " streams: it is served over gRPC only (the HTTP door "
                                                 "serves the unary methods)"))));
  }
  std::unique_ptr<google::protobuf::Message> in = method.New(method.input);
  // Plain values where a sluice.v1.Value goes (`"value": 5`), as the CLI takes them.
  const std::string json = request.body().empty() ? "{}" : request.body();
  auto parsed = google::protobuf::util::JsonStringToMessage(
      method.typed != nullptr ? json : WrapPlainValues(json, *method.input), in.get());
  if (!parsed.ok()) {
    return reply(Error(grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("the body is not a JSON ", method.input->full_name(), ": ", std::string(parsed.message())))));
  }
  struct Pending {
    grpc::ClientContext context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
    Method method;
    Reply reply;
  };
  auto* call = new Pending{{}, {}, {}, method, std::move(reply)};
  grpc::Slice slice(in->SerializeAsString());
  call->request = grpc::ByteBuffer(&slice, 1);
  if (auto authorization = request.find(http::field::authorization); authorization != request.end()) {
    call->context.AddMetadata("authorization", std::string(authorization->value()));
  }
  if (auto scope = request.find(kScopeMetadata); scope != request.end()) {  // Studio's edits: admin
    call->context.AddMetadata(kScopeMetadata, absl::AsciiStrToLower(std::string(scope->value())));
  }
  int64_t timeout_ms = 0;
  if (auto timeout = request.find("Connect-Timeout-Ms");
      timeout != request.end() && absl::SimpleAtoi(std::string(timeout->value()), &timeout_ms) && timeout_ms > 0) {
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  }
  ++in_flight_;
  stub_.UnaryCall(
      &call->context, path, grpc::StubOptions(), &call->request, &call->response, [this, call](grpc::Status status) {
        struct Answered {  // destroyed last: once the answer is posted and the call freed, the door may go
          std::atomic<int>& in_flight;
          ~Answered() { --in_flight; }
        } answered{in_flight_};
        std::unique_ptr<Pending> done(call);
        if (!status.ok()) return done->reply(Error(status));
        std::unique_ptr<google::protobuf::Message> out = done->method.New(done->method.output);
        grpc::Slice bytes;
        std::string json;
        if (!done->response.DumpToSingleSlice(&bytes).ok() ||
            !out->ParseFromArray(bytes.begin(), static_cast<int>(bytes.size())) ||
            !google::protobuf::util::MessageToJsonString(*out, &json).ok()) {
          return done->reply(Error(grpc::Status(grpc::StatusCode::INTERNAL, "the answer did not convert to JSON")));
        }
        done->reply(HttpAnswer(http::status::ok, "application/json", std::move(json)));
      });
}

absl::StatusOr<std::unique_ptr<HttpDoor>> HttpDoor::Start(const HttpDoorOptions& options, grpc::Server& server,
                                                          ServerState& state) {
  auto impl = std::make_unique<Impl>(options, server, state);
  absl::Status listening = impl->Listen();
  if (!listening.ok()) return listening;
  impl->Run();
  return std::unique_ptr<HttpDoor>(new HttpDoor(std::move(impl)));
}

HttpDoor::HttpDoor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpDoor::~HttpDoor() = default;
int HttpDoor::port() const { return impl_->port(); }

}  // namespace sluice
