// The JSON reader behind relational results: numbers keep their exact text, strings decode
// every escape, and anything malformed is refused.
#include "common/json.h"

#include "executor/nested_rows.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

TEST(Json, NumbersKeepTheirText) {
  auto v = ParseJson(R"([9007199254740993, -0.10, 1e-7, 123456789012345678901234567890.5])");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->items.size(), 4u);
  EXPECT_EQ(v->items[0].text, "9007199254740993");
  EXPECT_EQ(v->items[1].text, "-0.10");
  EXPECT_EQ(v->items[2].text, "1e-7");
  EXPECT_EQ(v->items[3].text, "123456789012345678901234567890.5");
}

TEST(Json, StringsAndStructure) {
  auto v = ParseJson(R"( {"a": [true, false, null, "x\"\\\/\n\u00e9\ud83d\ude00"], "b": {}} )");
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_EQ(v->kind, JsonValue::kObject);
  EXPECT_EQ(v->keys, (std::vector<std::string>{"a", "b"}));
  const JsonValue& a = v->items[0];
  EXPECT_TRUE(a.items[0].boolean);
  EXPECT_FALSE(a.items[1].boolean);
  EXPECT_EQ(a.items[2].kind, JsonValue::kNull);
  EXPECT_EQ(a.items[3].text, "x\"\\/\n\xc3\xa9\xf0\x9f\x98\x80");
  std::string quoted;
  AppendJsonString("q\"\\\n\x01", &quoted);
  EXPECT_EQ(quoted, R"("q\"\\\n\u0001")");
}

TEST(Json, MalformedIsRefused) {
  for (const char* bad : {"", "[", "[1,]", "{\"a\" 1}", "01x", "\"\\ud800\"", "[1] 2", "\"tab\there\"", "nul"}) {
    EXPECT_FALSE(ParseJson(bad).ok()) << bad;
  }
  std::string deep(300, '[');
  EXPECT_FALSE(ParseJson(deep + std::string(300, ']')).ok());  // nesting is bounded
}

TEST(Json, ValuesRenderExactly) {
  auto json = [](const char* text) {
    v1::Value v;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &v));
    std::string out;
    AppendValueJson(v, &out);
    return out;
  };
  EXPECT_EQ(json("int_value: 9007199254740991"), "9007199254740991");
  EXPECT_EQ(json("int_value: 9007199254740993"), "\"9007199254740993\"");  // beyond 2^53 - 1: a string
  EXPECT_EQ(json("uint_value: 18446744073709551615"), "\"18446744073709551615\"");
  EXPECT_EQ(json("decimal_value: '12.50'"), "\"12.50\"");
  EXPECT_EQ(json("double_value: 0.1"), "0.1");
  // The shortest text that reads back as the same double.
  EXPECT_EQ(json("double_value: 100"), "100");
  EXPECT_EQ(json("double_value: -2.5"), "-2.5");
  EXPECT_EQ(json("double_value: 0.30000000000000004"), "0.30000000000000004");
  EXPECT_EQ(json("double_value: 1e21"), "1e+21");
  EXPECT_EQ(json("double_value: 1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(json("double_value: 5e-324"), "5e-324");
  EXPECT_EQ(json("double_value: nan"), "\"NaN\"");
  EXPECT_EQ(json("bytes_value: '\\000\\377'"), "\"AP8=\"");
  EXPECT_EQ(json("json_value: '{\"a\": [1]}'"), "{\"a\": [1]}");
  EXPECT_EQ(json("null_value: NULL_VALUE"), "null");
}

}  // namespace
}  // namespace sluice
