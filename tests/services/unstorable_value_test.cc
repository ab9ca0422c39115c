// A value the database refused to store is named by the request field that holds it: the plugin
// only knows the statement's parameter.
#include "services/unstorable_value.h"

#include "common/errors.h"
#include "gtest/gtest.h"
#include "plugins/sluice_dialect.h"
#include "sluice/v1/query.pb.h"
#include "tests/support/proto_json.h"

namespace sluice {
namespace {

using testing::FromJson;

absl::Status Refused() {
  return WithErrorInfo(absl::InvalidArgumentError("postgres: parameter 2 holds a NUL character (U+0000), which "
                                                  "PostgreSQL text cannot store"),
                       SLUICE_REASON_UNSTORABLE_VALUE, {});
}

TEST(NameUnstorableValue, NamesTheFirstTextWithANulCharacter) {
  const auto batch = FromJson<v1::BatchRequest>(R"({"operations": [
      {"insert": {"table": "t", "rows": [{"values": {"a": {"string_value": "fine"}}}]}},
      {"insert": {"table": "t", "rows": [{"values": {"a": {"string_value": "fine"}}},
                                         {"values": {"b": {"string_value": "x\u0000y"}}}]}}]})");
  const absl::Status named = NameUnstorableValue(Refused(), batch);
  EXPECT_EQ(named.code(), absl::StatusCode::kInvalidArgument);
  ASSERT_EQ(FieldViolations(named).size(), 1u);
  EXPECT_EQ(FieldViolations(named)[0].field, "operations[1].insert.rows[1].values[\"b\"]");
  EXPECT_EQ(named.message(),
            "operations[1].insert.rows[1].values[\"b\"]: postgres: parameter 2 holds a NUL character (U+0000), "
            "which PostgreSQL text cannot store");
  EXPECT_EQ(ErrorReason(named), SLUICE_REASON_UNSTORABLE_VALUE);

  // An array's element, under a prefix (a transaction's message).
  const auto message = FromJson<v1::TransactionRequest>(R"({"operation": {"update": {"table": "t",
      "set": {"words": {"list_value": {"values": [{"string_value": "a"}, {"string_value": "\u0000"}]}}},
      "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "1"}}}}}}})");
  EXPECT_EQ(FieldViolations(NameUnstorableValue(Refused(), message, "message[2]"))[0].field,
            "message[2].operation.update.set[\"words\"].list_value.values[1]");
  // A prepared statement's values.
  const auto execute =
      FromJson<v1::ExecutePreparedRequest>(R"({"id": "p1", "params": {"name": {"string_value": "\u0000"}}})");
  EXPECT_EQ(FieldViolations(NameUnstorableValue(Refused(), execute))[0].field, "params[\"name\"]");
}

TEST(NameUnstorableValue, LeavesEveryOtherErrorAsItIs) {
  const auto insert = FromJson<v1::InsertRequest>(
      R"({"insert": {"table": "t", "rows": [{"values": {"a": {"string_value": "x\u0000y"}}}]}})");
  // Another reason, another code, a path already known, or no such value: unchanged.
  const absl::Status unique =
      WithErrorInfo(absl::InvalidArgumentError("duplicate"), SLUICE_REASON_UNIQUE_VIOLATION, {});
  EXPECT_EQ(NameUnstorableValue(unique, insert), unique);
  const absl::Status unavailable = WithErrorInfo(absl::UnavailableError("gone"), SLUICE_REASON_UNSTORABLE_VALUE, {});
  EXPECT_EQ(NameUnstorableValue(unavailable, insert), unavailable);
  const absl::Status known = WithErrorInfo(InvalidField("insert.rows[0]", "bad"), SLUICE_REASON_UNSTORABLE_VALUE, {});
  EXPECT_EQ(NameUnstorableValue(known, insert), known);
  const auto clean =
      FromJson<v1::InsertRequest>(R"({"insert": {"table": "t", "rows": [{"values": {"a": {"string_value": "x"}}}]}})");
  EXPECT_EQ(NameUnstorableValue(Refused(), clean), Refused());
}

}  // namespace
}  // namespace sluice
