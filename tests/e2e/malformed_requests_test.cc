// Bytes that are not the method's request message: INVALID_ARGUMENT naming the message type
// (reason MALFORMED_REQUEST) on every kind of method, never INTERNAL; a Transaction stream ends
// with ABORTED and rolls back.
#include <grpcpp/generic/generic_stub.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/query_service.grpc.pb.h"
#include "tests/e2e/sluice_test.h"
#include "tests/support/proto_json.h"
#include "tests/support/status_details.h"

namespace sluice {
namespace {

using testing::FromJson;
using ::testing::HasSubstr;

// Field 0x7ff.. with wire type 7, which no message has.
const std::string kGarbage = "\xff\xff\xff\xff";

grpc::ByteBuffer Bytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

class MalformedRequests : public testing::DialectsTest {
 protected:
  // The status of a call of `method` whose request is `bytes` (reading every answer).
  grpc::Status CallWith(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(server_->channel());
    grpc::CompletionQueue queue;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto call = stub.PrepareCall(&context, method, &queue);
    void* tag;
    bool ok;
    call->StartCall(reinterpret_cast<void*>(1));
    queue.Next(&tag, &ok);
    const grpc::ByteBuffer request = Bytes(bytes);
    call->WriteLast(request, grpc::WriteOptions(), reinterpret_cast<void*>(2));
    queue.Next(&tag, &ok);
    for (grpc::ByteBuffer answer; ok;) {
      call->Read(&answer, reinterpret_cast<void*>(3));
      queue.Next(&tag, &ok);
    }
    grpc::Status status;
    call->Finish(&status, reinterpret_cast<void*>(4));
    queue.Next(&tag, &ok);
    return status;
  }
};

TEST_P(MalformedRequests, EveryKindOfMethodNamesTheMessageItExpected) {
  for (const auto& [method, type] : std::vector<std::pair<std::string, std::string>>{
           {"/sluice.v1.QueryService/Select", "sluice.v1.SelectRequest"},  // completion queue
           {"/sluice.v1.QueryService/FindMany", "sluice.v1.FindManyRequest"},
           {"/sluice.v1.QueryService/Batch", "sluice.v1.BatchRequest"},                // synchronous
           {"/sluice.v1.QueryService/SelectStream", "sluice.v1.SelectStreamRequest"},  // a server stream
           {"/sluice.v1.SchemaService/RegisterSchema", "sluice.v1.RegisterSchemaRequest"},
           {"/sluice.v1.MigrationService/Status", "sluice.v1.StatusRequest"},
       }) {
    const grpc::Status status = CallWith(method, kGarbage);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr("the request is not a " + type + " message")) << method;
    EXPECT_EQ(testing::ErrorInfo(status, "reason"), "MALFORMED_REQUEST") << method;
    EXPECT_EQ(testing::ErrorInfo(status, "type"), type) << method;
  }
  // The same methods still serve well-formed bytes.
  EXPECT_EQ(CallWith("/sluice.v1.QueryService/Select",
                     FromJson<v1::SelectRequest>(R"({"target": {"schema": "nope"}, "select": {"table": "t"}})")
                         .SerializeAsString())
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// In a Transaction, bytes that do not decode end the stream: ABORTED, and nothing of it is kept.
// A stream that ends before `begin` is INVALID_ARGUMENT.
TEST_P(MalformedRequests, ATransactionStreamEndsAbortedAndRollsBack) {
  RegisterAndMigrate(testing::kNumbersSchema);
  grpc::GenericStub stub(server_->channel());
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(&context, "/sluice.v1.QueryService/Transaction", &queue);
  void* tag;
  bool ok;
  const auto next = [&] {
    queue.Next(&tag, &ok);
    return ok;
  };
  call->StartCall(nullptr);
  ASSERT_TRUE(next());
  grpc::ByteBuffer answer;
  for (const std::string& message :
       {FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})").SerializeAsString(),
        FromJson<v1::TransactionRequest>(R"({"operation": {"insert": {"table": "numbers", "rows": [
            {"values": {"n": {"int_value": "1"}, "label": {"string_value": "one"}}}]}}})")
            .SerializeAsString()}) {
    call->Write(Bytes(message), nullptr);
    ASSERT_TRUE(next());
    call->Read(&answer, nullptr);
    ASSERT_TRUE(next());
  }
  call->Write(Bytes(kGarbage), nullptr);
  next();
  call->Read(&answer, nullptr);
  EXPECT_FALSE(next());
  grpc::Status status;
  call->Finish(&status, nullptr);
  next();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  v1::QueryResult rows;
  grpc::ClientContext select;
  ASSERT_TRUE(testing::CallInto(&v1::QueryService::Stub::Select, &*queries_, &select,
                                FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"},
                                    "select": {"table": "numbers"}})"),
                                &rows)
                  .ok());
  EXPECT_EQ(rows.rows_size(), 0);

  grpc::ClientContext empty_context;
  auto empty = queries_->Transaction(&empty_context);
  empty->WritesDone();
  grpc::Status nothing = empty->Finish();
  EXPECT_EQ(nothing.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(nothing.error_message(), HasSubstr("the first message must be begin"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, MalformedRequests, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
