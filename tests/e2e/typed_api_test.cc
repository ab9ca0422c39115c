// The typed API end to end on every dialect: the services a registered schema makes, found by
// reflection at once, called as a client generated from the schema's .proto would (messages
// built from GetSchemaProto's descriptors, sent through gRPC's generic stub); field numbers that
// survive a second version (and the first version's client that keeps working); the mistakes.
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "gtest/gtest.h"
#include "tests/e2e/sluice_test.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FromJson;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;
using testing::ReadFile;

// A client of one version of a schema's typed API: its messages from GetSchemaProto's compiled
// file, as a client generated from the .proto holds them.
class TypedClient {
 public:
  TypedClient(std::shared_ptr<grpc::Channel> channel, const std::string& descriptor_set) : stub_(channel) {
    google::protobuf::FileDescriptorSet set;
    EXPECT_TRUE(set.ParseFromString(descriptor_set));
    for (const auto& file : set.file()) EXPECT_NE(pool_.BuildFile(file), nullptr) << file.name();
  }

  const google::protobuf::DescriptorPool& pool() const { return pool_; }

  // Calls unary `path` ("UsersService/Find") with `json`; the response as JSON in `out`.
  grpc::Status Call(const std::string& path, const std::string& json, std::string* out) {
    const google::protobuf::MethodDescriptor* method = Method(path);
    if (method == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, "no method " + path);
    grpc::ByteBuffer request = Encode(*method->input_type(), json), response;
    grpc::ClientContext context;
    std::promise<grpc::Status> done;
    stub_.UnaryCall(&context, Path(method), grpc::StubOptions(), &request, &response,
                    [&done](grpc::Status s) { done.set_value(std::move(s)); });
    grpc::Status status = done.get_future().get();
    if (status.ok()) *out = Decode(*method->output_type(), response);
    return status;
  }

  // Server-streaming `path`: each message as JSON.
  grpc::Status Stream(const std::string& path, const std::string& json, std::vector<std::string>* out) {
    const google::protobuf::MethodDescriptor* method = Method(path);
    grpc::CompletionQueue cq;
    grpc::ClientContext context;
    auto call = stub_.PrepareCall(&context, Path(method), &cq);
    auto wait = [&cq] {
      void* tag;
      bool ok = false;
      EXPECT_TRUE(cq.Next(&tag, &ok));
      return ok;
    };
    call->StartCall(nullptr);
    wait();
    call->WriteLast(Encode(*method->input_type(), json), grpc::WriteOptions(), nullptr);
    wait();
    for (grpc::ByteBuffer message;;) {
      call->Read(&message, nullptr);
      if (!wait()) break;
      out->push_back(Decode(*method->output_type(), message));
    }
    grpc::Status status;
    call->Finish(&status, nullptr);
    wait();
    return status;
  }

 private:
  const google::protobuf::MethodDescriptor* Method(const std::string& path) const {
    const size_t slash = path.find('/');
    const auto* service = pool_.FindServiceByName(
        absl::StrCat(pool_.FindFileByName("sluice/schemas/shop.proto")->package(), ".", path.substr(0, slash)));
    return service == nullptr ? nullptr : service->FindMethodByName(path.substr(slash + 1));
  }
  static std::string Path(const google::protobuf::MethodDescriptor* method) {
    return absl::StrCat("/", method->service()->full_name(), "/", method->name());
  }
  grpc::ByteBuffer Encode(const google::protobuf::Descriptor& type, const std::string& json) {
    std::unique_ptr<google::protobuf::Message> message(factory_.GetPrototype(&type)->New());
    auto parsed = google::protobuf::util::JsonStringToMessage(json, message.get());
    EXPECT_TRUE(parsed.ok()) << parsed << " " << json;
    grpc::Slice slice(message->SerializeAsString());
    return grpc::ByteBuffer(&slice, 1);
  }
  std::string Decode(const google::protobuf::Descriptor& type, const grpc::ByteBuffer& bytes) {
    std::vector<grpc::Slice> slices;
    EXPECT_TRUE(bytes.Dump(&slices).ok());
    std::string joined;
    for (const auto& s : slices) joined.append(reinterpret_cast<const char*>(s.begin()), s.size());
    std::unique_ptr<google::protobuf::Message> message(factory_.GetPrototype(&type)->New());
    EXPECT_TRUE(message->ParseFromString(joined));
    std::string out;
    EXPECT_TRUE(google::protobuf::util::MessageToJsonString(*message, &out).ok());
    return out;
  }

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_{&pool_};
  grpc::GenericStub stub_;
};

