// Clients that go idle cannot starve the pool: an interactive Transaction waiting on its client
// longer than --idle-transaction-timeout is rolled back, a SelectStream whose client stops
// reading for --stream-stall-timeout ends, and one client holds at most --max-held-connections
// connections in transactions and streams (here 1 of a pool of 2): the other calls are served.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
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

using Stream = grpc::ClientReaderWriter<v1::TransactionRequest, v1::TransactionResponse>;

class ClientWaits : public testing::DialectsTest {
 protected:
  ClientWaits()
      : DialectsTest({"--allow-raw-sql", "--pool-size", "2", "--idle-transaction-timeout", "1",
                      "--stream-stall-timeout", "1"}) {}

  void SetUp() override {
    DialectsTest::SetUp();
    RegisterAndMigrate(testing::kNumbersSchema);
  }

  // A Transaction stream that has begun (its first answer read).
  std::unique_ptr<Stream> Begin(grpc::ClientContext* context) {
    auto stream = queries_->Transaction(context);
    v1::TransactionResponse begun;
    EXPECT_TRUE(stream->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
    EXPECT_TRUE(stream->Read(&begun));
    return stream;
  }

  static v1::TransactionRequest InsertNumber(int n) {
    return FromJson<v1::TransactionRequest>(
        absl::StrCat(R"({"operation": {"insert": {"table": "numbers", "rows": [{"values": {"n": {"int_value": ")", n,
                     R"("}, "label": {"string_value": "n"}}}]}}})"));
  }

  // A unary insert with a 5 s deadline (it must not wait on the held connections).
  grpc::Status InsertUnary(int n) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::InsertRequest request = FromJson<v1::InsertRequest>(absl::StrCat(
        R"({"target": {"schema": "bulk"}, "insert": {"table": "numbers", "rows": [{"values": {"n": {"int_value": ")", n,
        R"("}, "label": {"string_value": "n"}}}]}})"));
    v1::InsertResponse response;
    return queries_->Insert(&context, request, &response);
  }

  // `rows` numbers in the table (raw SQL, through the fixture's server).
  void FillNumbers(int rows) {
    grpc::Status status = testing::FillNumbers(&*queries_, GetParam(), rows);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::vector<int64_t> Numbers() {
    v1::QueryResult result;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    grpc::Status status =
        testing::CallInto(&v1::QueryService::Stub::Select, &*queries_, &context,
                          FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers",
            "order_by": [{"expression": {"column": {"name": "n"}}}]}})"),
                          &result);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<int64_t> numbers;
    for (const auto& row : result.rows()) numbers.push_back(row.values(0).int_value());
    return numbers;
  }

  // A metric's value (0 when absent), e.g. `sluice_client_waits_ended_total{reason="idle_transaction"}`.
  uint64_t Metric(const std::string& series) { return Metric(*server_, series); }
  static uint64_t Metric(const testing::InProcessServer& server, const std::string& series) {
    const std::string text = server.metrics();
    const size_t at = text.find(series + " ");
    return at == std::string::npos ? 0 : std::stoull(text.substr(at + series.size() + 1));
  }
};

TEST_P(ClientWaits, AnIdleTransactionIsRolledBackAndItsConnectionServesOthers) {
  grpc::ClientContext context;
  auto stream = Begin(&context);
  v1::TransactionResponse answer;
  ASSERT_TRUE(stream->Write(InsertNumber(1)));
  ASSERT_TRUE(stream->Read(&answer));
  ASSERT_EQ(answer.result().rows_affected(), 1u);
  // The client goes quiet past the 1 s limit: the server ends the call and rolls back.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  stream->Write(InsertNumber(2));  // may still be accepted by the transport; never applied
  EXPECT_FALSE(stream->Read(&answer));
  // The call ends ABORTED with the reason, which names the flag.
  grpc::Status ended = stream->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::ABORTED) << ended.error_message();
  EXPECT_THAT(ended.error_message(), HasSubstr("longer than 1s (--idle-transaction-timeout); rolled back"));
  EXPECT_EQ(Metric(R"(sluice_client_waits_ended_total{reason="idle_transaction"})"), 1u);
  EXPECT_EQ(Metric(R"(sluice_held_connections{database="default"})"), 0u);
  // Nothing of it was kept, and writes go on (on SQLite too, where it held the writer's lock).
  EXPECT_TRUE(Numbers().empty());
  grpc::Status inserted = InsertUnary(3);
  EXPECT_TRUE(inserted.ok()) << inserted.error_message();
  EXPECT_EQ(Numbers(), std::vector<int64_t>{3});
}

