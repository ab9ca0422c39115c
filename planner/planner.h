// The planner: a typed request, validated against a registered schema, becomes a dialect-neutral
// plan plus its parameter values. Nothing here knows SQL; the dialect renders the plan.
#ifndef SLUICE_PLANNER_PLANNER_H_
#define SLUICE_PLANNER_PLANNER_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "schema/schema_index.h"
#include "sluice/plan/plan.h"
#include "sluice/v1/query.pb.h"
#include "sluice/v1/schema.pb.h"

namespace sluice {

// A column of the result rows. `column` carries the declared type (and scale) that the
// executor decodes the database's values into.
struct ResultColumn {
  std::string name;
  std::string table;
  v1::Column column;
};

struct ReturningFallback;

// A named placeholder of a prepared statement: the parameter it fills and the column type its
// values are checked against at execution.
struct Placeholder {
  uint32_t param = 0;
  v1::Column type;
  bool count = false;  // a LIMIT or OFFSET: not negative
};

struct PlannedStatement {
  plan::Plan plan;
  // Instead of `plan` (then empty): the plan the requests of one shape share (plan_cache.h).
  std::shared_ptr<const plan::Plan> shared_plan;
  // The statement's plan, its own or shared: what the executor reads.
  const plan::Plan& plan_ref() const { return shared_plan != nullptr ? *shared_plan : plan; }
  // Checked, canonical values; the plan refers to them by index.
  std::vector<v1::Value> params;
  // Empty for a statement that returns no rows.
  std::vector<ResultColumn> columns;
  // Instead of `columns` (then empty): the result columns the requests of one shape share.
  std::shared_ptr<const std::vector<ResultColumn>> shared_columns;
  // The statement's result columns, its own or shared: what the executor reads.
  const std::vector<ResultColumn>& columns_ref() const { return shared_columns != nullptr ? *shared_columns : columns; }
  // Moves the statement's own plan and columns into shared_plan and shared_columns, which its
  // copies then share (each copy owns only its parameters).
  void Share() {
    if (shared_plan == nullptr) shared_plan = std::make_shared<const plan::Plan>(std::move(plan));
    plan.Clear();
    if (shared_columns == nullptr)
      shared_columns = std::make_shared<const std::vector<ResultColumn>>(std::move(columns));
    columns.clear();
  }
  // Named placeholders (Expression.param), by name; their params are set at execution.
  std::map<std::string, Placeholder> placeholders;
  // Raw SQL: the result columns are the database's (their names, no declared types).
  bool describe_columns = false;
  // An insert into a table with an auto-increment column: the driver's generated key is reported
  // (last_insert_id); for any other statement it is not.
  bool generated_key = false;
  // For UPDATE ... RETURNING on a table with a primary key: the same through statements every
  // dialect has, for dialects without UPDATE ... RETURNING.
  std::shared_ptr<const ReturningFallback> returning_fallback;
};

// Inside one transaction: lock_keys reads the primary keys of the rows `update` will change
// (SELECT ... FOR UPDATE), `update` changes them, and `reread` (run once per key, with the key's
// values as its last parameters, in order, after the update's) reads the returned columns back.
struct ReturningFallback {
  PlannedStatement lock_keys;
  PlannedStatement update;
  PlannedStatement reread;
};

// Each returns INVALID_ARGUMENT with the field path under `path` (e.g. "select") for anything
// the schema does not allow, UNIMPLEMENTED for a feature not built yet.
// `allow_placeholders`: named placeholders (Expression.param) may stand for values
// (QueryService.Prepare); otherwise they are refused.
absl::StatusOr<PlannedStatement> PlanSelect(const SchemaIndex& schema, const v1::Select& select,
                                            const std::string& path, bool allow_placeholders = false);
absl::StatusOr<PlannedStatement> PlanInsert(const SchemaIndex& schema, const v1::Insert& insert,
                                            const std::string& path);
absl::StatusOr<PlannedStatement> PlanUpdate(const SchemaIndex& schema, const v1::Update& update,
                                            const std::string& path, bool allow_placeholders = false);
absl::StatusOr<PlannedStatement> PlanDelete(const SchemaIndex& schema, const v1::Delete& del, const std::string& path,
                                            bool allow_placeholders = false);

// One operation of a batch, transaction or prepared statement (path: e.g. "operations[2]").
absl::StatusOr<PlannedStatement> PlanOperation(const SchemaIndex& schema, const v1::Operation& operation,
                                               const std::string& path, bool allow_placeholders = false);

// A prepared statement with its placeholders set from `values` (name → value), each checked
// against its column type: INVALID_ARGUMENT naming `params["name"]` for a missing, unknown or
// ill-typed value.
absl::StatusOr<PlannedStatement> BindPlaceholders(const PlannedStatement& prepared,
                                                  const google::protobuf::Map<std::string, v1::Value>& values,
                                                  const SchemaIndex& schema);

// How the rows of a relational read become nested results: one field per item of its select,
// in order.
struct FindShape {
  struct Field {
    std::string name;
    enum Kind { kValue, kOne, kMany } kind = kValue;
    v1::Column type;                          // kValue: the value's declared type
    std::shared_ptr<const FindShape> nested;  // kOne, kMany: the related rows' shape
  };
  std::vector<Field> fields;
};

// A relational read (FindMany; FindFirst when `first`): one select whose columns are the root
// table's values and one JSON column per relation (`shape` says how to decode them).
struct PlannedFind {
  PlannedStatement statement;
  std::shared_ptr<const FindShape> shape;
};
// `path` prefixes the field paths of errors (`find.`).
absl::StatusOr<PlannedFind> PlanFind(const SchemaIndex& schema, const v1::Find& request, bool first,
                                     const std::string& path);

// CREATE TABLE for one table of a validated schema (with its keys, uniques, foreign keys and
// checks), and CREATE INDEX for each of its indexes.
plan::Plan PlanCreateTable(const SchemaIndex& schema, const v1::Table& table, bool if_not_exists);
std::vector<plan::Plan> PlanCreateIndexes(const SchemaIndex& schema, const v1::Table& table, bool if_not_exists);
// The namespaces (PostgreSQL schemas) that a schema's enums, tables and sequences name, but "".
std::set<std::string> NamespacesOf(const v1::Schema& schema);
// CREATE TYPE for an enum; CREATE SEQUENCE (start and increment default to 1).
plan::Plan PlanCreateEnum(const v1::Enum& e);
plan::Plan PlanCreateSequence(const v1::Sequence& q);
// CREATE ROLE (when missing); CREATE POLICY for a policy of `table` (PUBLIC when it names
// `public`); GRANT (or REVOKE) privileges on `table` to one role.
plan::Plan PlanCreateRole(const v1::Role& role);
plan::Plan PlanCreatePolicy(const SchemaIndex& schema, const v1::Table& table, const v1::Policy& policy);
plan::Plan PlanGrant(const v1::Table& table, const std::string& role, const std::vector<plan::Privilege>& privileges,
                     bool revoke);
// `table`'s grants as (role, privilege) pairs.
std::set<std::pair<std::string, plan::Privilege>> GrantsOf(const v1::Table& table);
// The schema's tables, each after the tables it references (cycles keep schema order).
std::vector<const v1::Table*> CreationOrder(const v1::Schema& schema);

// The DDL that creates every namespace, enum, table (referenced tables first) and index of a validated
// schema, one plan per statement.
std::vector<plan::Plan> PlanCreateSchema(const SchemaIndex& schema, bool if_not_exists);

}  // namespace sluice

#endif  // SLUICE_PLANNER_PLANNER_H_