class TypedApi : public testing::DialectsTest {
 protected:
  void SetUp() override {
    DialectsTest::SetUp();
    RegisterAndMigrate(ReadFile("examples/shop.schema.json"));
  }

  std::unique_ptr<TypedClient> Client() {
    v1::GetSchemaProtoResponse proto;
    EXPECT_TRUE(Call(&v1::SchemaService::Stub::GetSchemaProto, schemas_.get(),
                     FromJson<v1::GetSchemaProtoRequest>(R"({"target": {"schema": "shop"}})"), &proto)
                    .ok())
        << last_.error_message();
    return std::make_unique<TypedClient>(server_->channel(), proto.descriptor_set());
  }

  // A call that must succeed: its response as JSON.
  static std::string Ok(TypedClient& client, const std::string& path, const std::string& json) {
    std::string out;
    grpc::Status status = client.Call(path, json, &out);
    EXPECT_TRUE(status.ok()) << path << ": " << status.error_message();
    return out;
  }

  // Ada and Bob, and Ada's two posts (one with JSON metadata).
  void Fill(TypedClient& client) {
    Ok(client, "UsersService/Insert", R"({"rows": [
        {"id": 1, "email": "ada@example.com", "name": "Ada", "role": "ROLE_ADMIN", "balance": "12.50",
         "createdAt": "2024-02-29T13:45:00Z"},
        {"id": 2, "email": "bob@example.com", "balance": "3", "active": false, "createdAt": "2024-03-01T08:00:00Z"}]})");
    Ok(client, "PostsService/Insert", R"({"rows": [
        {"id": 10, "authorId": 1, "title": "Engines", "rating": 4.5, "publicId": "8b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a",
         "metadata": {"tags": ["math", "machines", 3.5, true, null]}},
        {"id": 11, "authorId": 1, "title": "Notes", "publicId": "9b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a"}]})");
  }
};

