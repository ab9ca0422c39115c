// The typed API without a server: the file a schema makes (names, types, optional fields, field
// numbers that survive changes), the clashes a schema is refused for, and typed requests
// translated into the generic API's.
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/proto_json.h"
#include "tests/support/test_schema.h"
#include "typed/client_breaking.h"
#include "typed/encode.h"
#include "typed/field_numbers.h"
#include "typed/translate.h"
#include "typed/typed_schema.h"

namespace sluice::typed {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::shared_ptr<const TypedSchema> Build(const v1::Schema& schema, const FieldNumbers& numbers,
                                         FieldNumbers* out = nullptr) {
  absl::StatusOr<FieldNumbers> next = NextFieldNumbers(numbers, schema, {});
  EXPECT_TRUE(next.ok()) << next.status();
  if (out != nullptr) *out = *next;
  auto built = TypedSchema::Build(std::make_shared<const SchemaIndex>(schema), 1, *next);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? *built : nullptr;
}

TEST(TypedApi, ShopSchemaMakesMessagesAndServicesPerTable) {
  auto api = Build(testing::ShopSchema(), {});
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->descriptor()->name(), "sluice/schemas/shop.proto");
  EXPECT_EQ(api->descriptor()->package(), "sluice.schemas.shop");
  EXPECT_THAT(api->Services(), ElementsAre("sluice.schemas.shop.UsersService", "sluice.schemas.shop.PostsService",
                                           "sluice.schemas.shop.TagsService"));
  const Descriptor* users = api->pool().FindMessageTypeByName("sluice.schemas.shop.Users");
  ASSERT_NE(users, nullptr);
  // Columns in order, numbered from 1, with their natural types; nullable ones `optional`.
  std::vector<std::string> fields;
  for (int i = 0; i < users->field_count(); ++i) {
    const FieldDescriptor* f = users->field(i);
    fields.push_back(
        absl::StrCat(f->number(), " ", f->name(), " ", f->type_name(), f->has_optional_keyword() ? " optional" : ""));
  }
  EXPECT_THAT(fields, ElementsAre("1 id int32", "2 email string", "3 name string optional", "4 role enum",
                                  "5 balance string", "6 active bool", "7 created_at message"));
  EXPECT_EQ(users->FindFieldByName("role")->enum_type()->full_name(), "sluice.schemas.shop.Role");
  EXPECT_EQ(users->FindFieldByName("role")->enum_type()->FindValueByName("ROLE_ADMIN")->number(), 2);
  EXPECT_EQ(users->FindFieldByName("created_at")->message_type()->full_name(), "google.protobuf.Timestamp");
  const Descriptor* posts = api->pool().FindMessageTypeByName("sluice.schemas.shop.PostsWithRelations");
  ASSERT_NE(posts, nullptr);
  EXPECT_EQ(posts->FindFieldByName("metadata")->message_type()->full_name(), "google.protobuf.Value");
  EXPECT_EQ(posts->FindFieldByName("cover")->type(), FieldDescriptor::TYPE_BYTES);
  // Relations: one → a message, many → repeated.
  EXPECT_EQ(posts->FindFieldByName("author")->message_type()->name(), "UsersWithRelations");
  EXPECT_FALSE(posts->FindFieldByName("author")->is_repeated());
  EXPECT_TRUE(posts->FindFieldByName("tags")->is_repeated());
  // Get by the primary key, composite too.
  const TypedMethod* get = api->FindMethod("/sluice.schemas.shop.TagsService/Get");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->request->FindFieldByName("key")->message_type()->field_count(), 2);
  EXPECT_NE(api->FindMethod("/sluice.schemas.shop.TagsService/Stream"), nullptr);
  // The .proto text parses back to the same file (what codegen writes).
  EXPECT_THAT(api->ProtoText(), HasSubstr("service UsersService {"));
  EXPECT_THAT(api->ProtoText(), HasSubstr("optional string name = 3;"));
}

