// Checks pulled back into conditions, in the forms each dialect writes them.
#include "migrations/check_text.h"

#include "gtest/gtest.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using testing::FromJson;

const v1::Table kTable = FromJson<v1::Table>(R"({"name": "items", "columns": [
    {"name": "qty", "type": "INTEGER"}, {"name": "balance", "type": "DECIMAL", "precision": 10, "scale": 2},
    {"name": "ratio", "type": "DOUBLE"}, {"name": "status", "type": "TEXT"}, {"name": "name", "type": "TEXT"}]})");

std::string Parsed(const std::string& text) {
  auto condition = CheckCondition(text, kTable);
  return condition ? condition->ShortDebugString() : "(none)";
}

std::string Expected(const std::string& json) { return FromJson<v1::Condition>(json).ShortDebugString(); }

TEST(CheckText, PostgresForms) {
  EXPECT_EQ(
      Parsed("(balance >= (0)::numeric)"),
      Expected(R"({"gte": {"left": {"column": {"name": "balance"}}, "right": {"value": {"decimal_value": "0"}}}})"));
  EXPECT_EQ(
      Parsed("((status)::text = 'open'::text)"),
      Expected(R"({"eq": {"left": {"column": {"name": "status"}}, "right": {"value": {"string_value": "open"}}}})"));
  EXPECT_EQ(Parsed("((qty > 0) AND (ratio <= 1.5))"), Expected(R"({"and": {"conditions": [
      {"gt": {"left": {"column": {"name": "qty"}}, "right": {"value": {"int_value": "0"}}}},
      {"lte": {"left": {"column": {"name": "ratio"}}, "right": {"value": {"double_value": 1.5}}}}]}})"));
}

TEST(CheckText, SqliteAndMariaDbForms) {
  EXPECT_EQ(Parsed(R"(("qty" > -1) OR ("name" IS NOT NULL))"), Expected(R"({"or": {"conditions": [
      {"gt": {"left": {"column": {"name": "qty"}}, "right": {"value": {"int_value": "-1"}}}},
      {"is_not_null": {"column": {"name": "name"}}}]}})"));
  EXPECT_EQ(Parsed("NOT (`qty` <> `qty`)"), Expected(R"({"not": {"ne": {"left": {"column": {"name": "qty"}},
      "right": {"column": {"name": "qty"}}}}})"));
  EXPECT_EQ(
      Parsed("`name` = 'it''s'"),
      Expected(R"({"eq": {"left": {"column": {"name": "name"}}, "right": {"value": {"string_value": "it's"}}}})"));
}

TEST(CheckText, WhatItCannotSayStaysText) {
  EXPECT_EQ(Parsed("length(name) > 3"), "(none)");
  EXPECT_EQ(Parsed("missing > 3"), "(none)");
  EXPECT_EQ(Parsed("(qty > 0"), "(none)");
  EXPECT_EQ(Parsed("qty > 0 garbage"), "(none)");
}

}  // namespace
}  // namespace sluice
