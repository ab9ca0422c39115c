// Log lines: one line each (a database's multi-line message included), no empty fields, in text
// and in JSON.
#include "common/log.h"

#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "tests/support/captured_stderr.h"

namespace sluice {
namespace {

using testing::CapturedStderr;

const LogFields kFields = {
    {"name", "default"}, {"unix_socket", ""}, {"error", "connection refused\n\tIs the server running on that host?\n"}};

TEST(Log, TextLinesAreOneLineWithoutEmptyFields) {
  SetJsonLog(false);
  EXPECT_EQ(CapturedStderr([] { Log("warning", "database not reachable yet", kFields); }),
            "sluiced: warning: database not reachable yet name=default error=connection refused Is the server "
            "running on that host?\n");
}

TEST(Log, JsonLinesAreOneLineWithoutEmptyFields) {
  SetJsonLog(true);
  const std::string line = CapturedStderr([] { Log("warning", "database not reachable yet", kFields); });
  SetJsonLog(false);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << line;
  EXPECT_NE(line.find(R"("level":"warning","msg":"database not reachable yet","name":"default",)"
                      R"("error":"connection refused Is the server running on that host?"})"),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find("unix_socket"), std::string::npos) << line;
}

TEST(Log, TheListeningLineIsTextOrJson) {
  SetJsonLog(false);
  EXPECT_EQ(CapturedStderr([] { Announce("sluiced listening on", "address", "127.0.0.1:50051"); }, STDOUT_FILENO),
            "sluiced listening on 127.0.0.1:50051\n");
  SetJsonLog(true);
  const std::string line =
      CapturedStderr([] { Announce("sluiced listening on", "address", "[::1]:50051"); }, STDOUT_FILENO);
  SetJsonLog(false);
  EXPECT_NE(line.find(R"("level":"info","msg":"sluiced listening on","address":"[::1]:50051"})"), std::string::npos)
      << line;
  EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u) << line;
}

}  // namespace
}  // namespace sluice
