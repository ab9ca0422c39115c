// A real sluiced process for end-to-end tests: started on a free loopback port, stopped with
// SIGTERM (which must exit 0).
#ifndef SLUICE_TESTS_E2E_SLUICED_PROCESS_H_
#define SLUICE_TESTS_E2E_SLUICED_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

namespace sluice::testing {

class SluicedProcess {
 public:
  // Starts bazel's sluiced with `args` (plus --listen 127.0.0.1:0) and waits until Health
  // answers SERVING. Fails the test (ADD_FAILURE) and leaves `ok()` false when it cannot.
  explicit SluicedProcess(std::vector<std::string> args,
                          std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials(),
                          grpc::ChannelArguments channel_args = {});
  ~SluicedProcess();

  bool ok() const { return pid_ > 0 && !address_.empty(); }
  pid_t pid() const { return pid_; }
  // A field of /proc/<pid>/status in kB (VmRSS, VmHWM), or -1.
  long StatusKb(const std::string& field) const;
  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // Lines the process printed on stdout after the first (e.g. "sluiced metrics on ...").
  std::string NextStdoutLine();
  // What the process wrote to stderr so far.
  std::string Log() const;
  // Sends SIGTERM without waiting.
  void Terminate();
  // Drops this side's channel, sends SIGTERM, and returns the exit code (-1 if it had to be
  // killed). Callers drop their stubs first.
  int Stop();
  // kill -9, and waits for the process to be gone.
  void Kill();

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string log_path_;
  FILE* stdout_ = nullptr;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_SLUICED_PROCESS_H_
