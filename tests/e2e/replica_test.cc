// Read replicas against a real PostgreSQL streaming replica (tools/test.sh starts it with
// `pg_basebackup -R` from the test server, on a port of its own): reads outside transactions go
// to the replica, writes, transactions and pinned calls to the primary, and a replica that cannot
// be reached is left out while reads keep working. The replica's WAL replay is paused to tell
// where a read went: a row written on the primary is then missing on the replica only. The
// ReplicaFaults tests stop the replica (through tools/test.sh's control pipe): they run alone, as
// their own target (replica_faults_test).
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sluice/v1/admin_service.grpc.pb.h"
#include "tests/e2e/sluice_test.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FromJson;
using ::testing::HasSubstr;

// `url` with `database` instead of its database.
std::string OnDatabase(const std::string& url, const std::string& database) {
  return url.substr(0, url.rfind('/') + 1) + database;
}

// The first value of `sql`'s first row on `url` ("" and a failure when it fails).
std::string Query(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  std::string value;
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot reach " << url << ": " << PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
    } else if (PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
  }
  PQfinish(conn);
  return value;
}

// Waits up to 30 s for `done`.
template <typename Done>
bool Eventually(Done done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

class ReplicaTest : public testing::SluiceTest {
 protected:
  ReplicaTest() : SluiceTest("postgres") {}

  void SetUp() override {
    const char* replica = std::getenv("SLUICE_TEST_POSTGRES_REPLICA_URL");
    ASSERT_TRUE(replica != nullptr && *replica != '\0')
        << "SLUICE_TEST_POSTGRES_REPLICA_URL is not set: run the tests through tools/test.sh";
    url_ = testing::FreshDatabaseUrl("postgres");
    ASSERT_FALSE(url_.empty());
    replica_url_ = OnDatabase(replica, url_.substr(url_.rfind('/') + 1));
    // The new database reaches the replica with the WAL.
    ASSERT_TRUE(Eventually([&] {
      PGconn* conn = PQconnectdb(replica_url_.c_str());
      const bool there = PQstatus(conn) == CONNECTION_OK;
      PQfinish(conn);
      return there;
    })) << replica_url_;
  }

  void TearDown() override {
    // Never leave the shared replica paused or stopped.
    if (paused_) Query(replica_url_, "SELECT pg_wal_replay_resume()::text");
    if (stopped_) {
      EXPECT_TRUE(testing::ControlTestServer("resume", "replica"));
    }
    SluiceTest::TearDown();
  }

  // sluiced on the fresh database with `replicas` (each a --replica), the numbers schema migrated.
  void Start(const std::vector<std::string>& replicas) {
    flags_.clear();
    for (const std::string& r : replicas) flags_.insert(flags_.end(), {"--replica", "default=" + r});
    StartServer();
    admin_ = v1::AdminService::NewStub(server_->channel());
    RegisterAndMigrate(testing::kNumbersSchema);
  }

  void Insert(int n) {
    v1::QueryResult result;
    ASSERT_TRUE(Call(&v1::QueryService::Stub::Insert, queries_.get(),
                     FromJson<v1::InsertRequest>(absl::StrCat(
                         R"({"target": {"schema": "bulk"}, "insert": {"table": "numbers", "rows": [{"values": {"n": )",
                         R"({"int_value": ")", n, R"("}, "label": {"string_value": "n)", n, R"("}}}]}})")),
                     &result)
                    .ok())
        << last_.error_message();
  }

  // The `n` of every row of `numbers` through Select, in order; `pin` sends `sluice-read: pin`.
  std::vector<int64_t> Numbers(const std::string& pin = "") {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!pin.empty()) context.AddMetadata("sluice-read", pin);
    v1::SelectResponse response;
    last_ = queries_->Select(&context, FromJson<v1::SelectRequest>(R"({"target": {"schema": "bulk"},
        "select": {"table": "numbers", "columns": [{"expression": {"column": {"name": "n"}}}],
                   "order_by": [{"expression": {"column": {"name": "n"}}}]}})"),
                             &response);
    std::vector<int64_t> numbers;
    for (const auto& row : response.result().rows()) numbers.push_back(row.values(0).int_value());
    return numbers;
  }

  // Pauses the replica's WAL replay: what the primary writes next is not on the replica.
  void PauseReplay() {
    paused_ = true;
    Query(replica_url_, "SELECT pg_wal_replay_pause()::text");
    ASSERT_TRUE(Eventually([&] { return Query(replica_url_, "SELECT pg_get_wal_replay_pause_state()") == "paused"; }));
  }
  void ResumeReplay() {
    Query(replica_url_, "SELECT pg_wal_replay_resume()::text");
    paused_ = false;
  }

  v1::Database Listed() {
    v1::ListDatabasesResponse listed;
    EXPECT_TRUE(Call(&v1::AdminService::Stub::ListDatabases, admin_.get(), v1::ListDatabasesRequest(), &listed).ok())
        << last_.error_message();
    return listed.databases_size() == 1 ? listed.databases(0) : v1::Database();
  }

  std::string replica_url_;
  bool paused_ = false, stopped_ = false;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(ReplicaTest, ReadsGoToTheReplicaWritesTransactionsAndPinnedCallsToThePrimary) {
  Start({replica_url_});
  Insert(1);
  // Written through sluiced on the primary, read back from the replica once replicated.
  ASSERT_TRUE(Eventually([&] { return Numbers() == std::vector<int64_t>{1}; })) << last_.error_message();

  PauseReplay();
  Insert(2);
  // The replica has not replayed the second insert: every read outside a transaction misses it.
  EXPECT_THAT(Numbers(), ElementsAre(1)) << last_.error_message();
  v1::FindResult found;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindMany, queries_.get(),
                   FromJson<v1::FindManyRequest>(
                       R"({"target": {"schema": "bulk"}, "find": {"table": "numbers", "columns": ["n"]}})"),
                   &found)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(found.json(), R"([{"n":1}])");
  ASSERT_TRUE(Call(&v1::QueryService::Stub::FindFirst, queries_.get(),
                   FromJson<v1::FindFirstRequest>(R"({"target": {"schema": "bulk"}, "find": {"table": "numbers",
                       "columns": ["n"], "order_by": [{"expression": {"column": {"name": "n"}}, "descending": true}]}})"),
                   &found)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(found.json(), R"([{"n":1}])");
  {
    grpc::ClientContext context;
    auto reader = queries_->SelectStream(&context, FromJson<v1::SelectStreamRequest>(R"({"target": {"schema": "bulk"},
        "select": {"table": "numbers"}})"));
    v1::SelectStreamResponse batch;
    int rows = 0;
    while (reader->Read(&batch)) rows += batch.rows().rows_size();
    ASSERT_TRUE(reader->Finish().ok());
    EXPECT_EQ(rows, 1);
  }
  // A prepared select is a read too.
  v1::PrepareResponse prepared;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Prepare, queries_.get(), FromJson<v1::PrepareRequest>(R"({
      "target": {"schema": "bulk"}, "operation": {"select": {"table": "numbers"}}})"),
                   &prepared)
                  .ok())
      << last_.error_message();
  v1::ExecutePreparedRequest execute;
  execute.set_id(prepared.id());
  v1::QueryResult executed;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::ExecutePrepared, queries_.get(), execute, &executed).ok())
      << last_.error_message();
  EXPECT_EQ(executed.rows_size(), 1);

  // Read-your-writes: pinned to the primary, in a Batch or a Transaction, and an update's RETURNING.
  EXPECT_THAT(Numbers("primary"), ElementsAre(1, 2)) << last_.error_message();
  EXPECT_THAT(Numbers("replica"), ElementsAre(1)) << last_.error_message();
  v1::BatchResponse batch;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Batch, queries_.get(), FromJson<v1::BatchRequest>(R"({
      "target": {"schema": "bulk"}, "operations": [{"select": {"table": "numbers"}}]})"),
                   &batch)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(batch.results(0).rows_size(), 2);
  {
    grpc::ClientContext context;
    EXPECT_EQ(RowsInTransaction(&context, "bulk", "numbers"), 2) << last_.error_message();
  }
  v1::QueryResult updated;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Update, queries_.get(), FromJson<v1::UpdateRequest>(R"({
      "target": {"schema": "bulk"}, "update": {"table": "numbers", "set": {"label": {"string_value": "two"}},
      "where": {"eq": {"left": {"column": {"name": "n"}}, "right": {"value": {"int_value": "2"}}}},
      "returning": ["n"]}})"),
                   &updated)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(updated.rows_size(), 1);

  // A mistyped pin is refused, not taken as a read from a replica.
  EXPECT_TRUE(Numbers("primery").empty());
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("sluice-read"));
  EXPECT_THAT(last_.error_message(), HasSubstr("`primary` or `replica`"));

  ResumeReplay();
  EXPECT_TRUE(Eventually([&] { return Numbers() == std::vector<int64_t>{1, 2}; })) << last_.error_message();
  const v1::Database listed = Listed();
  ASSERT_EQ(listed.replicas_size(), 1);
  EXPECT_EQ(listed.replicas(0).url(), replica_url_);
  EXPECT_TRUE(listed.replicas(0).up());
  EXPECT_GE(listed.replicas(0).reads(), 6u);
  // EXPLAIN of a read is the replica's plan: one more read there.
  v1::QueryResult explained;
  ASSERT_TRUE(Call(&v1::QueryService::Stub::Select, queries_.get(),
                   FromJson<v1::SelectRequest>(
                       R"({"target": {"schema": "bulk"}, "explain": true, "select": {"table": "numbers"}})"),
                   &explained)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(explained.plan(), HasSubstr("Seq Scan"));
  EXPECT_EQ(Listed().replicas(0).reads(), listed.replicas(0).reads() + 1);
  EXPECT_THAT(server_->metrics(),
              HasSubstr(absl::StrCat("sluice_replica_up{database=\"default\",replica=\"", replica_url_, "\"} 1")));
}

