// The fixture of the exact-SQL tests: a dialect plugin (the real .so) and the shop schema.
#ifndef SLUICE_TESTS_DIALECTS_DIALECT_SQL_TEST_H_
#define SLUICE_TESTS_DIALECTS_DIALECT_SQL_TEST_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "planner/planner.h"
#include "plugins/dialect_plugin.h"
#include "tests/support/test_schema.h"

namespace sluice::testing {

class DialectSqlTest : public ::testing::Test {
 protected:
  // `dialect`: sqlite, postgres or mysql.
  explicit DialectSqlTest(std::string dialect) : dialect_(std::move(dialect)) {}

  void SetUp() override {
    auto plugin = DialectPlugin::Load("dialects/" + dialect_ + "/libsluice_" + dialect_ + ".so");
    ASSERT_TRUE(plugin.ok()) << plugin.status();
    plugin_ = *plugin;
  }

  // The SQL `planned` compiles to ("" and a failure when it does not); `params_` gets the plan
  // parameter each placeholder binds.
  std::string Sql(const absl::StatusOr<PlannedStatement>& planned) {
    EXPECT_TRUE(planned.ok()) << planned.status();
    if (!planned.ok()) return "";
    auto sql = plugin_->Compile(planned->plan);
    EXPECT_TRUE(sql.ok()) << sql.status();
    if (!sql.ok()) return "";
    params_ = sql->param_index;
    return sql->sql;
  }

  std::shared_ptr<DialectPlugin> plugin_;
  SchemaIndex schema_{ShopSchema()};
  std::vector<uint32_t> params_;

 private:
  const std::string dialect_;
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_DIALECTS_DIALECT_SQL_TEST_H_
