#include "executor/row_reader.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "executor/value_codec.h"

namespace sluice {

google::protobuf::RepeatedPtrField<v1::ResultColumn> ResultColumnsOf(const PlannedStatement& statement) {
  google::protobuf::RepeatedPtrField<v1::ResultColumn> columns;
  for (const ResultColumn& column : statement.columns_ref()) {
    v1::ResultColumn* out = columns.Add();
    out->set_name(column.name);
    out->set_table(column.table);
    out->set_type(column.column.type());
  }
  return columns;
}

absl::Status BindParameters(Statement& stmt, const CompiledSql& sql, const PlannedStatement& statement,
                            const std::string& dialect) {
  std::string scratch;  // an array parameter's encoding, until its bind returns
  for (size_t slot = 0; slot < sql.param_index.size(); ++slot) {
    const uint32_t index = sql.param_index[slot];
    if (index >= statement.params.size()) {
      return absl::InternalError(
          absl::StrCat("dialect ", dialect, " bound parameter ", index, " of ", statement.params.size()));
    }
    SLUICE_RETURN_IF_ERROR(stmt.Bind(static_cast<uint32_t>(slot), ToAbiValue(statement.params[index], &scratch)));
  }
  return absl::OkStatus();
}

RowReader::RowReader(const PlannedStatement& statement, const RowBatches* batches, size_t max_rows,
                     absl::string_view dialect)
    : statement_(statement), batches_(batches), max_rows_(max_rows), dialect_(dialect) {
  *result_.mutable_columns() = ResultColumnsOf(statement);
  for (const ResultColumn& column : statement.columns_ref()) types_.push_back(&column.column);
}

absl::StatusOr<bool> RowReader::Read(Statement& stmt, bool nonblocking) {
  while (true) {
    if (nonblocking) {
      SLUICE_ASSIGN_OR_RETURN(const bool ready, stmt.Poll());
      if (!ready) return false;
    }
    SLUICE_ASSIGN_OR_RETURN(const bool has_row, stmt.Step());
    if (first_ && statement_.describe_columns) {
      // Raw SQL: the columns are whatever the database says, typed by their values.
      for (uint32_t i = 0; i < stmt.ColumnCount(); ++i) {
        SLUICE_ASSIGN_OR_RETURN(*result_.add_columns()->mutable_name(), stmt.ColumnName(i));
        static const v1::Column kUntyped;
        types_.push_back(&kUntyped);
      }
    }
    first_ = false;
    if (!has_row) return true;
    if (stmt.ColumnCount() != types_.size()) {
      return absl::InternalError(
          absl::StrCat("dialect ", dialect_, " returned ", stmt.ColumnCount(), " columns; expected ", types_.size()));
    }
    if (max_rows_ > 0 && batches_ == nullptr && static_cast<size_t>(result_.rows_size()) >= max_rows_) {
      return absl::ResourceExhaustedError(absl::StrCat("the result has more than ", max_rows_,
                                                       " rows (--max-rows): read it with SelectStream, or page it"));
    }
    v1::Row* row = result_.add_rows();
    for (size_t i = 0; i < types_.size(); ++i) {
      SLUICE_ASSIGN_OR_RETURN(const sluice_value raw, stmt.ColumnValue(static_cast<uint32_t>(i)));
      SLUICE_RETURN_IF_ERROR(FromAbiValue(raw, *types_[i], row->add_values()));
    }
    if (batches_ != nullptr && static_cast<size_t>(result_.rows_size()) >= batches_->rows) {
      if (!batches_->emit(result_)) return absl::CancelledError("the client stopped reading");
      result_.clear_rows();
      result_.clear_columns();  // the first batch carried them
    }
  }
}

absl::StatusOr<v1::QueryResult> RowReader::Finish(Statement& stmt) {
  // Rows changed: for writes (raw SQL: when it returned no columns).
  const bool write = statement_.describe_columns ? result_.columns().empty() : !statement_.plan_ref().has_select();
  if (write) {
    uint64_t affected = 0;
    int64_t last_id = 0;
    SLUICE_RETURN_IF_ERROR(stmt.Changes(&affected, &last_id));
    result_.set_rows_affected(affected);
    if (statement_.generated_key && last_id != 0) result_.set_last_insert_id(last_id);
  }
  return std::move(result_);
}

}  // namespace sluice