TEST_P(ClientWaits, ATransactionThatKeepsTalkingOutlivesTheIdleLimit) {
  grpc::ClientContext context;
  auto stream = Begin(&context);
  v1::TransactionResponse answer;
  for (int n = 1; n <= 5; ++n) {  // 5 × 0.5 s: longer than the limit, never idle for 1 s
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    ASSERT_TRUE(stream->Write(InsertNumber(n)));
    ASSERT_TRUE(stream->Read(&answer)) << "message " << n;
  }
  ASSERT_TRUE(stream->Write(FromJson<v1::TransactionRequest>(R"({"commit": {}})")));
  ASSERT_TRUE(stream->Read(&answer));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(Numbers(), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(Metric(R"(sluice_client_waits_ended_total{reason="idle_transaction"})"), 0u);
}

TEST_P(ClientWaits, OneClientHoldsAtMostItsShareOfThePool) {
  grpc::ClientContext first_context;
  auto first = Begin(&first_context);
  EXPECT_EQ(Metric(R"(sluice_held_connections{database="default"})"), 1u);
  // A second transaction and a stream of the same client are refused (after a quarter second's grace), with the limit.
  {
    grpc::ClientContext context;
    auto second = queries_->Transaction(&context);
    ASSERT_TRUE(second->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
    v1::TransactionResponse answer;
    EXPECT_FALSE(second->Read(&answer));
    grpc::Status refused = second->Finish();
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_THAT(refused.error_message(), HasSubstr("--max-held-connections 1"));
    EXPECT_EQ(testing::ErrorInfo(refused, "reason"), "HELD_CONNECTIONS_LIMIT");
  }
  v1::TransactionResponse answer;
  ASSERT_TRUE(first->Write(InsertNumber(100)));  // the first stays busy (the idle limit is 1 s)
  ASSERT_TRUE(first->Read(&answer));
  {
    grpc::ClientContext context;
    auto reader = queries_->SelectStream(
        &context,
        FromJson<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers"}})"));
    v1::SelectStreamResponse message;
    EXPECT_FALSE(reader->Read(&message));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  EXPECT_EQ(Metric(R"(sluice_held_connections_refused_total{database="default"})"), 2u);
  // Unary calls are served meanwhile (SQLite: reads; its single writer is the transaction's).
  EXPECT_TRUE(Numbers().empty());
  if (GetParam() != "sqlite") {
    grpc::Status inserted = InsertUnary(7);
    EXPECT_TRUE(inserted.ok()) << inserted.error_message();
  }
  ASSERT_TRUE(first->Write(FromJson<v1::TransactionRequest>(R"({"rollback": {}})")));
  ASSERT_TRUE(first->Read(&answer));
  first->WritesDone();
  EXPECT_TRUE(first->Finish().ok());
  // Its hold is given back with the transaction: the next one begins.
  grpc::ClientContext again_context;
  auto again = Begin(&again_context);
  ASSERT_TRUE(again->Write(FromJson<v1::TransactionRequest>(R"({"commit": {}})")));
  ASSERT_TRUE(again->Read(&answer));
  again->WritesDone();
  EXPECT_TRUE(again->Finish().ok());
}

TEST_P(ClientWaits, AStreamWhoseClientStopsReadingEndsAndGivesItsConnectionBack) {
  ASSERT_NO_FATAL_FAILURE(FillNumbers(1000000));  // about 25 MB of rows
  const auto stream = [&](grpc::ClientContext* context) {
    return queries_->SelectStream(context, FromJson<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"},
        "select": {"table": "numbers", "order_by": [{"expression": {"column": {"name": "n"}}}]}})"));
  };
  grpc::ClientContext stalled_context;
  auto stalled = stream(&stalled_context);
  v1::SelectStreamResponse message;
  ASSERT_TRUE(stalled->Read(&message));  // the header
  ASSERT_TRUE(stalled->Read(&message));  // the first rows; then the client reads nothing
  // The server writes until the transport's buffers are full, then waits 1 s for the client
  // (a few seconds in all; longer under a sanitizer).
  for (int i = 0; i < 120 && Metric(R"(sluice_client_waits_ended_total{reason="stream_stall"})") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  // The hold goes with the call, once its statement stopped (a moment; longer under a sanitizer).
  for (int i = 0; i < 40 && Metric(R"(sluice_held_connections{database="default"})") != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(Metric(R"(sluice_client_waits_ended_total{reason="stream_stall"})"), 1u);
  EXPECT_EQ(Metric(R"(sluice_held_connections{database="default"})"), 0u);
  // What the transport had buffered arrives, then the end: CANCELLED, far from every row.
  int rows = 0;
  while (stalled->Read(&message)) rows += message.rows().rows_size();
  EXPECT_EQ(stalled->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(rows, 900000);
  // The same client streams again (its hold was given back), reading everything.
  grpc::ClientContext context;
  auto reader = stream(&context);
  rows = 0;
  while (reader->Read(&message)) rows += message.rows().rows_size();
  grpc::Status status = reader->Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rows, 1000000);
}

// Clients are told apart by their token: each holds its own share.
TEST_P(ClientWaits, EachTokenHoldsItsOwnShare) {
  testing::InProcessServer server({"--plugin-dir", "lib/plugins", "--pool-size", "4", "--max-held-connections", "1",
                                   "--tokens", "data:alpha,data:beta", "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  grpc::ClientContext alpha_context;
  alpha_context.AddMetadata("authorization", "Bearer alpha");
  auto alpha = stub->Transaction(&alpha_context);
  v1::TransactionResponse answer;
  ASSERT_TRUE(alpha->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
  ASSERT_TRUE(alpha->Read(&answer));
  // A stream (which holds a connection while it runs) of each token: alpha's is refused, beta's served.
  const auto stream = [&](const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    auto reader = stub->SelectStream(
        &context,
        FromJson<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers"}})"));
    v1::SelectStreamResponse message;
    while (reader->Read(&message)) {
    }
    return reader->Finish();
  };
  EXPECT_EQ(stream("alpha").error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  grpc::Status beta = stream("beta");
  EXPECT_TRUE(beta.ok()) << beta.error_message();
  ASSERT_TRUE(alpha->Write(FromJson<v1::TransactionRequest>(R"({"rollback": {}})")));
  ASSERT_TRUE(alpha->Read(&answer));
  alpha->WritesDone();
  EXPECT_TRUE(alpha->Finish().ok());
  EXPECT_TRUE(stream("alpha").ok());
  stub.reset();
  EXPECT_EQ(server.Stop(), 0);
}

// The threads of this process (the server is in it).
size_t Threads() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// A transaction waiting for its client's next message holds a connection, not a thread.
TEST_P(ClientWaits, IdleTransactionsHoldNoThread) {
  if (GetParam() == "sqlite") GTEST_SKIP() << "SQLite has one writer: one transaction at a time (BEGIN IMMEDIATE)";
  testing::InProcessServer server({"--plugin-dir", "lib/plugins", "--pool-size", "8", "--max-held-connections", "8",
                                   "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  const auto begin = [&](grpc::ClientContext* context) {
    auto stream = stub->Transaction(context);
    v1::TransactionResponse begun;
    EXPECT_TRUE(stream->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
    EXPECT_TRUE(stream->Read(&begun));
    return stream;
  };
  const auto end = [](Stream& stream) {
    v1::TransactionResponse answer;
    EXPECT_TRUE(stream.Write(FromJson<v1::TransactionRequest>(R"({"rollback": {}})")));
    EXPECT_TRUE(stream.Read(&answer));
    stream.WritesDone();
    EXPECT_TRUE(stream.Finish().ok());
  };
  {
    grpc::ClientContext context;  // one first, so that what a first call starts is counted before
    end(*begin(&context));
  }
  const size_t before = Threads();
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<Stream>> open;
  for (int i = 0; i < 8; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    open.push_back(begin(contexts.back().get()));
  }
  EXPECT_EQ(Metric(server, R"(sluice_held_connections{database="default"})"), 8u);
  // A synchronous handler per transaction would be 8 more.
  EXPECT_LE(Threads(), before + 2);
  for (auto& stream : open) end(*stream);
  stub.reset();
  EXPECT_EQ(server.Stop(), 0);
}

// A transaction's next statement never waits behind another transaction's wait for a connection:
// with one connection, held by the first, the second's begin waits until the first commits.
TEST_P(ClientWaits, ATransactionWaitingForAConnectionLetsTheHolderFinish) {
  testing::InProcessServer server({"--plugin-dir", "lib/plugins", "--pool-size", "1", "--tokens",
                                   "data:alpha,data:beta", "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  grpc::ClientContext alpha_context, beta_context;
  alpha_context.AddMetadata("authorization", "Bearer alpha");
  beta_context.AddMetadata("authorization", "Bearer beta");
  beta_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto alpha = stub->Transaction(&alpha_context);
  v1::TransactionResponse answer;
  ASSERT_TRUE(alpha->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
  ASSERT_TRUE(alpha->Read(&answer));
  auto beta = stub->Transaction(&beta_context);
  ASSERT_TRUE(beta->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // beta's begin waits for the connection
  ASSERT_TRUE(alpha->Write(InsertNumber(1)));
  ASSERT_TRUE(alpha->Read(&answer)) << "alpha waited behind beta";
  EXPECT_EQ(answer.result().rows_affected(), 1u);
  ASSERT_TRUE(alpha->Write(FromJson<v1::TransactionRequest>(R"({"commit": {}})")));
  ASSERT_TRUE(alpha->Read(&answer));
  alpha->WritesDone();
  EXPECT_TRUE(alpha->Finish().ok());
  ASSERT_TRUE(beta->Read(&answer)) << "beta never began";
  ASSERT_TRUE(beta->Write(InsertNumber(2)));
  ASSERT_TRUE(beta->Read(&answer));
  ASSERT_TRUE(beta->Write(FromJson<v1::TransactionRequest>(R"({"commit": {}})")));
  ASSERT_TRUE(beta->Read(&answer));
  beta->WritesDone();
  grpc::Status committed = beta->Finish();
  EXPECT_TRUE(committed.ok()) << committed.error_message();
  EXPECT_EQ(Numbers(), (std::vector<int64_t>{1, 2}));
  stub.reset();
  EXPECT_EQ(server.Stop(), 0);
}

// Stopping the server ends a transaction that waits on its client once the grace is over: it
// rolls back, and the server stops.
TEST_P(ClientWaits, StoppingTheServerRollsBackAnOpenTransaction) {
  testing::InProcessServer server(
      {"--plugin-dir", "lib/plugins", "--shutdown-grace", "0.5", "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  grpc::ClientContext context;
  auto stream = stub->Transaction(&context);
  v1::TransactionResponse answer;
  ASSERT_TRUE(stream->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
  ASSERT_TRUE(stream->Read(&answer));
  ASSERT_TRUE(stream->Write(InsertNumber(1)));
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_FALSE(stream->Read(&answer));
  EXPECT_FALSE(stream->Finish().ok());
  EXPECT_TRUE(Numbers().empty());
}

// A stream whose client stopped reading does not keep a stopping server waiting: its pending
// write ends with the call at the end of the grace, and the stream with it.
TEST_P(ClientWaits, StoppingTheServerEndsAStreamItsClientStoppedReading) {
  testing::InProcessServer server(
      {"--plugin-dir", "lib/plugins", "--shutdown-grace", "0.5", "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  ASSERT_NO_FATAL_FAILURE(FillNumbers(300000));  // more than the transport buffers
  grpc::ClientContext context;
  auto reader = stub->SelectStream(
      &context, FromJson<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers"}})"));
  v1::SelectStreamResponse message;
  ASSERT_TRUE(reader->Read(&message));  // the header
  ASSERT_TRUE(reader->Read(&message));  // the first rows; then the client reads nothing
  EXPECT_EQ(Metric(server, R"(sluice_held_connections{database="default"})"), 1u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(server.Stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  int rows = 0;
  while (reader->Read(&message)) rows += message.rows().rows_size();
  EXPECT_FALSE(reader->Finish().ok());
  EXPECT_LT(rows, 299000);
}

// Compiling (to_sql) needs no connection: with the only connection held by a transaction, it
// answers at once while a statement waits for its deadline.
TEST_P(ClientWaits, ToSqlNeverWaitsForAConnection) {
  testing::InProcessServer server({"--plugin-dir", "lib/plugins", "--pool-size", "1", "--database", "default=" + url_});
  ASSERT_TRUE(server.ok());
  auto stub = v1::QueryService::NewStub(server.channel());
  grpc::ClientContext holder_context;
  auto holder = stub->Transaction(&holder_context);
  v1::TransactionResponse answer;
  ASSERT_TRUE(holder->Write(FromJson<v1::TransactionRequest>(R"({"begin": {"target": {"schema": "bulk"}}})")));
  ASSERT_TRUE(holder->Read(&answer));
  const auto select = [&](bool to_sql, std::chrono::milliseconds deadline, v1::SelectResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline);
    v1::SelectRequest request =
        FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"}, "select": {"table": "numbers"}})");
    request.set_to_sql(to_sql);
    return stub->Select(&context, request, response);
  };
  v1::SelectResponse compiled, ran;
  const grpc::Status sql = select(true, std::chrono::seconds(2), &compiled);
  ASSERT_TRUE(sql.ok()) << sql.error_message();
  EXPECT_THAT(compiled.result().statement().sql(), HasSubstr("numbers"));
  EXPECT_EQ(select(false, std::chrono::milliseconds(500), &ran).error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  ASSERT_TRUE(holder->Write(FromJson<v1::TransactionRequest>(R"({"rollback": {}})")));
  ASSERT_TRUE(holder->Read(&answer));
  holder->WritesDone();
  EXPECT_TRUE(holder->Finish().ok());
  stub.reset();
  EXPECT_EQ(server.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Dialects, ClientWaits, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