TEST(TypedApi, FieldNumbersSurviveAddsDropsAndRenames) {
  v1::Schema v1 = testing::ShopSchema();
  FieldNumbers first;
  Build(v1, {}, &first);
  // v2: drop `name`, add `nickname`, rename `email` to `mail` (hint).
  v1::Schema v2 = v1;
  v1::Table* users = v2.mutable_tables(0);
  users->mutable_columns()->DeleteSubrange(2, 1);
  v1::Column* nickname = users->add_columns();
  nickname->set_name("nickname");
  nickname->set_type(v1::TEXT);
  users->mutable_columns(1)->set_name("mail");
  v1::RenameHint hint;
  hint.set_table("users");
  hint.set_from_column("email");
  hint.set_to_column("mail");
  absl::StatusOr<FieldNumbers> second = NextFieldNumbers(first, v2, {hint});
  ASSERT_TRUE(second.ok()) << second.status();
  const MessageNumbers& n = second->tables().at("users");
  EXPECT_EQ(n.columns().at("id"), 1u);
  EXPECT_EQ(n.columns().at("mail"), 2u);  // renamed: kept
  EXPECT_EQ(n.columns().at("created_at"), 7u);
  EXPECT_EQ(n.relations().at("posts"), 8u);
  EXPECT_EQ(n.columns().at("nickname"), 9u);  // new: after every number used
  ASSERT_EQ(n.reserved_size(), 1);
  EXPECT_EQ(n.reserved(0).number(), 3u);  // dropped: reserved with its name
  EXPECT_EQ(n.reserved(0).name(), "name");
  auto api = TypedSchema::Build(std::make_shared<const SchemaIndex>(v2), 2, *second);
  ASSERT_TRUE(api.ok()) << api.status();
  const Descriptor* row = (*api)->pool().FindMessageTypeByName("sluice.schemas.shop.Users");
  EXPECT_EQ(row->FindFieldByName("nickname")->number(), 9);
  EXPECT_TRUE(row->IsReservedNumber(3));
  EXPECT_TRUE(row->IsReservedName("name"));
  // v3: `name` again: a new number; 3 stays reserved, the name is free.
  v1::Schema v3 = v2;
  v1::Column* name = v3.mutable_tables(0)->add_columns();
  name->set_name("name");
  name->set_type(v1::TEXT);
  absl::StatusOr<FieldNumbers> third = NextFieldNumbers(*second, v3, {});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->tables().at("users").columns().at("name"), 10u);
  ASSERT_EQ(third->tables().at("users").reserved_size(), 1);
  EXPECT_EQ(third->tables().at("users").reserved(0).name(), "");
  EXPECT_TRUE(TypedSchema::Build(std::make_shared<const SchemaIndex>(v3), 3, *third).ok());
  // A renamed table keeps its columns' numbers (hint: from_table); without the hint it starts over.
  v1::Schema renamed = v3;
  renamed.mutable_tables(0)->set_name("members");
  for (v1::Relation& r : *renamed.mutable_relations()) {
    if (r.table() == "users") r.set_table("members");
    if (r.target_table() == "users") r.set_target_table("members");
  }
  v1::RenameHint table_hint;
  table_hint.set_table("members");
  table_hint.set_from_table("users");
  absl::StatusOr<FieldNumbers> moved = NextFieldNumbers(*third, renamed, {table_hint});
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->tables().at("members").columns().at("nickname"), 9u);
  EXPECT_EQ(NextFieldNumbers(*third, renamed, {})->tables().at("members").columns().at("nickname"), 7u);
  // Enum values keep theirs too.
  v1::Schema v4 = v3;
  v4.mutable_enums(0)->clear_values();
  v4.mutable_enums(0)->add_values("admin");
  v4.mutable_enums(0)->add_values("guest");
  absl::StatusOr<FieldNumbers> fourth = NextFieldNumbers(*third, v4, {});
  ASSERT_TRUE(fourth.ok());
  EXPECT_EQ(fourth->enums().at("role").columns().at("admin"), 2u);
  EXPECT_EQ(fourth->enums().at("role").columns().at("guest"), 3u);
}

