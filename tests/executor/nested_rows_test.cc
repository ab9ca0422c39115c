// A relational read's rows (the root's values and one JSON column per relation) decoded into
// nested rows and Drizzle-shaped JSON, straight into the response: on the response's arena when
// it has one (the completion-queue path's FindFirst and FindMany).
#include "executor/nested_rows.h"

#include <functional>

#include "google/protobuf/arena.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace sluice {
namespace {

v1::Column Type(v1::ColumnType type, uint32_t scale = 0) {
  v1::Column c;
  c.set_type(type);
  c.set_scale(scale);
  return c;
}

FindShape::Field Value(const char* name, v1::Column type) { return {name, FindShape::Field::kValue, type, nullptr}; }

// An order with its customer (one) and its details (many), each detail with its product (one).
struct Order {
  Order() {
    auto product = std::make_shared<FindShape>();
    product->fields = {Value("name", Type(v1::TEXT)), Value("unit_price", Type(v1::DECIMAL, 2))};
    auto detail = std::make_shared<FindShape>();
    detail->fields = {Value("quantity", Type(v1::INTEGER)),
                      Value("discount", Type(v1::REAL)),
                      {"product", FindShape::Field::kOne, {}, product}};
    auto customer = std::make_shared<FindShape>();
    customer->fields = {Value("company_name", Type(v1::TEXT))};
    shape.fields = {Value("id", Type(v1::INTEGER)),
                    Value("ordered_at", Type(v1::TIMESTAMPTZ)),
                    {"customer", FindShape::Field::kOne, {}, customer},
                    {"details", FindShape::Field::kMany, {}, detail}};
    v1::Row* row = result.add_rows();
    row->add_values()->set_int_value(7);
    row->add_values()->set_timestamp_value("2024-06-01T10:00:00Z");
    row->add_values()->set_json_value(R"(["Alfreds"])");
    row->add_values()->set_json_value(R"([[2, 0.05, ["Chai", 9.5]], [1, 0, null]])");
  }
  FindShape shape;
  v1::QueryResult result;
};

const v1::NestedRow& Row(const v1::Field& f) { return f.row(); }

TEST(NestRows, DecodesEveryRelationIntoTypedValues) {
  Order order;
  v1::FindResult out;
  ASSERT_TRUE(NestRows(order.result, order.shape, v1::FIND_FORMAT_UNSPECIFIED, &out).ok());
  ASSERT_EQ(out.rows_size(), 1);
  const auto& root = out.rows(0).fields();
  EXPECT_EQ(root.at("id").value().int_value(), 7);
  EXPECT_EQ(root.at("ordered_at").value().timestamp_value(), "2024-06-01T10:00:00Z");
  EXPECT_EQ(Row(root.at("customer")).fields().at("company_name").value().string_value(), "Alfreds");
  const v1::NestedRows& details = root.at("details").rows();
  ASSERT_EQ(details.rows_size(), 2);
  EXPECT_EQ(details.rows(0).fields().at("quantity").value().int_value(), 2);
  EXPECT_DOUBLE_EQ(details.rows(0).fields().at("discount").value().double_value(), 0.05);
  const auto& chai = Row(details.rows(0).fields().at("product")).fields();
  EXPECT_EQ(chai.at("name").value().string_value(), "Chai");
  EXPECT_EQ(chai.at("unit_price").value().decimal_value(), "9.50");  // the column's scale
  EXPECT_EQ(details.rows(1).fields().at("product").value().null_value(), google::protobuf::NULL_VALUE);
  EXPECT_EQ(out.json(), R"([{"id":7,"ordered_at":"2024-06-01T10:00:00Z","customer":{"company_name":"Alfreds"},)"
                        R"("details":[{"quantity":2,"discount":0.05,"product":{"name":"Chai","unit_price":"9.50"}},)"
                        R"({"quantity":1,"discount":0,"product":null}]}])");

  // Decoded again into the same response: its rows are replaced, not appended to.
  ASSERT_TRUE(NestRows(order.result, order.shape, v1::FIND_FORMAT_ROWS, &out).ok());
  EXPECT_EQ(out.rows_size(), 1);
}

TEST(NestRows, BuildsEveryNestedMessageOnTheResponsesArena) {
  Order order;
  v1::FindResult heap;
  ASSERT_TRUE(NestRows(order.result, order.shape, v1::FIND_FORMAT_ROWS, &heap).ok());
  google::protobuf::Arena arena;
  auto* out = google::protobuf::Arena::CreateMessage<v1::FindResult>(&arena);
  ASSERT_TRUE(NestRows(order.result, order.shape, v1::FIND_FORMAT_ROWS, out).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*out, heap));
  EXPECT_TRUE(out->json().empty());  // FIND_FORMAT_ROWS: no JSON
  // Every message of the tree is the arena's, freed with it at once when the answer is sent.
  int messages = 0;
  std::function<void(const v1::NestedRow&)> walk = [&](const v1::NestedRow& row) {
    ++messages;
    EXPECT_EQ(row.GetArena(), &arena);
    for (const auto& [name, field] : row.fields()) {
      EXPECT_EQ(field.GetArena(), &arena) << name;
      if (field.has_value()) {
        EXPECT_EQ(field.value().GetArena(), &arena) << name;
      }
      if (field.has_row()) walk(field.row());
      for (const v1::NestedRow& r : field.rows().rows()) walk(r);
    }
  };
  for (const v1::NestedRow& row : out->rows()) walk(row);
  EXPECT_EQ(messages, 5);  // the order, its customer, two details, one product
}

TEST(NestRows, JsonThatDoesNotFitTheShapeIsAnInternalErrorNamingTheRelation) {
  Order order;
  order.result.mutable_rows(0)->mutable_values(3)->set_json_value(R"([[2, 0.05]])");  // a detail of two values
  v1::FindResult out;
  const absl::Status status = NestRows(order.result, order.shape, v1::FIND_FORMAT_ROWS, &out);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(status.message(), "related rows: `details` has a row of 2 values; expected 3");
}

}  // namespace
}  // namespace sluice
