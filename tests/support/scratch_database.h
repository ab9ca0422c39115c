// A database for in-process tests of the layers below the services: the plugins of a folder, and
// one database opened through them with a pool of one connection (what holds it shows at once).
#ifndef SLUICE_TESTS_SUPPORT_SCRATCH_DATABASE_H_
#define SLUICE_TESTS_SUPPORT_SCRATCH_DATABASE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "plugins/plugin_registry.h"

namespace sluice::testing {

class ScratchDatabaseTest : public ::testing::Test {
 protected:
  // A fresh file in the test's temporary folder named after the running test, with `suffix`.
  static std::string TestFile(const std::string& suffix) {
    const std::string file = std::string(std::getenv("TEST_TMPDIR")) + "/" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() + suffix;
    std::remove(file.c_str());
    return file;
  }

  // Loads the plugins of `plugin_dir` and opens `url` as the `default` database.
  void Open(const std::string& plugin_dir, const std::string& url) {
    auto plugins = PluginRegistry::LoadDirectory(plugin_dir);
    ASSERT_TRUE(plugins.ok()) << plugins.status();
    plugins_ = std::make_unique<PluginRegistry>(*std::move(plugins));
    PoolOptions pool;
    pool.max_connections = 1;
    auto databases = Databases::Open({"default=" + url}, *plugins_, pool);
    ASSERT_TRUE(databases.ok()) << databases.status();
    databases_ = *std::move(databases);
    db_ = *databases_->Find("");
  }

  // A call that ends `d` from now.
  static CallContext Within(absl::Duration d) {
    CallContext call;
    call.deadline = absl::Now() + d;
    return call;
  }

  std::unique_ptr<PluginRegistry> plugins_;
  std::unique_ptr<Databases> databases_;
  Database* db_ = nullptr;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_SUPPORT_SCRATCH_DATABASE_H_
