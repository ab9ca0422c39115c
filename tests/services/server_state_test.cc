// What every call goes through: a failed call is one log line (method, database, code, duration),
// and an error that is sluiced's own fault carries a request id in the answer and in that line.
#include "services/server_state.h"

#include <regex>

#include "common/log.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "tests/support/captured_stderr.h"

namespace sluice {
namespace {

using testing::CapturedStderr;
using ::testing::HasSubstr;

std::string RequestIdOf(const grpc::Status& status) {
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return "";
  for (const auto& any : rich.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info) && info.metadata().count("request_id")) return info.metadata().at("request_id");
  }
  return "";
}

TEST(ServerState, AFailedCallIsOneLogLine) {
  ServerState state{PluginRegistry()};
  grpc::ServerContext context;
  grpc::Status answer;
  const std::string log = CapturedStderr([&] {
    answer = state.Serve(&context, "QueryService/Select", Scope::kData, "",
                         [] { return absl::NotFoundError("schema `inventory` is not registered"); });
  });
  EXPECT_EQ(answer.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(RequestIdOf(answer), "");  // a client's mistake
  EXPECT_TRUE(std::regex_match(log, std::regex("sluiced: warning: call failed method=QueryService/Select "
                                               "database=default code=NOT_FOUND ms=[0-9.]+ error=schema `inventory` "
                                               "is not registered\n")))
      << log;
}

TEST(ServerState, AnInternalErrorCarriesARequestIdInTheAnswerAndTheLog) {
  ServerState state{PluginRegistry()};
  grpc::ServerContext context;
  grpc::Status answer;
  const std::string log = CapturedStderr([&] {
    answer = state.Serve(&context, "QueryService/Insert", Scope::kData, "main",
                         [] { return absl::InternalError("dialect x returned 3 columns; expected 2"); });
  });
  EXPECT_EQ(answer.error_code(), grpc::StatusCode::INTERNAL);
  const std::string id = RequestIdOf(answer);
  EXPECT_EQ(id.size(), 16u);
  EXPECT_THAT(log, HasSubstr("sluiced: error: call failed method=QueryService/Insert database=main code=INTERNAL"));
  EXPECT_THAT(log, HasSubstr("request_id=" + id));
}

TEST(ServerState, ASuccessfulCallLogsNothing) {
  ServerState state{PluginRegistry()};
  grpc::ServerContext context;
  EXPECT_EQ(CapturedStderr([&] {
              EXPECT_TRUE(
                  state.Serve(&context, "QueryService/Select", Scope::kData, "", [] { return absl::OkStatus(); }).ok());
            }),
            "");
}

TEST(ServerState, OnlyCallsOneAtATimeArePolledFor) {
  // --busy-poll-us serves a client that calls one at a time; once calls overlap, the cores are
  // the clients' and the database's, and the serving threads sleep between calls.
  ServerState state{PluginRegistry()};
  state.busy_poll = absl::Microseconds(200);
  grpc::ServerContext first, second;
  auto lone_call_polls = [&] {
    absl::Duration polls = absl::InfiniteDuration();
    EXPECT_TRUE(state
                    .Serve(&first, "QueryService/Select", Scope::kData, "",
                           [&] {
                             EXPECT_FALSE(state.IdleAfterSerialCalls());  // a call is in flight
                             polls = state.CallOf(&first, true).busy_poll;
                             return absl::OkStatus();
                           })
                    .ok());
    return polls;
  };
  EXPECT_TRUE(state.IdleAfterSerialCalls());
  EXPECT_EQ(lone_call_polls(), absl::Microseconds(200));
  EXPECT_TRUE(state.IdleAfterSerialCalls());

  // A second call while the first is in flight: neither polls for the socket, nor does the
  // thread for the next call when they are done.
  absl::Duration second_polls = absl::InfiniteDuration();
  EXPECT_TRUE(state
                  .Serve(&first, "QueryService/Select", Scope::kData, "",
                         [&] {
                           EXPECT_TRUE(state
                                           .Serve(&second, "QueryService/Select", Scope::kData, "",
                                                  [&] {
                                                    second_polls = state.CallOf(&second, true).busy_poll;
                                                    return absl::OkStatus();
                                                  })
                                           .ok());
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(second_polls, absl::ZeroDuration());
  EXPECT_FALSE(state.IdleAfterSerialCalls());
  // The next call alone still remembers the overlap; after it, calls are one at a time again.
  EXPECT_EQ(lone_call_polls(), absl::ZeroDuration());
  EXPECT_TRUE(state.IdleAfterSerialCalls());
  EXPECT_EQ(lone_call_polls(), absl::Microseconds(200));
}

TEST(ServerState, NoPollingAfterACallLongerThanTheBudget) {
  // A thread that polls the budget away and then sleeps anyway is woken just after: worse than
  // not polling. After a call that took longer than --busy-poll-us, neither the next call nor the
  // thread waiting for it polls; a call within the budget turns polling back on.
  ServerState state{PluginRegistry()};
  state.busy_poll = absl::Milliseconds(50);
  grpc::ServerContext context;
  auto call_polls = [&](absl::Duration takes) {
    absl::Duration polls = absl::InfiniteDuration();
    EXPECT_TRUE(state
                    .Serve(&context, "QueryService/Select", Scope::kData, "",
                           [&] {
                             polls = state.CallOf(&context, true).busy_poll;
                             absl::SleepFor(takes);
                             return absl::OkStatus();
                           })
                    .ok());
    return polls;
  };
  EXPECT_EQ(call_polls(absl::ZeroDuration()), absl::Milliseconds(50));
  EXPECT_TRUE(state.IdleAfterSerialCalls());
  EXPECT_EQ(call_polls(absl::Milliseconds(60)), absl::Milliseconds(50));  // known only once it is done
  EXPECT_FALSE(state.IdleAfterSerialCalls());
  EXPECT_EQ(call_polls(absl::ZeroDuration()), absl::ZeroDuration());
  EXPECT_TRUE(state.IdleAfterSerialCalls());
  EXPECT_EQ(call_polls(absl::ZeroDuration()), absl::Milliseconds(50));
}

}  // namespace
}  // namespace sluice
