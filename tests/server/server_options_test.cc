// sluiced's configuration: flags over SLUICE_* variables over defaults; URLs shown redacted.
#include <fstream>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "executor/database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server_options.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

ServerOptions Parse(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  auto options = ParseServerOptions(args, [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
  EXPECT_TRUE(options.ok()) << options.status();
  return options.ok() ? *options : ServerOptions();
}

TEST(ServerOptions, DefaultsServeTheEmbeddedSqliteFile) {
  ServerOptions o = Parse({});
  EXPECT_EQ(o.listen, "127.0.0.1:50051");
  EXPECT_EQ(o.plugin_dir, "");
  EXPECT_THAT(o.databases, ElementsAre("default=sqlite:sluice.db"));
  EXPECT_EQ(o.pool_size, 8u);
}

TEST(ServerOptions, EnvironmentThenFlags) {
  const std::map<std::string, std::string> env = {{"SLUICE_LISTEN", "0.0.0.0:7000"},
                                                  {"SLUICE_PLUGIN_DIR", "/opt/plugins"},
                                                  {"SLUICE_DATABASES", "default=sqlite:a.db; other=sqlite:b.db\n"},
                                                  {"SLUICE_POOL_SIZE", "3"}};
  ServerOptions from_env = Parse({}, env);
  EXPECT_EQ(from_env.listen, "0.0.0.0:7000");
  EXPECT_EQ(from_env.plugin_dir, "/opt/plugins");
  EXPECT_THAT(from_env.databases, ElementsAre("default=sqlite:a.db", "other=sqlite:b.db"));
  EXPECT_EQ(from_env.pool_size, 3u);

  ServerOptions flags = Parse({"--listen", "127.0.0.1:0", "--plugin-dir=/p", "--database", "x=sqlite:x.db",
                               "--database=y=sqlite:y.db", "--pool-size", "2"},
                              env);
  EXPECT_EQ(flags.listen, "127.0.0.1:0");
  EXPECT_EQ(flags.plugin_dir, "/p");
  EXPECT_THAT(flags.databases, ElementsAre("x=sqlite:x.db", "y=sqlite:y.db"));
  EXPECT_EQ(flags.pool_size, 2u);
}

TEST(ServerOptions, ClientWaitLimitsDefaultToSaneValuesAndTheHeldShareFitsThePool) {
  ServerOptions o = Parse({});
  EXPECT_EQ(o.idle_transaction_timeout_seconds, 60);
  EXPECT_EQ(o.stream_stall_timeout_seconds, 30);
  EXPECT_EQ(o.max_held_connections, 4u);  // half the pool of 8
  EXPECT_EQ(Parse({"--pool-size", "1"}).max_held_connections, 1u);
  EXPECT_EQ(Parse({"--pool-size", "3", "--max-held-connections", "3"}).max_held_connections, 3u);
  EXPECT_EQ(Parse({"--idle-transaction-timeout", "0"}).idle_transaction_timeout_seconds, 0);  // off
  auto getenv = [](const char*) -> const char* { return nullptr; };
  EXPECT_EQ(ParseServerOptions({"--pool-size", "2", "--max-held-connections", "3"}, getenv).status().message(),
            "--max-held-connections 3 is more than --pool-size 2: one client could take every connection");
  EXPECT_FALSE(ParseServerOptions({"--stream-stall-timeout", "-1"}, getenv).ok());
}

TEST(ServerOptions, BusyPollIsMicrosecondsFromFlagOrEnvironment) {
  EXPECT_EQ(Parse({}).busy_poll_us, 500u);
  EXPECT_EQ(Parse({}, {{"SLUICE_BUSY_POLL_US", "0"}}).busy_poll_us, 0u);
  EXPECT_EQ(Parse({"--busy-poll-us", "50"}, {{"SLUICE_BUSY_POLL_US", "0"}}).busy_poll_us, 50u);
  auto getenv = [](const char*) -> const char* { return nullptr; };
  // The unit is in the flag's name, not in its value.
  EXPECT_EQ(ParseServerOptions({"--busy-poll-us", "200us"}, getenv).status().message(),
            "--busy-poll-us `200us` is not a whole number");
  EXPECT_EQ(ParseServerOptions({"--busy-poll", "200"}, getenv).status().message(),
            "unknown flag --busy-poll (see --help)");
}

TEST(ServerOptions, PipelineDepthIsAtLeastOne) {
  EXPECT_EQ(Parse({}).pipeline_depth, 8u);
  EXPECT_EQ(Parse({}, {{"SLUICE_PIPELINE_DEPTH", "1"}}).pipeline_depth, 1u);
  EXPECT_EQ(Parse({"--pipeline-depth", "4"}, {{"SLUICE_PIPELINE_DEPTH", "1"}}).pipeline_depth, 4u);
  auto getenv = [](const char*) -> const char* { return nullptr; };
  EXPECT_EQ(ParseServerOptions({"--pipeline-depth", "0"}, getenv).status().message(),
            "--pipeline-depth `0` is not a whole number of at least 1");
  EXPECT_EQ(ParseServerOptions({"--pipeline", "4"}, getenv).status().message(), "unknown flag --pipeline (see --help)");
}

TEST(ServerOptions, BadFlagsAreErrors) {
  auto getenv = [](const char*) -> const char* { return nullptr; };
  EXPECT_EQ(ParseServerOptions({"--port", "1"}, getenv).status().message(), "unknown flag --port (see --help)");
  EXPECT_EQ(ParseServerOptions({"--listen"}, getenv).status().message(), "--listen needs a value (see --help)");
  EXPECT_FALSE(ParseServerOptions({"--pool-size", "0"}, getenv).ok());
  EXPECT_FALSE(ParseServerOptions({"--shutdown-delay", "-1"}, getenv).ok());
  EXPECT_EQ(ParseServerOptions({"--shutdown-delay", "2.5"}, getenv)->shutdown_delay_seconds, 2.5);
  EXPECT_TRUE(ParseServerOptions({"--help"}, getenv)->help);
}

TEST(ServerOptions, ConfigFileUnderEnvironmentUnderFlags) {
  const std::string path = ::testing::TempDir() + "/sluiced.json";
  std::ofstream(path) << R"({"listen": "127.0.0.1:7001", "pool_size": 4, "databases": {"main": "sqlite:main.db"},
      "max_rows": 50, "query_log": true, "log_format": "json", "statement_timeout": 1.5, "tokens_file": "/etc/sluice/tokens"})";
  ServerOptions file = Parse({"--config", path});
  EXPECT_EQ(file.config, path);
  EXPECT_EQ(file.listen, "127.0.0.1:7001");
  EXPECT_EQ(file.pool_size, 4u);
  EXPECT_THAT(file.databases, ElementsAre("main=sqlite:main.db"));
  EXPECT_EQ(file.max_rows, 50u);
  EXPECT_TRUE(file.query_log);
  EXPECT_EQ(file.log_format, "json");
  EXPECT_EQ(file.statement_timeout_seconds, 1.5);
  EXPECT_EQ(file.tokens_file, "/etc/sluice/tokens");
  // The environment names the file and wins over it; flags win over both.
  const std::map<std::string, std::string> env = {
      {"SLUICE_CONFIG", path}, {"SLUICE_POOL_SIZE", "6"}, {"SLUICE_QUERY_LOG", "false"}};
  ServerOptions over = Parse({"--pool-size", "7"}, env);
  EXPECT_EQ(over.listen, "127.0.0.1:7001");
  EXPECT_EQ(over.pool_size, 7u);
  EXPECT_FALSE(over.query_log);
  EXPECT_EQ(Parse({}, env).pool_size, 6u);
}

