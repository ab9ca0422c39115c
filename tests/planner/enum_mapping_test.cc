// The planner (and introspection) cast sluice.v1 enums to sluice.plan.v1 enums and back, and
// plan literal kinds to the ABI's value kinds, by number. This holds every pair in step: same
// numbers, same names, nothing on one side that the other lacks.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "plugins/sluice_dialect.h"
#include "sluice/plan/plan.h"
#include "sluice/v1/expression.pb.h"
#include "sluice/v1/schema.pb.h"
#include "sluice/v1/value.pb.h"

namespace sluice {
namespace {

// Every value of `api` has a plan value of the same number and name (zero values aside: their
// names differ by design), and the plan enum has no value beyond them.
void ExpectSameValues(const google::protobuf::EnumDescriptor* api, const std::function<bool(int)>& plan_valid,
                      const std::function<std::string(int)>& plan_name) {
  int max = 0;
  for (int i = 0; i < api->value_count(); ++i) {
    const auto* value = api->value(i);
    max = std::max(max, value->number());
    ASSERT_TRUE(plan_valid(value->number())) << api->full_name() << " " << value->name();
    if (value->number() != 0) {
      EXPECT_EQ(plan_name(value->number()), value->name()) << api->full_name();
    }
  }
  for (int n = max + 1; n < max + 16; ++n) EXPECT_FALSE(plan_valid(n)) << api->full_name() << " lacks " << n;
}

TEST(EnumMappingTest, ApiAndPlanEnumsMatch) {
  ExpectSameValues(
      v1::ColumnType_descriptor(), [](int n) { return plan::TypeKind_IsValid(n); },
      [](int n) { return plan::TypeKind_Name(static_cast<plan::TypeKind>(n)); });
  ExpectSameValues(
      v1::ReferentialAction_descriptor(), [](int n) { return plan::Action_IsValid(n); },
      [](int n) { return plan::Action_Name(static_cast<plan::Action>(n)); });
  ExpectSameValues(
      v1::Join::Type_descriptor(), [](int n) { return plan::JoinType_IsValid(n); },
      [](int n) { return plan::JoinType_Name(static_cast<plan::JoinType>(n)); });
  ExpectSameValues(
      v1::OrderBy::Nulls_descriptor(), [](int n) { return plan::Nulls_IsValid(n); },
      [](int n) { return plan::Nulls_Name(static_cast<plan::Nulls>(n)); });
  ExpectSameValues(
      v1::SetOperation::Operator_descriptor(), [](int n) { return plan::SetOp_IsValid(n); },
      [](int n) { return plan::SetOp_Name(static_cast<plan::SetOp>(n)); });
}

constexpr bool SameNumber(int plan_kind, int abi_kind) { return plan_kind == abi_kind; }

TEST(EnumMappingTest, PlanLiteralKindsAreTheAbiValueKinds) {
  static_assert(SameNumber(plan::LITERAL_NULL, SLUICE_VALUE_NULL));
  static_assert(SameNumber(plan::LITERAL_BOOL, SLUICE_VALUE_BOOL));
  static_assert(SameNumber(plan::LITERAL_INT64, SLUICE_VALUE_INT64));
  static_assert(SameNumber(plan::LITERAL_UINT64, SLUICE_VALUE_UINT64));
  static_assert(SameNumber(plan::LITERAL_DOUBLE, SLUICE_VALUE_DOUBLE));
  static_assert(SameNumber(plan::LITERAL_TEXT, SLUICE_VALUE_TEXT));
  static_assert(SameNumber(plan::LITERAL_BYTES, SLUICE_VALUE_BYTES));
  static_assert(SameNumber(plan::LITERAL_DECIMAL, SLUICE_VALUE_DECIMAL));
  static_assert(SameNumber(plan::LITERAL_DATE, SLUICE_VALUE_DATE));
  static_assert(SameNumber(plan::LITERAL_TIME, SLUICE_VALUE_TIME));
  static_assert(SameNumber(plan::LITERAL_TIMESTAMP, SLUICE_VALUE_TIMESTAMP));
  static_assert(SameNumber(plan::LITERAL_JSON, SLUICE_VALUE_JSON));
  static_assert(SameNumber(plan::LITERAL_UUID, SLUICE_VALUE_UUID));
  // The ABI's array kind (1.1) has no literal: DDL literals are scalars.
  EXPECT_FALSE(plan::LiteralKind_IsValid(SLUICE_VALUE_ARRAY));
}

}  // namespace
}  // namespace sluice
