// Binds a statement's parameters and reads its rows into a QueryResult: the one place both the
// blocking path (a thread steps until done) and the non-blocking path (the event loop steps
// while the plugin says a step will not block) decode rows.
#ifndef SLUICE_EXECUTOR_ROW_READER_H_
#define SLUICE_EXECUTOR_ROW_READER_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "executor/connection.h"
#include "planner/planner.h"
#include "sluice/v1/query.pb.h"

namespace sluice {

// Where rows go in batches of `rows` as they arrive (streaming); `emit` may take the batch's rows
// (they are cleared after it) and returns false to stop.
struct RowBatches {
  size_t rows = 1000;
  std::function<bool(v1::QueryResult& batch)> emit;
};

// The result columns a planned statement declares.
google::protobuf::RepeatedPtrField<v1::ResultColumn> ResultColumnsOf(const PlannedStatement& statement);

// Binds `statement`'s parameters to `stmt` in the order `sql` places them.
absl::Status BindParameters(Statement& stmt, const CompiledSql& sql, const PlannedStatement& statement,
                            const std::string& dialect);

class RowReader {
 public:
  // `max_rows` > 0 refuses a unary result beyond it; with `batches`, full batches are emitted
  // as they come and the result holds only the rest.
  RowReader(const PlannedStatement& statement, const RowBatches* batches, size_t max_rows, absl::string_view dialect);

  // Steps `stmt` until it is done (true). With `nonblocking`, asks the plugin before each step
  // whether it would block, and returns false when it would (call again once the connection's
  // socket is readable).
  absl::StatusOr<bool> Read(Statement& stmt, bool nonblocking = false);

  // Once Read returned true: the result, with rows affected for writes.
  absl::StatusOr<v1::QueryResult> Finish(Statement& stmt);

 private:
  const PlannedStatement& statement_;
  const RowBatches* batches_;
  const size_t max_rows_;
  const absl::string_view dialect_;  // the plugin's name, which outlives the reader
  v1::QueryResult result_;
  std::vector<const v1::Column*> types_;  // each result column's declared type (the statement's)
  bool first_ = true;
};

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_ROW_READER_H_
