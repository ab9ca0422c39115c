// Renders a sluice.plan.v1.Plan as one SQL statement for a SqlDialect. Shared by the in-tree
// dialect plugins, so that they differ only where their SQL differs.
#ifndef SLUICE_DIALECTS_SDK_SQL_RENDERER_H_
#define SLUICE_DIALECTS_SDK_SQL_RENDERER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dialects/sdk/sql_dialect.h"

namespace sluice::sdk {

struct RenderedSql {
  std::string sql;
  // Slot k of the SQL binds plan parameter param_index[k].
  std::vector<uint32_t> param_index;
};

// Renders `plan`. INVALID_ARGUMENT for a malformed plan, UNIMPLEMENTED (naming the dialect and
// the feature) for what the dialect cannot express.
absl::StatusOr<RenderedSql> RenderPlan(const SqlDialect& dialect, const plan::Plan& plan);

// `"a""b"`-style quoting with the dialect's quote character.
std::string QuoteIdentifier(const SqlDialect& dialect, absl::string_view name);

class SqlRenderer {
 public:
  explicit SqlRenderer(const SqlDialect& dialect) : dialect_(dialect) {}

  absl::Status Render(const plan::Plan& plan);
  RenderedSql Take() { return {std::move(out_), std::move(params_)}; }

  // Building blocks, public for dialects that render some statements themselves.
  void Append(absl::string_view text) { out_.append(text.data(), text.size()); }
  void Identifier(absl::string_view name);
  void Table(const plan::TableRef& table, bool with_alias);
  void IdentifierList(const google::protobuf::RepeatedPtrField<std::string>& names);
  absl::Status Expr(const plan::Expr& expr);
  absl::Status RowLevelSecurity(const plan::Plan& plan);
  absl::Status View(const plan::Plan& plan);
  absl::Status Literal(const plan::Literal& literal);
  void Param(uint32_t index);

 private:
  absl::Status Select(const plan::Select& select);
  // Parts of a select: ` FROM ...` through HAVING; ` ORDER BY ...`; ` LIMIT ... OFFSET ...`.
  absl::Status FromClause(const plan::Select& select);
  // ` <TYPE> JOIN [LATERAL] <source> ON ...` for joins[first...], and one source (a table with its
  // alias, or a derived table).
  absl::Status Joins(const google::protobuf::RepeatedPtrField<plan::Join>& joins, int first);
  absl::Status JoinSource(const plan::Join& join);
  absl::Status OrderBy(const plan::Select& select);
  void LimitOffset(const plan::Select& select);
  // Related rows as JSON (plan::Nested), and one row of them: a JSON array of its items.
  absl::Status Nested(const plan::Nested& nested);
  absl::Status JsonRow(const plan::Select& select);
  // `format` with every `{}` replaced by `expr`.
  absl::Status Wrapped(absl::string_view format, const plan::Expr& expr);
  absl::Status Insert(const plan::Insert& insert);
  absl::Status Update(const plan::Update& update);
  absl::Status Delete(const plan::Delete& del);
  // `qualifier` (when not empty) names the table of the plain columns.
  absl::Status Returning(plan::Plan::KindCase statement, const google::protobuf::RepeatedPtrField<std::string>& columns,
                         const google::protobuf::RepeatedPtrField<plan::SelectItem>& items,
                         absl::string_view qualifier = "");
  // One `ON CONFLICT (...) [WHERE ...] DO ...` clause.
  absl::Status ConflictClause(const plan::Conflict& conflict);
  void Assignments(const google::protobuf::RepeatedPtrField<plan::Assignment>& set, absl::string_view qualifier,
                   absl::Status* status);
  absl::Status CreateTable(const plan::CreateTable& create);
  absl::Status ColumnDefinition(const plan::ColumnDef& column);
  absl::Status CreateIndex(const plan::CreateIndex& create);
  absl::Status CreateEnum(const plan::CreateEnum& create);
  // Schema changes (migrations, push).
  absl::Status SchemaChange(const plan::Plan& plan);
  absl::Status AlterColumn(const plan::AlterColumn& alter);
  absl::Status AddConstraint(const plan::AddConstraint& add);
  absl::Status ConstraintBody(const plan::ForeignKey& fk);
  void AlterTable(const plan::TableRef& table);
  // ` INCREMENT BY ... MINVALUE ... MAXVALUE ... START WITH ... CACHE ... [NO] CYCLE`.
  void SequenceOptions(const plan::CreateSequence& seq);
  // `type` as it is written in DDL (enum types by name).
  absl::StatusOr<std::string> TypeSql(const plan::Type& type);
  absl::Status Call(const plan::Call& call);
  absl::Status Where(const plan::Expr& where);
  void Action(absl::string_view clause, plan::Action action);
  absl::Status Unsupported(absl::string_view feature) const;

  const SqlDialect& dialect_;
  std::string out_;
  std::vector<uint32_t> params_;
  // Numbered placeholders: plan parameter → its slot, so a repeated parameter reuses it.
  std::map<uint32_t, size_t> slots_;
  // DDL has no parameters.
  bool in_ddl_ = false;
};

}  // namespace sluice::sdk

#endif  // SLUICE_DIALECTS_SDK_SQL_RENDERER_H_
