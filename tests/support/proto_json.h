// Test helpers: protobuf messages from and to JSON text, and files.
#ifndef SLUICE_TESTS_SUPPORT_PROTO_JSON_H_
#define SLUICE_TESTS_SUPPORT_PROTO_JSON_H_

#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace sluice::testing {

// `json` parsed as a Message (a test failure when it does not parse).
template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.message() << "\n" << json;
  return message;
}

// Compact JSON of a message, with the .proto field names.
inline std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, options);
  return out;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_SUPPORT_PROTO_JSON_H_
