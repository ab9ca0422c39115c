// The registry and the migrator in this process, on a SQLite file through the real plugin:
// schemas stored and read back by version, and every call bounded by its deadline.
#include "registry/schema_registry.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "migrations/migrator.h"
#include "tests/support/scratch_database.h"
#include "tests/support/test_schema.h"

namespace sluice {
namespace {

class RegistryTest : public testing::ScratchDatabaseTest {
 protected:
  void SetUp() override { Open("lib/plugins", "sqlite:" + TestFile(".db")); }

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
