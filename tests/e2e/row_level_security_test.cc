// Row-level security end to end: roles, policies and grants in the schema, created by Migrate,
// pulled back and pushed again without changes; calls whose token maps to a role run as it with
// their claims, so that two tokens see different rows of one table, a write outside the policy is
// refused and changes nothing. PostgreSQL; the other dialects answer UNIMPLEMENTED.
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/sluice_test.h"

namespace sluice {
namespace {

using ::testing::ElementsAre;
using testing::FromJson;
using ::testing::HasSubstr;

constexpr char kAdmin[] = "admin-token", kAlice[] = "alice-token", kBob[] = "bob-token", kAudit[] = "audit-token";

// Notes, each with its owner: writers see and write their own (owner = the call's `sub` claim),
// auditors (unless left out) read every note and write none.
std::string NotesSchema(bool auditors = true) {
  return absl::StrCat(R"({"name": "notes", "roles": [{"name": "rls_writer"}, {"name": "rls_auditor"}],
  "tables": [{"name": "notes", "columns": [
      {"name": "id", "type": "BIGINT", "primary_key": true, "not_null": true},
      {"name": "owner", "type": "TEXT", "not_null": true},
      {"name": "body", "type": "TEXT"}],
    "policies": [
      {"name": "own_notes", "to": ["rls_writer"],
       "using": {"eq": {"left": {"column": {"name": "owner"}}, "right": {"claim": "sub"}}},
       "with_check": {"eq": {"left": {"column": {"name": "owner"}}, "right": {"claim": "sub"}}}})",
                      auditors ? R"(,
      {"name": "audit_all", "command": "SELECT", "to": ["rls_auditor"],
       "using": {"is_not_null": {"column": {"name": "id"}}}})"
                               : "",
                      R"(],
    "grants": [{"privileges": ["SELECT", "INSERT", "UPDATE", "DELETE"], "to": ["rls_writer"]})",
                      auditors ? R"(, {"privileges": ["SELECT"], "to": ["rls_auditor"]})" : "", "]}]}");
}

// The same table with none of it (the dialects without roles).
constexpr char kPlainNotes[] = R"({"name": "notes", "tables": [{"name": "notes", "columns": [
    {"name": "id", "type": "BIGINT", "primary_key": true, "not_null": true},
    {"name": "owner", "type": "TEXT", "not_null": true}, {"name": "body", "type": "TEXT"}]}]})";

// sluiced on a fresh database of `dialect` with an admin token, two writers' tokens and an
// auditor's.
class RlsTest : public testing::SluiceTest {
 protected:
  explicit RlsTest(const std::string& dialect)
      : SluiceTest(dialect, {"--tokens", absl::StrCat("admin:", kAdmin, ",data@rls_writer:", kAlice,
                                                      ",data@rls_writer:", kBob, ",data@rls_auditor:", kAudit)}) {}

  // A call's context with `token` and, unless empty, `claims`.
  static void Authorize(grpc::ClientContext* context, const std::string& token, const std::string& claims = "") {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    if (!claims.empty()) context->AddMetadata("sluice-claims", claims);
  }

  template <typename Request, typename Response>
  grpc::Status As(grpc::Status (v1::QueryService::Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const std::string& token, const std::string& claims, const std::string& request, Response* response) {
    grpc::ClientContext context;
    Authorize(&context, token, claims);
    return last_ = (queries_.get()->*method)(&context, FromJson<Request>(request), response);
  }

  template <typename Stub, typename Request, typename Response>
  grpc::Status Admin(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), Stub* stub,
                     const Request& request, Response* response) {
    grpc::ClientContext context;
    Authorize(&context, kAdmin);
    return last_ = (stub->*method)(&context, request, response);
  }

  // The ids of the notes `token` (with `sub` as its claim, unless empty) sees, in order.
  std::vector<int64_t> Ids(const std::string& token, const std::string& sub) {
    v1::SelectResponse response;
    As(&v1::QueryService::Stub::Select, token, sub.empty() ? "" : absl::StrCat(R"({"sub": ")", sub, R"("})"),
       R"({"target": {"schema": "notes"}, "select": {"table": "notes",
           "order_by": [{"expression": {"column": {"name": "id"}}}]}})",
       &response);
    std::vector<int64_t> ids;
    for (const v1::Row& row : response.result().rows()) ids.push_back(row.values(0).int_value());
    return ids;
  }

  // Inserts a note as `token` with `sub`.
  grpc::Status Insert(const std::string& token, const std::string& sub, int id, const std::string& owner) {
    v1::InsertResponse response;
    return As(&v1::QueryService::Stub::Insert, token, absl::StrCat(R"({"sub": ")", sub, R"("})"),
              absl::StrCat(R"({"target": {"schema": "notes"}, "insert": {"table": "notes", "rows": [{"values": {
                  "id": {"int_value": ")",
                           id, R"("}, "owner": {"string_value": ")", owner, R"("}}}]}})"),
              &response);
  }

  // Registers and migrates `schema` as the admin.
  grpc::Status Migrate(const std::string& schema) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(schema);
    v1::RegisterSchemaResponse registered;
    if (!Admin(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok()) return last_;
    v1::MigrateResponse migrated;
    return Admin(&v1::MigrationService::Stub::Migrate, migrations_.get(),
                 FromJson<v1::MigrateRequest>(R"({"target": {"schema": "notes"}})"), &migrated);
  }
};