TEST(TypedApi, NamesThatClashAreRefusedNamingBoth) {
  v1::Schema schema = testing::ShopSchema();
  v1::Column* clash = schema.mutable_tables(0)->add_columns();
  clash->set_name("createdAt");
  clash->set_type(v1::TEXT);
  FieldNumbers numbers = *NextFieldNumbers({}, schema, {});
  auto built = BuildSchemaFile(SchemaIndex(schema), numbers);
  ASSERT_EQ(built.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(built.status().message(), HasSubstr("columns `created_at` and `createdAt` of `users`"));
  EXPECT_EQ(FieldViolations(built.status()).at(0).field, "schema.tables[0].columns[7].name");

  v1::Schema tables = testing::ShopSchema();
  *tables.add_tables() = tables.tables(2);
  tables.mutable_tables(3)->set_name("Tags");
  auto twice = BuildSchemaFile(SchemaIndex(tables), *NextFieldNumbers({}, tables, {}));
  ASSERT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(twice.status().message(), HasSubstr("`Tags` and `tags` both make the protobuf name `Tags`"));
  EXPECT_EQ(FieldViolations(twice.status()).at(0).field, "schema.tables[3].name");
}

TEST(TypedApi, ClientBreakingChangesAreListed) {
  v1::Schema before = testing::ShopSchema();
  v1::Schema after = before;
  v1::Table* users = after.mutable_tables(0);
  users->mutable_columns()->DeleteSubrange(2, 1);   // name
  users->mutable_columns(1)->set_name("mail");      // email, renamed
  users->mutable_columns(3)->set_type(v1::DOUBLE);  // balance: DECIMAL (a string) → double
  users->mutable_columns(4)->set_not_null(false);   // active: now optional
  users->add_columns()->CopyFrom(users->columns(0));
  users->mutable_columns(users->columns_size() - 1)->set_name("added");  // new: breaks nothing
  after.mutable_tables()->DeleteSubrange(2, 1);                          // tags
  after.mutable_enums(0)->mutable_values()->DeleteSubrange(0, 1);        // role loses `customer`
  v1::RenameHint hint;
  hint.set_table("users");
  hint.set_from_column("email");
  hint.set_to_column("mail");
  EXPECT_THAT(ClientBreakingChanges(before, after, {hint}),
              ElementsAre("column `users.email` renamed to `mail`: its field keeps its number, under a new name",
                          "column `users.balance` changes type: string → double",
                          "column `users.active` changes type: bool → bool (optional)", "column `users.name` dropped",
                          "table `tags` dropped: service TagsService is gone", "enum `role` loses value `customer`"));
  EXPECT_THAT(ClientBreakingChanges(before, before, {}), ElementsAre());
}

// A typed message from JSON, as a client would send it.
std::unique_ptr<google::protobuf::Message> Message(const TypedSchema& api, const std::string& type,
                                                   const std::string& json) {
  auto m = api.New(api.pool().FindMessageTypeByName("sluice.schemas.shop." + type));
  auto status = google::protobuf::util::JsonStringToMessage(json, m.get());
  EXPECT_TRUE(status.ok()) << status;
  return m;
}

// A typed request as the server reads it: the message's wire bytes, read by WireMessage.
struct Wire {
  explicit Wire(const google::protobuf::Message& m) : bytes(m.SerializeAsString()) {
    status = message.Merge(m.GetDescriptor(), bytes);
  }
  std::string bytes;
  WireMessage message;
  absl::Status status;
};

TEST(TypedApi, RequestsTranslateToTheGenericApi) {
  auto api = Build(testing::ShopSchema(), {});
  const TypedMethod* find = api->FindMethod("/sluice.schemas.shop.UsersService/Find");
  auto request = Message(*api, "UsersFindRequest", R"({
      "where": {"email": {"ilike": "%@example.com"}, "id": {"gt": 1, "in": [2, 3]}, "or": [{"role": {"eq": "ROLE_ADMIN"}}]},
      "orderBy": [{"column": "USERS_COLUMN_EMAIL", "descending": true}], "limit": 5,
      "columns": ["USERS_COLUMN_ID", "USERS_COLUMN_EMAIL"],
      "with": {"posts": {"where": {"rating": {"gte": 4.5}}, "limit": 2}}})");
  Wire wire(*request);
  ASSERT_TRUE(wire.status.ok()) << wire.status;
  absl::StatusOr<v1::FindManyRequest> generic = ToFind(*api, *find, wire.message);
  ASSERT_TRUE(generic.ok()) << generic.status();
  EXPECT_EQ(testing::ToJson(*generic), testing::ToJson(testing::FromJson<v1::FindManyRequest>(R"({
      "target": {"schema": "shop"},
      "find": {"table": "users", "columns": ["id", "email"],
        "with": {"posts": {"limit": 2,
          "where": {"gte": {"left": {"column": {"name": "rating"}}, "right": {"value": {"doubleValue": 4.5}}}}}},
        "where": {"and": {"conditions": [
          {"gt": {"left": {"column": {"name": "id"}}, "right": {"value": {"intValue": "1"}}}},
          {"in": {"left": {"column": {"name": "id"}}, "values": [{"value": {"intValue": "2"}}, {"value": {"intValue": "3"}}]}},
          {"ilike": {"left": {"column": {"name": "email"}}, "right": {"value": {"stringValue": "%@example.com"}}}},
          {"or": {"conditions": [{"eq": {"left": {"column": {"name": "role"}}, "right": {"value": {"stringValue": "admin"}}}}]}}]}},
        "orderBy": [{"expression": {"column": {"name": "email"}}, "descending": true}],
        "limit": 5},
      "format": "FIND_FORMAT_ROWS"})")));

  // Values are checked against their columns, at the typed request's own paths.
  const TypedMethod* insert = api->FindMethod("/sluice.schemas.shop.UsersService/Insert");
  auto bad = Message(*api, "UsersInsertRequest", R"({"rows": [{"email": "a@example.com"}, {"balance": "12.345"}]})");
  absl::StatusOr<v1::InsertRequest> refused = ToInsert(*api, *insert, Wire(*bad).message);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolations(refused.status()).at(0).field, "rows[1].balance");

  // An unknown field number (a client of another version) is refused, with its path.
  auto stale = Message(*api, "UsersFindRequest", R"({"where": {"id": {"eq": 1}}})");
  stale->GetReflection()
      ->MutableUnknownFields(
          stale->GetReflection()->MutableMessage(stale.get(), stale->GetDescriptor()->FindFieldByName("where")))
      ->AddVarint(42, 1);
  absl::Status unknown = Wire(*stale).status;
  ASSERT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolations(unknown).at(0).field, "where");
  EXPECT_THAT(unknown.message(), HasSubstr("field number 42"));
}

