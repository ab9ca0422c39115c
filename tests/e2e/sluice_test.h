// The base of the end-to-end fixtures: a fresh database of one dialect on the test servers,
// sluiced serving it in the test's own process, and stubs for its services.
#ifndef SLUICE_TESTS_E2E_SLUICE_TEST_H_
#define SLUICE_TESTS_E2E_SLUICE_TEST_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "sluice/v1/migration_service.grpc.pb.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "sluice/v1/schema_service.grpc.pb.h"
#include "tests/e2e/recorded_calls.h"
#include "tests/e2e/test_databases.h"
#include "tests/support/in_process_server.h"
#include "tests/support/proto_json.h"
#include "tests/support/status_details.h"

namespace sluice::testing {

class SluiceTest : public ::testing::Test, protected RecordedCalls {
 protected:
  // `dialect`: sqlite, postgres or mysql; `flags`: sluiced's flags beyond --plugin-dir and
  // --database (the fresh database as `default`).
  explicit SluiceTest(std::string dialect, std::vector<std::string> flags = {})
      : flags_(std::move(flags)), dialect_(std::move(dialect)) {}

  void SetUp() override {
    url_ = FreshDatabaseUrl(dialect_);
    ASSERT_FALSE(url_.empty());
    StartServer();
  }
  void TearDown() override { StopServer(); }

  void StartServer() {
    std::vector<std::string> args = {"--plugin-dir", "lib/plugins", "--database", "default=" + url_};
    args.insert(args.end(), flags_.begin(), flags_.end());
    // The suites run once more with a pool of one connection (SLUICE_TEST_POOL_SIZE=1, the
    // *_pool1 targets): a call that held one connection while waiting for another would hang.
    if (const char* pool = std::getenv("SLUICE_TEST_POOL_SIZE"); pool != nullptr && *pool != '\0') {
      args.insert(args.end(), {"--pool-size", pool});  // the last --pool-size wins
    }
    server_ = std::make_unique<InProcessServer>(args);
    ASSERT_TRUE(server_->ok());
    schemas_ = v1::SchemaService::NewStub(server_->channel());
    queries_ = v1::QueryService::NewStub(server_->channel());
    migrations_ = v1::MigrationService::NewStub(server_->channel());
  }
  void StopServer() {
    schemas_.reset();
    queries_.reset();
    migrations_.reset();
    if (server_) {
      EXPECT_EQ(server_->Stop(), 0);
    }
    server_.reset();
  }
  void RestartServer() {
    StopServer();
    StartServer();
  }

  // Registers `schema` (JSON; strict: lint warnings refuse it) and migrates it.
  void RegisterAndMigrate(const std::string& schema, bool strict = false) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(schema);
    request.set_strict(strict);
    v1::RegisterSchemaResponse registered;
    ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
        << last_.error_message();
    v1::MigrateRequest migrate;
    migrate.mutable_target()->set_schema(request.schema().name());
    v1::MigrateResponse migrated;
    ASSERT_TRUE(Call(&v1::MigrationService::Stub::Migrate, migrations_.get(), migrate, &migrated).ok())
        << last_.error_message();
  }

  const std::string& dialect() const { return dialect_; }

  // The rows of `table` read by a select inside an interactive Transaction (begin, select,
  // commit) on `context`; -1 when a step fails.
  int RowsInTransaction(grpc::ClientContext* context, const std::string& schema, const std::string& table) {
    auto stream = queries_->Transaction(context);
    v1::TransactionResponse response, selected;
    const bool ok = stream->Write(FromJson<v1::TransactionRequest>(
                        absl::StrCat(R"({"begin": {"target": {"schema": ")", schema, R"("}}})"))) &&
                    stream->Read(&response) &&
                    stream->Write(FromJson<v1::TransactionRequest>(
                        absl::StrCat(R"({"operation": {"select": {"table": ")", table, R"("}}})"))) &&
                    stream->Read(&selected) && stream->Write(FromJson<v1::TransactionRequest>(R"({"commit": {}})")) &&
                    stream->Read(&response);
    stream->WritesDone();
    last_ = stream->Finish();
    return ok && last_.ok() ? selected.result().rows_size() : -1;
  }

  // sluiced's flags beyond --plugin-dir and --database (a fixture may set them before StartServer).
  std::vector<std::string> flags_;
  std::string url_;
  std::unique_ptr<InProcessServer> server_;
  std::unique_ptr<v1::SchemaService::Stub> schemas_;
  std::unique_ptr<v1::QueryService::Stub> queries_;
  std::unique_ptr<v1::MigrationService::Stub> migrations_;

 private:
  const std::string dialect_;
};

// The same, for a test run once per dialect under test (SLUICE_TEST_DIALECTS).
class DialectsTest : public SluiceTest, public ::testing::WithParamInterface<std::string> {
 protected:
  explicit DialectsTest(std::vector<std::string> flags = {}) : SluiceTest(GetParam(), std::move(flags)) {}
};

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_SLUICE_TEST_H_
