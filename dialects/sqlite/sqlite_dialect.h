// SQLite's SQL: what differs from the SDK's standard SQL.
#ifndef SLUICE_DIALECTS_SQLITE_SQLITE_DIALECT_H_
#define SLUICE_DIALECTS_SQLITE_SQLITE_DIALECT_H_

#include "dialects/sdk/sql_dialect.h"

namespace sluice::sqlite {

class SqliteDialect : public sdk::SqlDialect {
 public:
  absl::string_view name() const override { return "sqlite"; }
  absl::StatusOr<std::string> TypeName(const plan::Type& type) const override;
  absl::Status AutoIncrement(const plan::ColumnDef& column, std::string* type, std::string* suffix,
                             bool* primary_key_written) const override;
  std::string BoolLiteral(bool value) const override { return value ? "1" : "0"; }
  bool has_set_operations_all() const override { return false; }
  bool has_multiple_conflict_clauses() const override { return true; }
  std::string ExplainPrefix(bool analyze) const override { return analyze ? "" : "EXPLAIN QUERY PLAN "; }
  // The linked library's SQLITE_MAX_VARIABLE_NUMBER (32,766 by default; Debian's build: 250,000).
  size_t max_params() const override;
  absl::StatusOr<std::string> Function(plan::Op op) const override;
  // SQLite has no DEFAULT inside VALUES; NULL gives a rowid key its next value.
  std::string DefaultInValues() const override { return "NULL"; }
  // SQLite's LIMIT is required before OFFSET.
  std::string LimitForOffsetOnly() const override { return "-1"; }
  sdk::AlterColumnStyle alter_column() const override { return sdk::AlterColumnStyle::kNone; }
  bool has_transactional_ddl() const override { return true; }
  absl::StatusOr<std::string> DropConstraintClause(const plan::DropConstraint&, const std::string&) const override {
    return absl::UnimplementedError(
        "dialect sqlite does not support dropping constraints (the table is rebuilt instead)");
  }
  std::string DeferForeignKeys() const override { return "PRAGMA defer_foreign_keys = ON"; }
  sdk::JsonRows json_rows() const override { return sdk::JsonRows::kOrderedDerivedTable; }
  std::string JsonArrayFunction() const override { return "json_array"; }
  std::string JsonAggregateFunction() const override { return "json_group_array"; }
  std::string EmptyJsonArray() const override { return "'[]'"; }
  // hex(NULL) is '': keep NULL apart from an empty blob.
  std::string JsonLeaf(const plan::Type& type) const override {
    if (type.kind() == plan::BYTES) return "CASE WHEN {} IS NULL THEN NULL ELSE hex({}) END";
    // json_array writes a REAL with 15 significant digits: 17 round-trip every double (`!`: past
    // printf's usual 16).
    if (type.kind() == plan::REAL || type.kind() == plan::DOUBLE) {
      return "CASE WHEN {} IS NULL THEN NULL ELSE json(printf('%!.17g', {})) END";
    }
    return "{}";
  }
  // A subquery's JSON is text to SQLite: json() makes it JSON again (else it is quoted).
  std::string JsonEmbedded() const override { return "json({})"; }
};

}  // namespace sluice::sqlite

#endif  // SLUICE_DIALECTS_SQLITE_SQLITE_DIALECT_H_