// Wire bytes as a client may send them (protobuf allows them all): a field given twice, a message
// given in two parts, a repeated number unpacked, a default written out.
std::string Tag(int number, int wire) { return std::string(1, static_cast<char>(number << 3 | wire)); }
std::string Varint(int number, uint8_t value) { return Tag(number, 0) + std::string(1, static_cast<char>(value)); }
std::string Bytes(int number, const std::string& bytes) {
  return Tag(number, 2) + std::string(1, static_cast<char>(bytes.size())) + bytes;
}

TEST(TypedApi, RequestsAreReadFromTheWireAsProtobufReadsThem) {
  auto api = Build(testing::ShopSchema(), {});
  const TypedMethod* find = api->FindMethod("/sluice.schemas.shop.UsersService/Find");
  const Descriptor* type = find->request;
  const int where = type->FindFieldByName("where")->number();
  const int columns = type->FindFieldByName("columns")->number();
  const int id = type->FindFieldByName("where")->message_type()->FindFieldByName("id")->number();
  const int eq = type->FindFieldByName("where")
                     ->message_type()
                     ->FindFieldByName("id")
                     ->message_type()
                     ->FindFieldByName("eq")
                     ->number();
  // where.id.eq given as 5 then 7 (the last wins), `where` in two parts (merged), `columns`
  // unpacked then packed, `database` empty (proto3's default: not set).
  const std::string odd = Bytes(where, Bytes(id, Varint(eq, 5))) + Bytes(1, "") + Varint(columns, 1) +
                          Bytes(where, Bytes(id, Varint(eq, 7))) + Bytes(columns, std::string("\x02", 1));
  WireMessage read;
  ASSERT_TRUE(read.Merge(type, odd).ok());
  auto expected = Message(*api, "UsersFindRequest", R"({"where": {"id": {"eq": 7}},
      "columns": ["USERS_COLUMN_ID", "USERS_COLUMN_EMAIL"]})");
  auto parsed = api->New(type);
  ASSERT_TRUE(parsed->ParseFromString(odd));  // protobuf reads the same message
  EXPECT_EQ(parsed->SerializeAsString(), expected->SerializeAsString());
  absl::StatusOr<v1::FindManyRequest> from_odd = ToFind(*api, *find, read);
  absl::StatusOr<v1::FindManyRequest> from_canonical = ToFind(*api, *find, Wire(*expected).message);
  ASSERT_TRUE(from_odd.ok() && from_canonical.ok());
  EXPECT_EQ(testing::ToJson(*from_odd), testing::ToJson(*from_canonical));
  EXPECT_EQ(testing::ToJson(from_odd->find().where()),
            R"({"eq":{"left":{"column":{"name":"id"}},"right":{"value":{"int_value":"7"}}}})");

  // Bytes protobuf refuses (a truncated length, a string that is not UTF-8) are DATA_LOSS (the
  // server's malformed-request answer); a known number with another wire type is a field of
  // another version, INVALID_ARGUMENT at its message's path.
  EXPECT_EQ(WireMessage().Merge(type, Tag(where, 2) + "\x09").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(WireMessage().Merge(type, Bytes(1, "\xff")).code(), absl::StatusCode::kDataLoss);
  absl::Status other = WireMessage().Merge(type, Bytes(where, Bytes(id, Bytes(eq, "x"))));
  EXPECT_EQ(other.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldViolations(other).at(0).field, "where.id");
}

