// Conditions and expressions of a request → plan expressions, checked against one table.
#ifndef SLUICE_PLANNER_EXPRESSION_PLANNER_H_
#define SLUICE_PLANNER_EXPRESSION_PLANNER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "planner/planner.h"
#include "schema/schema_index.h"
#include "sluice/plan/plan.h"
#include "sluice/v1/expression.pb.h"

namespace sluice {

// A planned expression and the column type it has (absent for an untyped value).
struct TypedExpr {
  plan::Expr expr;
  bool typed = false;
  v1::Column type;    // name, type, precision, scale...
  std::string table;  // for a column: the name (or alias) of its table in the statement
};

// A table a statement reads, by the name it has there (its alias, or its own name).
struct ScopeTable {
  std::string name;
  const TableInfo* table;
};

// nextval of the schema's sequence `name` (validated to exist).
plan::Expr NextValue(const SchemaIndex& schema, const std::string& name);

class ExpressionPlanner {
 public:
  // `params` collects values as bound parameters; null means DDL, where values become literals.
  // `placeholders` collects named placeholders (prepared statements); null refuses them.
  ExpressionPlanner(const SchemaIndex& schema, const TableInfo& table, std::vector<v1::Value>* params,
                    std::map<std::string, Placeholder>* placeholders = nullptr)
      : schema_(schema), scope_{{table.table->name(), &table}}, params_(params), placeholders_(placeholders) {}

  // Several tables (joins): columns resolve against all of them and are written qualified.
  void SetScope(std::vector<ScopeTable> scope) {
    scope_ = std::move(scope);
    qualify_ = true;
  }
  // For a nested select: `outer` plans the statement around it (columns this one lacks resolve
  // there, written qualified: correlated subqueries); `common_tables` are the WITH tables it
  // may read.
  void SetEnclosing(const ExpressionPlanner* outer, std::vector<const TableInfo*> common_tables) {
    outer_ = outer;
    common_tables_ = std::move(common_tables);
  }
  // An upsert's conflict clause: Expression.excluded names the proposed row of `table`.
  void AllowExcluded(const TableInfo* table) { excluded_ = table; }
  // A relational read: Condition.related reaches through the relations of the first table in
  // scope; `taken` are the names the statement gives its tables already.
  void AllowRelated(std::vector<std::string> taken) {
    related_ = true;
    taken_ = std::move(taken);
  }

  // `allow_aggregates` for HAVING.
  absl::StatusOr<plan::Expr> Condition(const v1::Condition& condition, const std::string& path,
                                       bool allow_aggregates = false);
  // A column or an aggregate (select items, order by, group by).
  absl::StatusOr<TypedExpr> Typed(const v1::Expression& expression, const std::string& path, bool allow_aggregates);
  // The same, or a value typed by its kind (select and returning items: `SELECT 1`).
  absl::StatusOr<TypedExpr> Item(const v1::Expression& expression, const std::string& path, bool allow_aggregates) {
    return Operand(expression, nullptr, path, allow_aggregates);
  }
  // A checked value as a parameter (or a literal in DDL).
  plan::Expr Bind(const v1::Value& checked);
  // The LIMIT or OFFSET count in `owner`'s int32 `field` as a parameter's index; INVALID_ARGUMENT
  // at `path` when negative.
  absl::StatusOr<uint32_t> BindCount(const google::protobuf::Message& owner, const char* field,
                                     const std::string& path);
  // A named placeholder for a LIMIT or OFFSET count (BIGINT, not negative): its parameter.
  absl::StatusOr<uint32_t> CountPlaceholder(const std::string& name, const std::string& path);
  // `value` checked against `column`, bound.
  absl::StatusOr<plan::Expr> BindValue(const v1::Value& value, const v1::Column& column, const std::string& path);
  // A value or a named placeholder for a place typed `type`.
  absl::StatusOr<plan::Expr> ValueOrPlaceholder(const v1::Expression& expression, const v1::Column& type,
                                                const std::string& path);

