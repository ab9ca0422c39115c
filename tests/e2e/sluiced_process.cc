#include "tests/e2e/sluiced_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace sluice::testing {

SluicedProcess::SluicedProcess(std::vector<std::string> args, std::shared_ptr<grpc::ChannelCredentials> credentials,
                               grpc::ChannelArguments channel_args) {
  static int counter = 0;
  log_path_ = ::testing::TempDir() + "/sluiced." + std::to_string(getpid()) + "." + std::to_string(counter++) + ".log";
  int out[2];
  if (pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return;
  }
  args.insert(args.begin(), {"server/sluiced", "--listen", "127.0.0.1:0"});
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    int err = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    close(out[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  // The first stdout line names the address: "sluiced listening on 127.0.0.1:PORT", or with
  // --log-format json {..., "msg":"sluiced listening on","address":"127.0.0.1:PORT"}.
  stdout_ = fdopen(out[0], "r");
  const std::string text = NextStdoutLine();
  const std::string prefix = "sluiced listening on ", json_key = "\"address\":\"";
  if (text.rfind(prefix, 0) == 0) {
    address_ = text.substr(prefix.size());
  } else if (text.rfind("{", 0) == 0 && text.find("\"msg\":\"sluiced listening on\"") != std::string::npos &&
             text.find(json_key) != std::string::npos) {
    const size_t at = text.find(json_key) + json_key.size();
    address_ = text.substr(at, text.find('"', at) - at);
  } else {
    ADD_FAILURE() << "sluiced did not start: " << Log();
    Stop();
    return;
  }
  channel_ = grpc::CreateCustomChannel(address_, credentials, channel_args);
  auto health = grpc::health::v1::Health::NewStub(channel_);
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, {}, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "sluiced never became SERVING: " << Log();
  address_.clear();
}

SluicedProcess::~SluicedProcess() {
  if (pid_ > 0) {
    EXPECT_EQ(Stop(), 0) << Log();
  }
  if (stdout_ != nullptr) fclose(stdout_);
}

std::string SluicedProcess::NextStdoutLine() {
  char line[512] = {0};
  if (stdout_ == nullptr || fgets(line, sizeof line, stdout_) == nullptr) return "";
  std::string text = line;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string SluicedProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

long SluicedProcess::StatusKb(const std::string& field) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

void SluicedProcess::Terminate() {
  if (pid_ > 0) kill(pid_, SIGTERM);
}

int SluicedProcess::Stop() {
  if (pid_ <= 0) return -1;
  channel_.reset();  // clients close their connections first, as a leaving client would
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 300; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

void SluicedProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

}  // namespace sluice::testing