TEST(TypedApi, RowsTranslateBackWithTheirTypes) {
  auto api = Build(testing::ShopSchema(), {});
  const TypedMethod* find = api->FindMethod("/sluice.schemas.shop.PostsService/Find");
  v1::FindResult result = testing::FromJson<v1::FindResult>(R"({"rows": [{"fields": {
      "id": {"value": {"intValue": "7"}}, "title": {"value": {"stringValue": "Hello"}},
      "rating": {"value": {"nullValue": "NULL_VALUE"}},
      "metadata": {"value": {"jsonValue": "{\"a\": [1, true]}"}},
      "author": {"row": {"fields": {"id": {"value": {"intValue": "1"}}, "role": {"value": {"stringValue": "admin"}},
        "created_at": {"value": {"timestampValue": "2024-02-29T13:45:00Z"}}}}},
      "tags": {"rows": {"rows": [{"fields": {"tag": {"value": {"stringValue": "x"}}}}]}}}}]})");
  absl::StatusOr<std::string> bytes = EncodeFind(*api, *find, result);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  auto response = api->New(find->response);
  ASSERT_TRUE(response->ParseFromString(*bytes));
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*response, &json, options).ok());
  EXPECT_EQ(json,
            R"({"rows":[{"id":7,"title":"Hello","metadata":{"a":[1,true]},)"
            R"("author":{"id":1,"role":"ROLE_ADMIN","createdAt":"2024-02-29T13:45:00Z"},"tags":[{"tag":"x"}]}]})");
}

}  // namespace
}  // namespace sluice::typed