// Reads take the replicas in turn: with the replica twice, each gets half (also when a read
// cannot take the non-blocking path, as the first on each replica, which prepares its statement).
TEST_F(ReplicaTest, ReadsTakeTheReplicasInTurn) {
  Start({replica_url_ + "?application_name=first", replica_url_ + "?application_name=second"});
  Insert(1);
  ASSERT_TRUE(Eventually([&] { return Numbers() == std::vector<int64_t>{1}; })) << last_.error_message();
  const v1::Database before = Listed();
  for (int i = 0; i < 20; ++i) ASSERT_THAT(Numbers(), ElementsAre(1)) << last_.error_message();
  const v1::Database after = Listed();
  ASSERT_EQ(after.replicas_size(), 2);
  EXPECT_EQ(after.replicas(0).reads() - before.replicas(0).reads(), 10u);
  EXPECT_EQ(after.replicas(1).reads() - before.replicas(1).reads(), 10u);
}

// A replica that cannot be reached (here: nothing listens on its port) is left out: reads go to
// the others, and to the primary when none answers, with the right rows at once.
TEST_F(ReplicaTest, AReplicaThatCannotBeReachedIsLeftOutAndReadsFallBackToThePrimary) {
  const std::string dead = OnDatabase("postgres://postgres@127.0.0.1:1/", "nowhere");
  Start({dead});
  Insert(1);
  EXPECT_THAT(Numbers(), ElementsAre(1)) << last_.error_message();  // the primary's rows, at once
  Insert(2);
  EXPECT_THAT(Numbers(), ElementsAre(1, 2)) << last_.error_message();
  v1::Database listed = Listed();
  ASSERT_EQ(listed.replicas_size(), 1);
  EXPECT_FALSE(listed.replicas(0).up());
  EXPECT_EQ(listed.replicas(0).reads(), 0u);
  StopServer();

  // Beside a live replica (both in one --replica, split at the comma before the second URL):
  // every read is served, by the live one.
  Start({dead + "," + replica_url_});
  Insert(3);
  ASSERT_TRUE(Eventually([&] { return Numbers() == std::vector<int64_t>{1, 2, 3}; })) << last_.error_message();
  for (int i = 0; i < 10; ++i) ASSERT_THAT(Numbers(), ElementsAre(1, 2, 3)) << last_.error_message();
  listed = Listed();
  ASSERT_EQ(listed.replicas_size(), 2);
  EXPECT_FALSE(listed.replicas(0).up());
  EXPECT_TRUE(listed.replicas(1).up());
  EXPECT_GE(listed.replicas(1).reads(), 10u);
}