TEST(ServerOptions, ReplicasFromFlagsEnvironmentAndConfig) {
  EXPECT_THAT(Parse({"--replica", "main=postgres://r1/app", "--replica", "main=postgres://r2/app"}).replicas,
              ElementsAre("main=postgres://r1/app", "main=postgres://r2/app"));
  EXPECT_THAT(Parse({}, {{"SLUICE_REPLICAS", "main=postgres://r1/app,postgres://r2/app;other=mysql://r3/db"}}).replicas,
              ElementsAre("main=postgres://r1/app,postgres://r2/app", "other=mysql://r3/db"));
  const std::string path = ::testing::TempDir() + "/replicas.json";
  std::ofstream(path) << R"({"databases": {"main": "postgres://p/app"},
      "replicas": {"main": ["postgres://r1/app", "postgres://r2/app"], "other": "mysql://r3/db"}})";
  EXPECT_THAT(Parse({"--config", path}).replicas,
              UnorderedElementsAre("main=postgres://r1/app,postgres://r2/app", "other=mysql://r3/db"));
}

TEST(ServerOptions, BadConfigIsAnError) {
  auto getenv = [](const char*) -> const char* { return nullptr; };
  const std::string path = ::testing::TempDir() + "/bad.json";
  std::ofstream(path) << R"({"listen": "127.0.0.1:1", "colour": "blue"})";
  EXPECT_EQ(ParseServerOptions({"--config", path}, getenv).status().message(),
            "config file " + path + ": unknown key `colour`");
  EXPECT_FALSE(ParseServerOptions({"--config", "/nonexistent.json"}, getenv).ok());
  EXPECT_FALSE(ParseServerOptions({"--log-format", "xml"}, getenv).ok());
  EXPECT_FALSE(ParseServerOptions({"--tls-cert", "a.pem"}, getenv).ok());  // without its key
  EXPECT_EQ(ParseServerOptions({"--max-rows", "x"}, getenv).status().message(),
            "--max-rows `x` is not a whole number of at least 1");
}

// The usage is made from the option table: every flag it shows is one the parser takes, with its
// variable and config key beside it.
TEST(ServerOptions, UsageListsWhatTheParserTakes) {
  const std::string usage = ServerUsage();
  EXPECT_NE(usage.find("  --pool-size N\n      SLUICE_POOL_SIZE, key `pool_size`: connections per database"),
            std::string::npos)
      << usage;
  EXPECT_NE(usage.find("  --query-log\n      SLUICE_QUERY_LOG=1, key `query_log`:"), std::string::npos) << usage;
  auto getenv = [](const char*) -> const char* { return nullptr; };
  int flags = 0;
  for (absl::string_view line : absl::StrSplit(usage, '\n')) {
    if (!absl::StartsWith(line, "  --")) continue;
    const std::string flag(line.substr(2, line.find(' ', 2) - 2));
    if (flag == "--help" || flag == "--version" || flag == "--config") continue;
    ++flags;
    auto parsed = ParseServerOptions({flag + "=1"}, getenv);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().message().find("unknown flag"), absl::string_view::npos) << flag;
    }
  }
  EXPECT_EQ(flags, 28);
  auto version = ParseServerOptions({"--version"}, getenv);
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_TRUE(version->version);
}

TEST(RedactUrl, HidesPasswordsOnly) {
  EXPECT_EQ(RedactUrl("postgres://app:s3cr:et@db.local:5432/shop"), "postgres://app:***@db.local:5432/shop");
  EXPECT_EQ(RedactUrl("mysql://root@127.0.0.1/x"), "mysql://root@127.0.0.1/x");
  EXPECT_EQ(RedactUrl("sqlite:sluice.db"), "sqlite:sluice.db");
}

}  // namespace
}  // namespace sluice
