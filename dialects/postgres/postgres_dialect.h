// PostgreSQL's SQL: what differs from the SDK's standard SQL.
#ifndef SLUICE_DIALECTS_POSTGRES_POSTGRES_DIALECT_H_
#define SLUICE_DIALECTS_POSTGRES_POSTGRES_DIALECT_H_

#include "dialects/sdk/sql_dialect.h"

namespace sluice::postgres {

class PostgresDialect : public sdk::SqlDialect {
 public:
  absl::string_view name() const override { return "postgres"; }
  bool numbered_placeholders() const override { return true; }
  bool has_array_params() const override { return true; }
  // The protocol allows 65,535, but libpq refuses a statement description (ParameterDescription)
  // over 30,000 bytes, and the plugin describes every statement it prepares: 4 bytes a value.
  size_t max_params() const override { return 7498; }
  std::string Placeholder(size_t slot) const override { return "$" + std::to_string(slot + 1); }
  absl::StatusOr<std::string> TypeName(const plan::Type& type) const override;
  absl::Status AutoIncrement(const plan::ColumnDef& column, std::string* type, std::string* suffix,
                             bool* primary_key_written) const override;
  std::string BytesLiteral(absl::string_view bytes) const override;
  absl::StatusOr<std::string> Function(plan::Op op) const override;
  bool has_ilike() const override { return true; }
  bool has_distinct_on() const override { return true; }
  bool has_returning_from_sources() const override { return true; }
  bool has_lateral() const override { return true; }
  std::string ExplainPrefix(bool analyze) const override {
    return analyze ? "EXPLAIN (ANALYZE, FORMAT JSON) " : "EXPLAIN (FORMAT JSON) ";
  }
  bool has_array_operators() const override { return true; }
  bool has_enum_types() const override { return true; }
  bool has_namespaces() const override { return true; }
  bool has_transactional_ddl() const override { return true; }
  sdk::JsonRows json_rows() const override { return sdk::JsonRows::kNumberedDerivedTable; }
  std::string JsonArrayFunction() const override { return "json_build_array"; }
  std::string JsonAggregateFunction() const override { return "json_agg"; }
  std::string EmptyJsonArray() const override { return "'[]'::json"; }
  std::string JsonLeaf(const plan::Type& type) const override;
  absl::StatusOr<std::string> IndexMethod(absl::string_view method) const override;
  std::string TransactionLock(int64_t key) const override;
  bool has_sequences() const override { return true; }
  bool has_row_level_security() const override { return true; }
  bool has_materialized_views() const override { return true; }
  bool has_view_comments() const override { return true; }
  std::string Claim(const std::string& name) const override {
    return "(nullif(current_setting('request.claims', true), '')::json ->> " + name + ")";
  }
  bool has_identity_kinds() const override { return true; }
  bool has_virtual_generated_columns() const override { return false; }  // PostgreSQL 15
  std::string NextValue(absl::string_view sequence) const override {
    return "nextval(" + StringLiteral(sequence) + ")";
  }
};

}  // namespace sluice::postgres

#endif  // SLUICE_DIALECTS_POSTGRES_POSTGRES_DIALECT_H_
