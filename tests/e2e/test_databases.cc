#include "tests/e2e/test_databases.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include <libpq-fe.h>
#include <mysql.h>

#include <regex>

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

namespace {

// Sandboxed test processes share PIDs, so database names carry a random part.
std::string UniqueName(int n) {
  static const std::string run = [] {
    std::random_device random;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
    return std::string(hex);
  }();
  return "e2e_" + run + "_" + std::to_string(n);
}

std::string AdminUrl(const char* variable) {
  const char* url = std::getenv(variable);
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << variable << " is not set: run the tests through tools/test.sh";
    return "";
  }
  return url;
}

// The admin URL with its database replaced by `name` (its query, sluiced's options, kept).
std::string WithDatabase(const std::string& url, const std::string& name) {
  const std::string base = LibpqUrl(url);
  return base.substr(0, base.rfind('/') + 1) + name + url.substr(base.size());
}

}  // namespace

std::string LibpqUrl(const std::string& url) { return url.substr(0, url.find("?sluice_")); }

std::string FreshDatabaseUrl(const std::string& dialect) {
  static int counter = 0;
  if (dialect == "sqlite") {
    return "sqlite:" + ::testing::TempDir() + "/e2e_" + std::to_string(getpid()) + "_" + std::to_string(counter++) +
           ".db";
  }
  if (dialect == "postgres") {
    // A new database on the server tools/test.sh started.
    const std::string admin = AdminUrl("SLUICE_TEST_POSTGRES_URL");
    if (admin.empty()) return "";
    const std::string name = UniqueName(counter++);
    PGconn* conn = PQconnectdb(LibpqUrl(admin).c_str());
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
    return WithDatabase(admin, name);
  }
  if (dialect == "mysql") {
    const std::string admin = AdminUrl("SLUICE_TEST_MYSQL_URL");
    if (admin.empty()) return "";
    std::smatch m;
    static const std::regex kUrl("mysql://([^:]*):([^@]*)@([^:]*):([0-9]+)/.*");
    if (!std::regex_match(admin, m, kUrl)) {
      ADD_FAILURE() << "SLUICE_TEST_MYSQL_URL is not mysql://user:password@host:port/database";
      return "";
    }
    const std::string name = UniqueName(counter++);
    MYSQL* my = mysql_init(nullptr);
    bool ok = mysql_real_connect(my, m[3].str().c_str(), m[1].str().c_str(), m[2].str().c_str(), nullptr,
                                 std::stoi(m[4].str()), nullptr, 0) != nullptr;
    ok = ok && mysql_query(my, ("CREATE DATABASE " + name).c_str()) == 0;
    if (!ok) ADD_FAILURE() << "cannot create a MariaDB test database: " << mysql_error(my);
    mysql_close(my);
    return ok ? WithDatabase(admin, name) : "";
  }
  ADD_FAILURE() << "no test database for dialect `" << dialect << "`";
  return "";
}

bool ControlTestServer(const std::string& verb, const std::string& server) {
  const char* control = std::getenv("SLUICE_TEST_CONTROL");
  if (control == nullptr || *control == '\0') {
    ADD_FAILURE() << "SLUICE_TEST_CONTROL is not set: run through tools/test.sh";
    return false;
  }
  std::ofstream(control) << verb << " " << server << std::endl;
  std::string code;
  std::ifstream(std::string(control) + ".done") >> code;
  return code == "0";
}

grpc::Status FillNumbers(v1::QueryService::Stub* queries, const std::string& dialect, int rows) {
  const std::string count = std::to_string(rows);
  v1::RawRequest fill;
  if (dialect == "postgres") {
    fill.set_sql("INSERT INTO numbers (n, label) SELECT x, 'row number ' || x FROM generate_series(1, " + count +
                 ") AS x");
  } else if (dialect == "mysql") {
    fill.set_sql("INSERT INTO numbers (n, label) SELECT seq, concat('row number ', seq) FROM seq_1_to_" + count);
  } else {
    fill.set_sql(
        "INSERT INTO numbers (n, label) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < " +
        count + ") SELECT x, 'row number ' || x FROM c");
  }
  grpc::ClientContext context;
  v1::RawResponse filled;
  return queries->Raw(&context, fill, &filled);
}

}  // namespace sluice::testing
