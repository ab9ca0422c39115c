// sluiced in the test's own process: the same flags as the binary (plus --listen 127.0.0.1:0),
// served by the server library. For the tests whose subject is not the process itself (signals,
// its output, its memory): those start the binary (tests/e2e/sluiced_process.h).
#ifndef SLUICE_TESTS_SUPPORT_IN_PROCESS_SERVER_H_
#define SLUICE_TESTS_SUPPORT_IN_PROCESS_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "server/server.h"

namespace sluice::testing {

class InProcessServer {
 public:
  // Starts serving with `args` (sluiced's flags; no environment is read). Fails the test
  // (ADD_FAILURE) and leaves `ok()` false when it cannot.
  explicit InProcessServer(std::vector<std::string> args,
                           std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials());
  ~InProcessServer();

  bool ok() const { return server_ != nullptr; }
  const std::string& address() const;
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // The metrics endpoint's text.
  std::string metrics() const { return server_->Metrics(); }
  // Shuts the server down; 0, as a cleanly stopped sluiced exits. Callers drop their stubs first.
  int Stop();

 private:
  std::unique_ptr<Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_SUPPORT_IN_PROCESS_SERVER_H_