TEST_P(TypedApi, ReflectionListsTheTypedServicesRightAfterRegistration) {
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(server_->channel());
  grpc::ClientContext context;
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Write(request) && stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& s : response.list_services_response().service()) services.push_back(s.name());
  EXPECT_THAT(services, IsSupersetOf({"sluice.v1.QueryService", "sluice.schemas.shop.UsersService",
                                      "sluice.schemas.shop.PostsService", "sluice.schemas.shop.TagsService"}));
  // The file of a typed service, with the well-known files it imports.
  request.set_file_containing_symbol("sluice.schemas.shop.UsersService");
  ASSERT_TRUE(stream->Write(request) && stream->Read(&response));
  ASSERT_GE(response.file_descriptor_response().file_descriptor_proto_size(), 1);
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(response.file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(file.name(), "sluice/schemas/shop.proto");
  EXPECT_THAT(file.dependency(), ElementsAre("google/protobuf/timestamp.proto", "google/protobuf/struct.proto"));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_P(TypedApi, ReadsAndWritesThroughTheTableServices) {
  auto client = Client();
  Fill(*client);
  // Find with a typed where, a relation with its own where, columns picked: one statement.
  EXPECT_EQ(Ok(*client, "UsersService/Find", R"({
        "where": {"email": {"like": "%@example.com"}, "active": {"eq": true}},
        "columns": ["USERS_COLUMN_ID", "USERS_COLUMN_NAME", "USERS_COLUMN_ROLE", "USERS_COLUMN_BALANCE"],
        "with": {"posts": {"where": {"rating": {"isNull": false}},
                           "columns": ["POSTS_COLUMN_TITLE", "POSTS_COLUMN_METADATA"]}}})"),
            R"({"rows":[{"id":1,"name":"Ada","role":"ROLE_ADMIN","balance":"12.50",)"
            R"("posts":[{"title":"Engines","metadata":{"tags":["math","machines",3.5,true,null]}}]}]})");
  // Nullable columns are absent when null; timestamps are google.protobuf.Timestamp.
  EXPECT_EQ(Ok(*client, "UsersService/Get", R"({"key": {"id": 2}, "with": {"posts": {}}})"),
            R"({"row":{"id":2,"email":"bob@example.com","role":"ROLE_CUSTOMER","balance":"3.00",)"
            R"("createdAt":"2024-03-01T08:00:00Z"}})");
  std::string out;
  grpc::Status missing = client->Call("UsersService/Get", R"({"key": {"id": 99}})", &out);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::NOT_FOUND) << missing.error_message();
  EXPECT_EQ(Ok(*client, "PostsService/FindFirst", R"({"orderBy": [{"column": "POSTS_COLUMN_ID", "descending": true}],
        "columns": ["POSTS_COLUMN_ID"], "with": {"author": {"columns": ["USERS_COLUMN_EMAIL"]}}})"),
            R"({"row":{"id":11,"author":{"email":"ada@example.com"}}})");
  EXPECT_EQ(Ok(*client, "UsersService/Find", R"({"where": {"or": [{"id": {"eq": 2}}, {"name": {"ilike": "ADA"}}]},
        "orderBy": [{"column": "USERS_COLUMN_ID", "descending": true}], "columns": ["USERS_COLUMN_ID"]})"),
            R"({"rows":[{"id":2},{"id":1}]})");
  // Writes: set, set_null, returning.
  EXPECT_EQ(Ok(*client, "UsersService/Update", R"({"set": {"balance": "20"}, "setNull": ["USERS_COLUMN_NAME"],
        "where": {"id": {"in": [1]}}, "returning": {"columns": ["USERS_COLUMN_ID", "USERS_COLUMN_BALANCE"]}})"),
            R"({"rowsAffected":"1","rows":[{"id":1,"balance":"20.00"}]})");
  EXPECT_EQ(Ok(*client, "PostsService/Delete", R"({"where": {"title": {"eq": "Notes"}}})"), R"({"rowsAffected":"1"})");
  grpc::Status unbounded = client->Call("PostsService/Delete", "{}", &out);
  EXPECT_EQ(unbounded.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << unbounded.error_message();
  // Upsert: the conflicting row takes the proposed values.
  Ok(*client, "UsersService/Insert", R"({"rows": [{"id": 2, "email": "bob@example.com", "balance": "7",
        "createdAt": "2024-03-01T08:00:00Z"}], "onConflict": {"target": ["USERS_COLUMN_ID"],
        "setExcluded": ["USERS_COLUMN_BALANCE"]}})");
  // Stream: the rows in batches of the table's row message.
  std::vector<std::string> batches;
  ASSERT_TRUE(client
                  ->Stream("UsersService/Stream", R"({"orderBy": [{"column": "USERS_COLUMN_ID"}],
        "columns": ["USERS_COLUMN_ID", "USERS_COLUMN_BALANCE"]})",
                           &batches)
                  .ok());
  EXPECT_THAT(batches, ElementsAre(R"({"rows":[{"id":1,"balance":"20.00"},{"id":2,"balance":"7.00"}]})"));
}

