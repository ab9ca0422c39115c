// Request → validation against the shop schema → plan → SQL of each dialect: an operation
// (select, insert, update, delete; placeholders allowed, as Prepare takes them) or a relational
// find. Whatever the request, planning answers a status and rendering never crashes.
#include <memory>

#include "dialects/mysql/mysql_dialect.h"
#include "dialects/postgres/postgres_dialect.h"
#include "dialects/sdk/sql_renderer.h"
#include "dialects/sqlite/sqlite_dialect.h"
#include "planner/planner.h"
#include "sluice/v1/query.pb.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/support/test_schema.h"

namespace {

const sluice::SchemaIndex& Schema() {
  static const auto* schema = new sluice::SchemaIndex(sluice::testing::ShopSchema());
  return *schema;
}

void Render(const sluice::plan::Plan& plan) {
  static const sluice::postgres::PostgresDialect postgres;
  static const sluice::mysql::MysqlDialect mysql;
  static const sluice::sqlite::SqliteDialect sqlite;
  for (const sluice::sdk::SqlDialect* dialect :
       {static_cast<const sluice::sdk::SqlDialect*>(&postgres), static_cast<const sluice::sdk::SqlDialect*>(&mysql),
        static_cast<const sluice::sdk::SqlDialect*>(&sqlite)}) {
    (void)sluice::sdk::RenderPlan(*dialect, plan);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the kind; the rest is the message.
  const bool find = data[0] % 2 == 1;
  if (find) {
    sluice::v1::Find request;
    if (!sluice::fuzz::Decode(data + 1, size - 1, &request)) return 0;
    auto planned = sluice::PlanFind(Schema(), request, data[0] % 4 == 3, "find.");
    if (planned.ok()) Render(planned->statement.plan);
    return 0;
  }
  sluice::v1::Operation request;
  if (!sluice::fuzz::Decode(data + 1, size - 1, &request)) return 0;
  auto planned = sluice::PlanOperation(Schema(), request, "operation", /*allow_placeholders=*/data[0] % 4 == 2);
  if (planned.ok()) Render(planned->plan);
  return 0;
}