class RowLevelSecurity : public RlsTest, public ::testing::WithParamInterface<std::string> {
 protected:
  RowLevelSecurity() : RlsTest(GetParam()) {}
};

// Roles and policies are PostgreSQL's.
class PostgresPolicies : public RlsTest {
 protected:
  PostgresPolicies() : RlsTest("postgres") {}
};

TEST_P(RowLevelSecurity, TokensSeeTheRowsTheirRoleAndClaimsAllow) {
  if (GetParam() != "postgres") {
    ASSERT_EQ(Migrate(NotesSchema()).error_code(), grpc::StatusCode::UNIMPLEMENTED);
    EXPECT_THAT(last_.error_message(), HasSubstr(absl::StrCat("dialect ", GetParam() == "mysql" ? "mysql" : "sqlite",
                                                              " does not support roles and row-level security")));
    // A token with a role is never served as the database's own user.
    ASSERT_TRUE(Migrate(kPlainNotes).ok()) << last_.error_message();
    EXPECT_TRUE(Ids(kAlice, "alice").empty());
    EXPECT_EQ(last_.error_code(), grpc::StatusCode::UNIMPLEMENTED) << last_.error_message();
    return;
  }
  ASSERT_TRUE(Migrate(NotesSchema()).ok()) << last_.error_message();
  // The admin token has no role: sluiced's own user, the tables' owner, whom policies let by.
  v1::InsertResponse inserted;
  ASSERT_TRUE(Admin(&v1::QueryService::Stub::Insert, queries_.get(), FromJson<v1::InsertRequest>(R"({
      "target": {"schema": "notes"}, "insert": {"table": "notes", "rows": [
        {"values": {"id": {"int_value": "1"}, "owner": {"string_value": "alice"}, "body": {"string_value": "a1"}}},
        {"values": {"id": {"int_value": "2"}, "owner": {"string_value": "alice"}, "body": {"string_value": "a2"}}},
        {"values": {"id": {"int_value": "3"}, "owner": {"string_value": "bob"}, "body": {"string_value": "b1"}}}]}})"),
                    &inserted)
                  .ok())
      << last_.error_message();

  EXPECT_THAT(Ids(kAlice, "alice"), ElementsAre(1, 2)) << last_.error_message();
  EXPECT_THAT(Ids(kBob, "bob"), ElementsAre(3)) << last_.error_message();
  EXPECT_THAT(Ids(kAudit, ""), ElementsAre(1, 2, 3)) << last_.error_message();
  EXPECT_THAT(Ids(kAdmin, ""), ElementsAre(1, 2, 3)) << last_.error_message();
  EXPECT_TRUE(Ids(kAlice, "").empty()) << last_.error_message();  // no claims: no owner matches
  v1::FindManyResponse found;
  ASSERT_TRUE(As(&v1::QueryService::Stub::FindMany, kBob, R"({"sub": "bob"})",
                 R"({"target": {"schema": "notes"}, "find": {"table": "notes", "columns": ["id", "body"]}})", &found)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(found.result().json(), R"([{"id":3,"body":"b1"}])");

  // Writes outside the policy: refused, or they reach no row; nothing changes.
  EXPECT_EQ(Insert(kAlice, "alice", 4, "bob").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(last_.error_message(), HasSubstr("row-level security"));
  EXPECT_EQ(Insert(kAudit, "alice", 4, "alice").error_code(), grpc::StatusCode::PERMISSION_DENIED);
  v1::DeleteResponse deleted;
  ASSERT_TRUE(As(&v1::QueryService::Stub::Delete, kAlice, R"({"sub": "alice"})",
                 R"({"target": {"schema": "notes"}, "delete": {"table": "notes",
                     "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "3"}}}}}})",
                 &deleted)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(deleted.result().rows_affected(), 0);
  v1::UpdateResponse updated;
  ASSERT_TRUE(As(&v1::QueryService::Stub::Update, kAlice, R"({"sub": "alice"})",
                 R"({"target": {"schema": "notes"}, "update": {"table": "notes",
                     "set": {"body": {"string_value": "edited"}}, "all_rows": true, "returning": ["id"]}})",
                 &updated)
                  .ok())
      << last_.error_message();
  EXPECT_EQ(updated.result().rows_size(), 2);  // hers only
  EXPECT_THAT(Ids(kAdmin, ""), ElementsAre(1, 2, 3));
  v1::SelectResponse bobs;
  ASSERT_TRUE(As(&v1::QueryService::Stub::Select, kBob, R"({"sub": "bob"})",
                 R"({"target": {"schema": "notes"}, "select": {"table": "notes",
                     "columns": [{"expression": {"column": {"name": "body"}}}]}})",
                 &bobs)
                  .ok());
  ASSERT_EQ(bobs.result().rows_size(), 1);
  EXPECT_EQ(bobs.result().rows(0).values(0).string_value(), "b1");
  ASSERT_TRUE(Insert(kAlice, "alice", 4, "alice").ok()) << last_.error_message();
  EXPECT_THAT(Ids(kAlice, "alice"), ElementsAre(1, 2, 4));

  // The same in a transaction: the role and claims hold for every statement until it ends.
  {
    grpc::ClientContext context;
    Authorize(&context, kBob, R"({"sub": "bob"})");
    EXPECT_EQ(RowsInTransaction(&context, "notes", "notes"), 1) << last_.error_message();
  }

  // Mistakes: claims that are not a JSON object, claims beside a token without a role.
  EXPECT_TRUE(Ids(kAlice, "alice\"").empty());
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(testing::FieldPaths(last_), ElementsAre("sluice-claims"));
  v1::SelectResponse response;
  As(&v1::QueryService::Stub::Select, kAdmin, R"({"sub": "alice"})",
     R"({"target": {"schema": "notes"}, "select": {"table": "notes"}})", &response);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(last_.error_message(), HasSubstr("goes with a token that maps to a role"));
}