TEST_P(TypedApi, ARestartedServerServesTheTypedApiItFindsInTheDatabase) {
  auto before = Client();
  Fill(*before);
  RestartServer();  // the registry is in the database: nothing registered again
  auto after = Client();
  EXPECT_EQ(Ok(*after, "UsersService/Get", R"({"key": {"id": 1}, "columns": ["USERS_COLUMN_NAME"]})"),
            R"({"row":{"name":"Ada"}})");
  // Its methods are now registered with gRPC at start: an empty request reaches the translation
  // too (an unbounded delete, refused), and Stream still comes through the generic service.
  std::string out;
  grpc::Status unbounded = after->Call("PostsService/Delete", "{}", &out);
  EXPECT_EQ(unbounded.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << unbounded.error_message();
  std::vector<std::string> batches;
  ASSERT_TRUE(after->Stream("UsersService/Stream", R"({"columns": ["USERS_COLUMN_ID"]})", &batches).ok());
  EXPECT_THAT(batches, ElementsAre(R"({"rows":[{"id":1},{"id":2}]})"));
}

TEST_P(TypedApi, BadInputGetsTheTypedFieldPath) {
  auto client = Client();
  std::string out;
  grpc::Status status = client->Call("UsersService/Insert", R"({"rows": [{"email": "a@example.com",
      "createdAt": "2024-02-29T13:45:00Z"}, {"email": "b@example.com", "balance": "1.234"}]})",
                                     &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(status), ElementsAre("rows[1].balance"));
  status =
      client->Call("UsersService/Find", R"({"where": {"email": {"eq": "x"}, "and": [{"role": {"eq": 7}}]}})", &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(status), ElementsAre("where.and[0].role.eq"));
  // Nothing was written.
  EXPECT_EQ(Ok(*client, "UsersService/Find", "{}"), "{}");
}

