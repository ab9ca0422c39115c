// PostgreSQL array text ⇄ the ABI's JSON array form.
#include "dialects/postgres/pg_array.h"
#include "gtest/gtest.h"

namespace sluice::postgres {
namespace {

TEST(PgArray, JsonToPostgres) {
  EXPECT_EQ(JsonArrayToPg(R"(["a,b","say \"hi\"",null,"back\\slash","NULL","","\u00e9\ud83d\ude00"])").value(),
            R"({"a,b","say \"hi\"",NULL,"back\\slash","NULL","","é😀"})");
  EXPECT_EQ(JsonArrayToPg(" [ ] ").value(), "{}");
  EXPECT_FALSE(JsonArrayToPg("[1,2]").has_value());  // elements travel as strings
  EXPECT_FALSE(JsonArrayToPg(R"(["a")").has_value());
  EXPECT_FALSE(JsonArrayToPg(R"(["a"] x)").has_value());
}

TEST(PgArray, PostgresToJson) {
  EXPECT_EQ(PgArrayToJson(R"({"a,b","say \"hi\"",NULL,"back\\slash","NULL","",plain})", nullptr).value(),
            R"(["a,b","say \"hi\"",null,"back\\slash","NULL","","plain"])");
  EXPECT_EQ(PgArrayToJson("{}", nullptr).value(), "[]");
  EXPECT_EQ(PgArrayToJson("{-9223372036854775808,NULL,7}", nullptr).value(), R"(["-9223372036854775808",null,"7"])");
  EXPECT_FALSE(PgArrayToJson("{{1,2},{3,4}}", nullptr).has_value());
  EXPECT_FALSE(PgArrayToJson("1,2", nullptr).has_value());
}

TEST(PgArray, ElementsAreUnescaped) {
  using Elements = std::vector<std::optional<std::string>>;
  EXPECT_EQ(PgArrayElements(R"({"a,b","say \"hi\"",NULL,"back\\slash","NULL",plain})").value(),
            (Elements{"a,b", "say \"hi\"", std::nullopt, "back\\slash", "NULL", "plain"}));
  EXPECT_EQ(PgArrayElements("{}").value(), Elements{});
  EXPECT_FALSE(PgArrayElements(R"({"open)").has_value());
}

}  // namespace
}  // namespace sluice::postgres