TEST_F(PostgresPolicies, GenerateWritesThemPullReadsThemBackPushChangesOnlyWhatChanged) {
  v1::RegisterSchemaRequest request;
  *request.mutable_schema() = FromJson<v1::Schema>(NotesSchema());
  v1::RegisterSchemaResponse registered;
  ASSERT_TRUE(Admin(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message();
  v1::GenerateResponse generated;
  ASSERT_TRUE(Admin(&v1::MigrationService::Stub::Generate, migrations_.get(),
                    FromJson<v1::GenerateRequest>(R"({"target": {"schema": "notes"}})"), &generated)
                  .ok())
      << last_.error_message();
  const auto& statements = generated.migration().statements();
  ASSERT_EQ(statements.size(), 8);
  EXPECT_EQ(statements[0],
            R"(DO $$BEGIN BEGIN CREATE ROLE "rls_writer" NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation )"
            R"(THEN NULL; END; GRANT "rls_writer" TO CURRENT_USER; END $$)");
  EXPECT_THAT(statements[2], HasSubstr(R"(CREATE TABLE "notes")"));
  EXPECT_EQ(statements[3], R"(ALTER TABLE "notes" ENABLE ROW LEVEL SECURITY)");
  EXPECT_EQ(statements[4], R"(GRANT SELECT ON "notes" TO "rls_auditor")");
  EXPECT_EQ(statements[5], R"(GRANT SELECT, INSERT, UPDATE, DELETE ON "notes" TO "rls_writer")");
  EXPECT_EQ(statements[6],
            R"(CREATE POLICY "own_notes" ON "notes" AS PERMISSIVE FOR ALL TO "rls_writer" USING (("owner" = )"
            R"((nullif(current_setting('request.claims', true), '')::json ->> 'sub'))) WITH CHECK (("owner" = )"
            R"((nullif(current_setting('request.claims', true), '')::json ->> 'sub'))))");
  EXPECT_EQ(
      statements[7],
      R"(CREATE POLICY "audit_all" ON "notes" AS PERMISSIVE FOR SELECT TO "rls_auditor" USING (("id" IS NOT NULL)))");
  ASSERT_TRUE(Migrate(NotesSchema()).ok()) << last_.error_message();
  v1::PullResponse pulled;
  ASSERT_TRUE(Admin(&v1::MigrationService::Stub::Pull, migrations_.get(), v1::PullRequest(), &pulled).ok())
      << last_.error_message();
  ASSERT_EQ(pulled.schema().tables_size(), 1);
  const v1::Table& notes = pulled.schema().tables(0);
  EXPECT_TRUE(notes.row_level_security());
  ASSERT_EQ(notes.policies_size(), 2);
  EXPECT_EQ(notes.policies(0).name(), "audit_all");
  EXPECT_EQ(notes.policies(0).command(), v1::Policy::SELECT);
  EXPECT_THAT(notes.policies(0).to(), ElementsAre("rls_auditor"));
  EXPECT_EQ(notes.policies(0).using_sql(), "(id IS NOT NULL)");
  EXPECT_EQ(notes.policies(1).name(), "own_notes");
  EXPECT_THAT(notes.policies(1).using_sql(), HasSubstr("current_setting('request.claims'::text, true)"));
  ASSERT_EQ(notes.grants_size(), 2);
  EXPECT_THAT(notes.grants(0).to(), ElementsAre("rls_auditor"));
  EXPECT_THAT(notes.grants(0).privileges(), ElementsAre(v1::Grant::SELECT));
  EXPECT_THAT(notes.grants(1).to(), ElementsAre("rls_writer"));
  EXPECT_EQ(notes.grants(1).privileges_size(), 4);
  ASSERT_EQ(pulled.schema().roles_size(), 2);
  EXPECT_EQ(pulled.schema().roles(0).name(), "rls_auditor");

  // Pushed again as registered: nothing to do.
  v1::PushResponse pushed;
  ASSERT_TRUE(Admin(&v1::MigrationService::Stub::Push, migrations_.get(),
                    FromJson<v1::PushRequest>(R"({"target": {"schema": "notes"}, "dry_run": true})"), &pushed)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(pushed.statements(), ::testing::IsEmpty());

  // The auditors' policy and grant go: push drops and revokes exactly those.
  *request.mutable_schema() = FromJson<v1::Schema>(NotesSchema(/*auditors=*/false));
  ASSERT_TRUE(Admin(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).ok())
      << last_.error_message();
  ASSERT_TRUE(Admin(&v1::MigrationService::Stub::Push, migrations_.get(),
                    FromJson<v1::PushRequest>(R"({"target": {"schema": "notes"}})"), &pushed)
                  .ok())
      << last_.error_message();
  EXPECT_THAT(pushed.statements(),
              ElementsAre(R"(DROP POLICY "audit_all" ON "notes")", R"(REVOKE SELECT ON "notes" FROM "rls_auditor")"));
  EXPECT_EQ(Ids(kAudit, "").size(), 0u);
  EXPECT_EQ(last_.error_code(), grpc::StatusCode::PERMISSION_DENIED) << last_.error_message();
}

TEST_P(RowLevelSecurity, PoliciesNameDeclaredRolesAndFitTheirCommand) {
  const auto refused = [&](const std::string& schema) {
    v1::RegisterSchemaRequest request;
    *request.mutable_schema() = FromJson<v1::Schema>(schema);
    v1::RegisterSchemaResponse registered;
    EXPECT_EQ(Admin(&v1::SchemaService::Stub::RegisterSchema, schemas_.get(), request, &registered).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
    return testing::FieldPaths(last_);
  };
  EXPECT_THAT(refused(R"({"name": "bad", "roles": [{"name": "pg_x"}, {"name": "a b"}, {"name": "public"}],
      "tables": [{"name": "t", "columns": [{"name": "id", "type": "BIGINT"}]}]})"),
              ElementsAre("schema.roles[0].name", "schema.roles[1].name", "schema.roles[2].name"));
  EXPECT_THAT(refused(R"({"name": "bad", "roles": [{"name": "r"}],
    "tables": [{"name": "t", "columns": [{"name": "id", "type": "BIGINT", "primary_key": true, "not_null": true}],
      "policies": [
        {"name": "p1", "command": "INSERT", "to": ["nobody"], "using": {"is_not_null": {"column": {"name": "id"}}}},
        {"name": "p2", "command": "SELECT", "with_check": {"is_not_null": {"column": {"name": "nope"}}}},
        {"name": "p3", "using": {"is_null": {"claim": "a b"}}},
        {"name": "p3", "to": ["r"]}],
      "grants": [{"to": ["nobody"]}]}]})"),
              ElementsAre("schema.tables[0].policies[0].to[0]", "schema.tables[0].policies[0].using",
                          "schema.tables[0].policies[1].with_check", "schema.tables[0].policies[2].using.is_null.claim",
                          "schema.tables[0].policies[3].name", "schema.tables[0].policies[3].using",
                          "schema.tables[0].grants[0].privileges", "schema.tables[0].grants[0].to[0]"));
}

INSTANTIATE_TEST_SUITE_P(Dialects, RowLevelSecurity, ::testing::ValuesIn(testing::DialectsUnderTest()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
