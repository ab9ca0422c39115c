#include "tests/e2e/test_databases.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

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
  ADD_FAILURE() << "no test database for dialect `" << dialect << "`";
  return "";
}

}  // namespace sluice::testing
