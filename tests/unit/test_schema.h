// The example shop schema (examples/shop.schema.json) for unit tests.
#ifndef SLUICE_TESTS_UNIT_TEST_SCHEMA_H_
#define SLUICE_TESTS_UNIT_TEST_SCHEMA_H_

#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "sluice/v1/schema.pb.h"

namespace sluice::testing {

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.message() << "\n" << json;
  return message;
}

inline v1::Schema ShopSchema() {
  std::ifstream in("examples/shop.schema.json");
  std::stringstream text;
  text << in.rdbuf();
  return FromJson<v1::Schema>(text.str());
}

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_UNIT_TEST_SCHEMA_H_
