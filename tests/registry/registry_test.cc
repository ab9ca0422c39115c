// The registry and the migrator in this process, on a SQLite file through the real plugin:
// schemas stored and read back by version, and every call bounded by its deadline.
#include "registry/schema_registry.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "migrations/migrator.h"
#include "plugins/plugin_registry.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto plugins = PluginRegistry::LoadDirectory("lib/plugins");
    ASSERT_TRUE(plugins.ok()) << plugins.status();
    plugins_ = std::make_unique<PluginRegistry>(*std::move(plugins));
    const std::string file = std::string(std::getenv("TEST_TMPDIR")) + "/" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(file.c_str());
    PoolOptions pool;
    pool.max_connections = 1;
    auto databases = Databases::Open({"default=sqlite:" + file}, *plugins_, pool);
    ASSERT_TRUE(databases.ok()) << databases.status();
    databases_ = *std::move(databases);
    db_ = *databases_->Find("");
  }

  static CallContext Within(absl::Duration d) {
    CallContext call;
    call.deadline = absl::Now() + d;
    return call;
  }

  std::unique_ptr<PluginRegistry> plugins_;
  std::unique_ptr<Databases> databases_;
  Database* db_ = nullptr;
  SchemaRegistry registry_;
};

TEST_F(RegistryTest, StoresVersionsByContent) {
  const v1::Schema shop = testing::ShopSchema();
  auto first = registry_.Register(*db_, Within(absl::Seconds(5)), shop, false);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  EXPECT_EQ(first->schema.version.version(), 1u);
  auto again = registry_.Register(*db_, Within(absl::Seconds(5)), shop, false);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->schema.version.hash(), first->schema.version.hash());
  auto got = registry_.Get(*db_, Within(absl::Seconds(5)), "shop", 1);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->index->schema().tables_size(), shop.tables_size());
  EXPECT_EQ(registry_.Get(*db_, Within(absl::Seconds(5)), "nope", 0).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RegistryTest, CallsEndAtTheirDeadlineWhenNoConnectionComesFree) {
  auto held = db_->pool().Acquire(absl::Now() + absl::Seconds(1));  // the pool's only connection
  ASSERT_TRUE(held.ok());
  const absl::Time start = absl::Now();
  auto registered = registry_.Register(*db_, Within(absl::Milliseconds(100)), testing::ShopSchema(), false);
  EXPECT_EQ(registered.status().code(), absl::StatusCode::kDeadlineExceeded) << registered.status();
  Migrator migrator(registry_);
  auto applied = migrator.Applied(*db_, Within(absl::Milliseconds(100)), "shop");
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kDeadlineExceeded) << applied.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace sluice
