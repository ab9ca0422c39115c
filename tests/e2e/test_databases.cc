#include "tests/e2e/test_databases.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>

#include <libpq-fe.h>

#include "gtest/gtest.h"

namespace sluice::testing {

std::vector<std::string> DialectsUnderTest() {
  const char* env = std::getenv("SLUICE_TEST_DIALECTS");
  std::vector<std::string> out;
  std::stringstream list(env && *env ? env : "sqlite");
  for (std::string d; std::getline(list, d, ',');) {
    if (!d.empty()) out.push_back(d);
  }
  return out;
}

std::string FreshDatabaseUrl(const std::string& dialect) {
  static int counter = 0;
  if (dialect == "sqlite") {
    return "sqlite:" + ::testing::TempDir() + "/e2e_" + std::to_string(getpid()) + "_" +
           std::to_string(counter++) + ".db";
  }
  if (dialect == "postgres") {
    // A new database on the server tools/test.sh started (SLUICE_TEST_POSTGRES_URL).
    const char* admin = std::getenv("SLUICE_TEST_POSTGRES_URL");
    if (admin == nullptr || *admin == '\0') {
      ADD_FAILURE() << "SLUICE_TEST_POSTGRES_URL is not set: run the tests through tools/test.sh";
      return "";
    }
    // Sandboxed test processes share PIDs, so names carry a random part.
    static const std::string run = [] {
      std::random_device random;
      char hex[17];
      std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
      return std::string(hex);
    }();
    const std::string name = "e2e_" + run + "_" + std::to_string(counter++);
    PGconn* conn = PQconnectdb(admin);
    if (PQstatus(conn) != CONNECTION_OK) {
      ADD_FAILURE() << "cannot reach the test PostgreSQL server: " << PQerrorMessage(conn);
      PQfinish(conn);
      return "";
    }
    PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    if (!ok) ADD_FAILURE() << "CREATE DATABASE failed: " << PQerrorMessage(conn);
    PQclear(result);
    PQfinish(conn);
    if (!ok) return "";
    std::string url = admin;
    return url.substr(0, url.rfind('/') + 1) + name;
  }
  ADD_FAILURE() << "no test database for dialect `" << dialect << "`";
  return "";
}

}  // namespace sluice::testing