using ReplicaFaults = ReplicaTest;

// The replica server stops: reads keep being served (by the primary), and go back to the replica
// once it is up again and its backoff has passed.
TEST_F(ReplicaFaults, StoppingTheReplicaKeepsReadsWorking) {
  Start({replica_url_});
  Insert(1);
  ASSERT_TRUE(Eventually([&] { return Numbers() == std::vector<int64_t>{1}; })) << last_.error_message();
  ASSERT_TRUE(testing::ControlTestServer("stop", "replica"));
  stopped_ = true;
  for (int i = 0; i < 20; ++i) ASSERT_THAT(Numbers(), ElementsAre(1)) << i << ": " << last_.error_message();
  EXPECT_FALSE(Listed().replicas(0).up());
  Insert(2);  // read back at once: the primary serves the reads
  EXPECT_THAT(Numbers(), ElementsAre(1, 2)) << last_.error_message();
  const uint64_t reads = Listed().replicas(0).reads();

  ASSERT_TRUE(testing::ControlTestServer("resume", "replica"));
  stopped_ = false;
  EXPECT_TRUE(Eventually([&] {
    EXPECT_THAT(Numbers(), ElementsAre(1, 2)) << last_.error_message();
    const v1::Database listed = Listed();
    return listed.replicas(0).up() && listed.replicas(0).reads() > reads;
  }));
}

}  // namespace
}  // namespace sluice
