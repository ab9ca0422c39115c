#include "tests/support/in_process_server.h"

#include <gtest/gtest.h>

#include "server/server_options.h"

namespace sluice::testing {

InProcessServer::InProcessServer(std::vector<std::string> args, std::shared_ptr<grpc::ChannelCredentials> credentials) {
  args.insert(args.begin(), {"--listen", "127.0.0.1:0"});
  auto options = ParseServerOptions(args, [](const char*) -> const char* { return nullptr; });
  if (!options.ok()) {
    ADD_FAILURE() << "sluiced options: " << options.status();
    return;
  }
  auto server = Server::Start(*options);
  if (!server.ok()) {
    ADD_FAILURE() << "sluiced did not start: " << server.status();
    return;
  }
  server_ = *std::move(server);
  channel_ = grpc::CreateChannel(server_->address(), credentials);
}

InProcessServer::~InProcessServer() { Stop(); }

const std::string& InProcessServer::address() const {
  static const std::string kNone;
  return server_ ? server_->address() : kNone;
}

int InProcessServer::Stop() {
  channel_.reset();
  if (server_) server_->Shutdown();
  server_.reset();
  return 0;
}

}  // namespace sluice::testing
