// The dialects an end-to-end run covers, and a fresh empty database for each test.
#ifndef SLUICE_TESTS_E2E_TEST_DATABASES_H_
#define SLUICE_TESTS_E2E_TEST_DATABASES_H_

#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "sluice/v1/query_service.grpc.pb.h"

namespace sluice::testing {

// From SLUICE_TEST_DIALECTS (comma-separated; default "sqlite"). Every listed dialect must be
// reachable: a missing server fails the run, it is never skipped.
std::vector<std::string> DialectsUnderTest();

// The URL of a new, empty database of `dialect` (a file in the test's temporary folder for
// SQLite). Fails the test when the dialect has no test database. A PostgreSQL URL keeps the
// sluiced options of SLUICE_TEST_POSTGRES_URL (`?sluice_statements=unnamed` behind PgBouncer).
std::string FreshDatabaseUrl(const std::string& dialect);

// `url` without sluiced's options, as libpq takes it (the tests' own connections).
std::string LibpqUrl(const std::string& url);

// Asks tools/test.sh to `verb` (restart, stop, resume, crash: see tools/db/) its `server`
// (postgres, mariadb); true when it did. Fails the test outside tools/test.sh.
bool ControlTestServer(const std::string& verb, const std::string& server);

// A schema `bulk` with one table `numbers (n BIGINT primary key, label VARCHAR(40))`.
inline constexpr char kNumbersSchema[] = R"({"name": "bulk", "tables": [{"name": "numbers", "columns": [
    {"name": "n", "type": "BIGINT", "primary_key": true, "not_null": true},
    {"name": "label", "type": "VARCHAR", "length": 40, "not_null": true}]}]})";

// Inserts rows 1..`rows` into kNumbersSchema's `numbers` as (x, 'row number x'), in one raw SQL
// statement for `dialect` sent through `queries` (a sluiced started with --allow-raw-sql).
grpc::Status FillNumbers(v1::QueryService::Stub* queries, const std::string& dialect, int rows);

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_E2E_TEST_DATABASES_H_
