// MySQL / MariaDB SQL: what differs from the SDK's standard SQL.
#ifndef SLUICE_DIALECTS_MYSQL_MYSQL_DIALECT_H_
#define SLUICE_DIALECTS_MYSQL_MYSQL_DIALECT_H_

#include "dialects/sdk/sql_dialect.h"

namespace sluice::mysql {

class MysqlDialect : public sdk::SqlDialect {
 public:
  absl::string_view name() const override { return "mysql"; }
  char identifier_quote() const override { return '`'; }
  absl::StatusOr<std::string> TypeName(const plan::Type& type) const override;
  absl::Status AutoIncrement(const plan::ColumnDef& column, std::string* type, std::string* suffix,
                             bool* primary_key_written) const override;
  absl::StatusOr<std::string> Function(plan::Op op) const override;
  bool has_nulls_order() const override { return false; }
  std::string LimitForOffsetOnly() const override { return "18446744073709551615"; }
  // MariaDB has INSERT ... RETURNING and DELETE ... RETURNING, not UPDATE ... RETURNING.
  bool has_returning(plan::Plan::KindCase statement) const override { return statement != plan::Plan::kUpdate; }
  bool on_duplicate_key_update() const override { return true; }
  bool update_joins() const override { return true; }
  std::string ExplainPrefix(bool analyze) const override {
    return analyze ? "ANALYZE FORMAT=JSON " : "EXPLAIN FORMAT=JSON ";
  }
  bool has_full_join() const override { return false; }
  bool has_limit_in_in_subquery() const override { return false; }
  bool has_concat_operator() const override { return false; }                // || is OR
  std::string CharLengthFunction() const override { return "char_length"; }  // length() counts bytes
  bool checks_enum_values() const override { return false; }                 // ENUM('a', 'b') is the type
  std::string InsertDefaultValues() const override { return "() VALUES ()"; }
  std::string TableOptions() const override {
    return " ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci";
  }
  sdk::AlterColumnStyle alter_column() const override { return sdk::AlterColumnStyle::kModify; }
  bool has_transactional_ddl() const override { return false; }  // DDL commits by itself
  absl::StatusOr<std::string> DropConstraintClause(const plan::DropConstraint& drop,
                                                   const std::string& name) const override {
    switch (drop.kind()) {
      case plan::DropConstraint::UNIQUE:
        return "DROP INDEX " + name;
      case plan::DropConstraint::FOREIGN_KEY:
        return "DROP FOREIGN KEY " + name;
      case plan::DropConstraint::PRIMARY_KEY:
        return std::string("DROP PRIMARY KEY");
      default:
        return "DROP CONSTRAINT " + name;
    }
  }
  std::string DropIndex(const std::string& index, const std::string& table) const override {
    return "DROP INDEX " + index + " ON " + table;
  }
  sdk::JsonRows json_rows() const override { return sdk::JsonRows::kOrderedAggregate; }
  std::string JsonArrayFunction() const override { return "JSON_ARRAY"; }
  std::string JsonAggregateFunction() const override { return "JSON_ARRAYAGG"; }
  std::string EmptyJsonArray() const override { return "JSON_ARRAY()"; }
  std::string JsonLeaf(const plan::Type& type) const override {
    if (type.kind() == plan::BYTES) return "HEX({})";
    // JSON (and JSONB, its alias here) as its text: else embedded as JSON.
    if (type.kind() == plan::JSON || type.kind() == plan::JSONB) return "CAST({} AS CHAR)";
    return "{}";
  }
  std::string TransactionLock(int64_t key) const override;
  std::string TransactionUnlock(int64_t key) const override;
};

}  // namespace sluice::mysql

#endif  // SLUICE_DIALECTS_MYSQL_MYSQL_DIALECT_H_
