// Schema → validation → DDL of each dialect, and the migration from the shop schema to it:
// whatever the schema, validation answers a status, and a valid one renders without crashing.
#include "dialects/mysql/mysql_dialect.h"
#include "dialects/postgres/postgres_dialect.h"
#include "dialects/sdk/sql_renderer.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "migrations/schema_diff.h"
#include "planner/planner.h"
#include "planner/views.h"
#include "schema/schema_validator.h"
#include "sluice/v1/schema.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/support/test_schema.h"
#include "typed/client_breaking.h"
#include "typed/field_numbers.h"
#include "typed/schema_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::v1::Schema schema;
  if (!sluice::fuzz::Decode(data, size, &schema)) return 0;
  if (!sluice::ValidateSchema(schema, "schema").ok()) return 0;
  // As registered: with its views' columns.
  auto resolved = sluice::ResolveViews(schema, "schema");
  if (!resolved.ok()) __builtin_trap();  // validation resolved them already
  schema = *std::move(resolved);
  static const sluice::postgres::PostgresDialect postgres;
  static const sluice::mysql::MysqlDialect mysql;
  static const sluice::sqlite::SqliteDialect sqlite;
  static const sluice::v1::Schema* shop = new sluice::v1::Schema(sluice::testing::ShopSchema());
  const sluice::SchemaIndex index(schema);
  // Its typed API, numbered after the shop's (names that clash are a status), and what it breaks.
  auto shop_numbers = sluice::typed::NextFieldNumbers({}, *shop, {});
  if (auto numbers = sluice::typed::NextFieldNumbers(*shop_numbers, schema, {}); numbers.ok()) {
    (void)sluice::typed::BuildSchemaFile(index, *numbers);
  }
  (void)sluice::typed::ClientBreakingChanges(*shop, schema, {});
  std::vector<sluice::plan::Plan> plans = sluice::PlanCreateSchema(index, /*if_not_exists=*/false);
  for (const bool alter_in_place : {true, false}) {
    sluice::DialectTraits traits;
    traits.alter_in_place = alter_in_place;
    traits.enum_types = alter_in_place;
    auto diff = sluice::DiffSchemas(*shop, schema, {}, traits);
    if (diff.ok()) plans.insert(plans.end(), diff->plans.begin(), diff->plans.end());
  }
  for (const auto& plan : plans) {
    for (const sluice::sdk::SqlDialect* dialect :
         {static_cast<const sluice::sdk::SqlDialect*>(&postgres), static_cast<const sluice::sdk::SqlDialect*>(&mysql),
          static_cast<const sluice::sdk::SqlDialect*>(&sqlite)}) {
      (void)sluice::sdk::RenderPlan(*dialect, plan);
    }
  }
  return 0;
}