TEST_P(TypedApi, ASecondVersionKeepsFieldNumbersAndTheFirstVersionsClientWorks) {
  Fill(*Client());
  // A server started with v1 in its database: v1's unary methods are registered with gRPC at
  // start (not served through the generic service), and must follow the new version too.
  RestartServer();
  auto first = Client();
  // v2: users gains `nickname`; tags is gone (its relations too).
  std::string v2 = absl::StrReplaceAll(ReadFile("examples/shop.schema.json"),
                                       {{R"({"name": "name", "type": "TEXT"})",
                                         R"({"name": "name", "type": "TEXT"}, {"name": "nickname", "type": "TEXT"})"}});
  v1::Schema schema = FromJson<v1::Schema>(v2);
  ASSERT_NE(v2, ReadFile("examples/shop.schema.json"));
  for (int i = schema.tables_size() - 1; i >= 0; --i) {
    if (schema.tables(i).name() == "tags") schema.mutable_tables()->DeleteSubrange(i, 1);
  }
  for (int i = schema.relations_size() - 1; i >= 0; --i) {
    if (schema.relations(i).table() == "tags" || schema.relations(i).target_table() == "tags")
      schema.mutable_relations()->DeleteSubrange(i, 1);
  }
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = schema;
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message();
  EXPECT_EQ(registered.version().version(), 2u);
  // What v2 breaks for v1's clients, reported by Generate (from the applied snapshot), Check and
  // Push, beside the SQL.
  const std::vector<std::string> breaking = {
      "table `tags` dropped: service TagsService is gone",
  };
  v1::GenerateResponse generated;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Generate, migrations_.get(),
                   FromJson<v1::GenerateRequest>(R"({"target": {"schema": "shop"}, "allow_data_loss": true})"),
                   &generated)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(generated.client_breaking(), ::testing::ElementsAreArray(breaking));
  v1::GenerateResponse initial;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Generate, migrations_.get(),
                   FromJson<v1::GenerateRequest>(R"({"target": {"schema": "shop"}, "version": 1, "previous": {}})"),
                   &initial)
                  .ok());
  EXPECT_THAT(initial.client_breaking(), ElementsAre());  // a first version breaks nothing
  v1::CheckRequest check;
  *check.add_migrations() = initial.migration();
  *check.add_migrations() = generated.migration();
  v1::CheckResponse checked;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Check, migrations_.get(), check, &checked).ok());
  EXPECT_THAT(checked.problems(), ElementsAre());
  EXPECT_THAT(checked.client_breaking(), ElementsAre(absl::StrCat(generated.migration().name(), ": ", breaking[0])));
  v1::PushResponse dry;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Push, migrations_.get(),
                   FromJson<v1::PushRequest>(R"({"target": {"schema": "shop"}, "dry_run": true})"), &dry)
                  .ok());
  EXPECT_THAT(dry.client_breaking(), ::testing::ElementsAreArray(breaking));
  v1::PushResponse pushed;
  ASSERT_TRUE(Call(&v1::MigrationService::Stub::Push, migrations_.get(),
                   FromJson<v1::PushRequest>(R"({"target": {"schema": "shop"}, "allow_data_loss": true})"), &pushed)
                  .ok())
      << last_.error_message();

  auto second = Client();
  const auto* old_users = first->pool().FindMessageTypeByName("sluice.schemas.shop.Users");
  const auto* new_users = second->pool().FindMessageTypeByName("sluice.schemas.shop.Users");
  ASSERT_NE(old_users, nullptr);
  ASSERT_NE(new_users, nullptr);
  for (int i = 0; i < old_users->field_count(); ++i) {  // every old field keeps its number
    const auto* field = new_users->FindFieldByName(old_users->field(i)->name());
    ASSERT_NE(field, nullptr) << old_users->field(i)->name();
    EXPECT_EQ(field->number(), old_users->field(i)->number()) << field->name();
  }
  // After the 7 columns and the relation `posts` (8): a number never used.
  EXPECT_EQ(new_users->FindFieldByName("nickname")->number(), 9);

  Ok(*second, "UsersService/Update", R"({"set": {"nickname": "Countess"}, "where": {"id": {"eq": 1}}})");
  EXPECT_EQ(Ok(*second, "UsersService/Get", R"({"key": {"id": 1}, "columns": ["USERS_COLUMN_NICKNAME"]})"),
            R"({"row":{"nickname":"Countess"}})");
  // The first version's client: its calls still work (the new field is one it does not know).
  EXPECT_EQ(Ok(*first, "UsersService/Get", R"({"key": {"id": 1}, "columns": ["USERS_COLUMN_EMAIL"]})"),
            R"({"row":{"email":"ada@example.com"}})");
  Ok(*first, "UsersService/Insert", R"({"rows": [{"id": 3, "email": "cy@example.com",
        "createdAt": "2024-03-02T08:00:00Z"}]})");
  // A service whose table is gone (its methods registered at start): NOT_FOUND.
  std::string out;
  grpc::Status gone = first->Call("TagsService/Find", "{}", &out);
  EXPECT_EQ(gone.error_code(), grpc::StatusCode::NOT_FOUND) << gone.error_message();
  EXPECT_THAT(gone.error_message(), HasSubstr("sluice.schemas.shop.TagsService"));
}

TEST_P(TypedApi, NamesThatMakeNoValidProtobufFileAreRefusedAtRegistration) {
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = FromJson<v1::Schema>(R"({"name": "clash", "tables": [{"name": "items", "columns": [
      {"name": "id", "type": "INTEGER", "primary_key": true, "not_null": true},
      {"name": "user_id", "type": "INTEGER"}, {"name": "userId", "type": "INTEGER"}]}]})");
  v1::RegisterSchemaResponse registered;
  EXPECT_EQ(Call(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(last_.error_message(), HasSubstr("columns `user_id` and `userId` of `items`"));
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("schema.tables[0].columns[2].name"));
  v1::ListSchemasResponse listed;
  ASSERT_TRUE(Call(&v1::SchemaService::Stub::ListSchemas, schemas_.get(), v1::ListSchemasRequest(), &listed).ok());
  ASSERT_EQ(listed.schemas_size(), 1);  // shop only: nothing stored
}

INSTANTIATE_TEST_SUITE_P(Dialects, TypedApi, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