  static plan::Expr Call(plan::Op op, std::vector<plan::Expr> args);
  const SchemaIndex& schema() const { return schema_; }
  // From now on, records each column it resolves as {its table's name in the statement, column}
  // in `references()` (off by default: planning a request needs none of it).
  void RecordReferences() { record_ = true; }
  const std::vector<std::pair<std::string, std::string>>& references() const { return references_; }

 private:
  // Expressions and conditions nest at most this deep, subqueries' included: deeper plans would
  // pass the protobuf parsers' recursion limit on the way to the dialect.
  static constexpr int kMaxDepth = 32;
  // Counts one level of nesting while it lives; `status` is the refusal when too deep.
  struct Level {
    Level(const ExpressionPlanner* planner, const std::string& path);
    ~Level() { --planner->depth_; }
    const ExpressionPlanner* planner;
    absl::Status status;
  };
  int Depth() const { return depth_ + (outer_ != nullptr ? outer_->Depth() : 0); }

  absl::StatusOr<plan::Expr> Comparison(plan::Op op, const v1::Comparison& comparison, const std::string& path,
                                        bool allow_aggregates);
  // A named placeholder whose values are checked against `type` (one parameter per name).
  absl::StatusOr<plan::Expr> NamedPlaceholder(const std::string& name, const v1::Column& type, const std::string& path);

  // A column of this statement's tables or, failing that, of an enclosing statement's.
  // `qualify`: write it with its table's name.
  absl::StatusOr<TypedExpr> Column(const v1::ColumnRef& ref, const std::string& path, bool qualify) const;
  // A nested select (sharing this statement's parameters) as a subquery expression.
  absl::StatusOr<plan::Expr> Subquery(const v1::Select& select, const std::string& path,
                                      std::vector<ResultColumn>* columns);
  // `left <op> right` (Expression.arithmetic) and function calls (Expression.function).
  absl::StatusOr<TypedExpr> Arithmetic(const v1::Arithmetic& arithmetic, const std::string& path,
                                       bool allow_aggregates);
  absl::StatusOr<TypedExpr> Function(const v1::FunctionCall& call, const std::string& path, bool allow_aggregates);
  // An operand that may be a value or a placeholder: typed by `type` when given (the other
  // operand's type), else by the value's own kind.
  absl::StatusOr<TypedExpr> Operand(const v1::Expression& expression, const v1::Column* type, const std::string& path,
                                    bool allow_aggregates);
  // A subquery of exactly one result column.
  absl::StatusOr<TypedExpr> OneColumnSubquery(const v1::Select& select, const std::string& path);
  // Expression.excluded: a column of the row an upsert proposed.
  absl::StatusOr<TypedExpr> Excluded(const std::string& name, const std::string& path) const;
  // Condition.related: EXISTS (the related rows that match), correlated on the relation.
  absl::StatusOr<plan::Expr> Related(const v1::RelatedRows& related, const std::string& path);
  // Plans the left side of a predicate: a column or an aggregate, never a bare value.
  absl::StatusOr<TypedExpr> Subject(const v1::Expression& expression, const std::string& path, bool allow_aggregates);

  const SchemaIndex& schema_;
  std::vector<ScopeTable> scope_;
  bool qualify_ = false;
  const ExpressionPlanner* outer_ = nullptr;
  std::vector<const TableInfo*> common_tables_;
  std::vector<v1::Value>* params_;
  std::map<std::string, Placeholder>* placeholders_;
  const TableInfo* excluded_ = nullptr;
  bool related_ = false;
  std::vector<std::string> taken_;
  bool record_ = false;
  mutable std::vector<std::pair<std::string, std::string>> references_;
  mutable int depth_ = 0;
};

}  // namespace sluice

#endif  // SLUICE_PLANNER_EXPRESSION_PLANNER_H_
