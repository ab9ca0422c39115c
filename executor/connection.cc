#include "executor/connection.h"

#include <algorithm>

#include "common/status_macros.h"

#include "absl/strings/str_cat.h"

#include "absl/strings/str_join.h"

namespace sluice {

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(std::shared_ptr<DialectPlugin> dialect,
                                                             const std::string& url) {
  sluice_conn* conn = nullptr;
  sluice_error error{};
  int32_t code = dialect->api().connect(url.c_str(), &conn, &error);
  if (code != SLUICE_STATUS_OK) return PluginStatus(code, error, dialect->name());
  return std::unique_ptr<Connection>(new Connection(std::move(dialect), conn));
}

Connection::Connection(std::shared_ptr<DialectPlugin> dialect, sluice_conn* conn)
    : dialect_(std::move(dialect)), conn_(conn) {}

Connection::~Connection() {
  if (transient_ != nullptr) api().finalize(transient_);
  for (auto& [sql, stmt] : lru_) api().finalize(stmt);
  api().disconnect(conn_);
}

absl::Status Connection::Check(int32_t code, const sluice_error& error) {
  if (code == SLUICE_STATUS_UNAVAILABLE) broken_ = true;
  return PluginStatus(code, error, dialect_->name());
}

absl::StatusOr<Statement> Connection::PrepareTransient(const std::string& sql) {
  if (transient_ != nullptr) api().finalize(transient_);
  transient_ = nullptr;
  sluice_error error{};
  SLUICE_RETURN_IF_ERROR(Check(api().prepare(conn_, sql.data(), sql.size(), &transient_, &error), error));
  return Statement(this, transient_);
}

std::optional<Statement> Connection::Prepared(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return Statement(this, it->second->second);
}

bool Connection::nonblocking() const {
  return api().socket != nullptr && api().send != nullptr && api().poll != nullptr && socket() >= 0;
}

uint32_t Connection::pipeline_depth() const {
  return api().pipeline_depth != nullptr ? std::max<uint32_t>(1, api().pipeline_depth(conn_)) : 1;
}

bool Connection::groups() const { return api().send_grouped != nullptr && pipeline_depth() > 1; }

int Connection::socket() const { return api().socket != nullptr ? api().socket(conn_) : -1; }

absl::StatusOr<Statement> Connection::Prepare(const std::string& sql) {
  if (std::optional<Statement> prepared = Prepared(sql)) return *prepared;
  sluice_stmt* stmt = nullptr;
  sluice_error error{};
  absl::Status status = Check(api().prepare(conn_, sql.data(), sql.size(), &stmt, &error), error);
  if (!status.ok()) return status;
  lru_.emplace_front(sql, stmt);
  statements_[sql] = lru_.begin();
  if (lru_.size() > kStatementCacheSize) {
    api().finalize(lru_.back().second);
    statements_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return Statement(this, stmt);
}

absl::Status Statement::Bind(uint32_t slot, const sluice_value& value) {
  sluice_error error{};
  return conn_->Check(conn_->api().bind(stmt_, slot, &value, &error), error);
}

absl::StatusOr<bool> Statement::Step() {
  sluice_error error{};
  int32_t has_row = 0;
  SLUICE_RETURN_IF_ERROR(conn_->Check(conn_->api().step(stmt_, &has_row, &error), error));
  return has_row != 0;
}

uint32_t Statement::ColumnCount() { return conn_->api().column_count(stmt_); }

absl::StatusOr<std::string> Statement::ColumnName(uint32_t column) {
  sluice_error error{};
  const char* name = nullptr;
  size_t size = 0;
  SLUICE_RETURN_IF_ERROR(conn_->Check(conn_->api().column_name(stmt_, column, &name, &size, &error), error));
  return std::string(name, size);
}

absl::StatusOr<sluice_value> Statement::ColumnValue(uint32_t column) {
  sluice_error error{};
  sluice_value value{};
  SLUICE_RETURN_IF_ERROR(conn_->Check(conn_->api().column_value(stmt_, column, &value, &error), error));
  return value;
}

absl::Status Statement::Changes(uint64_t* rows_affected, int64_t* last_insert_id) {
  sluice_error error{};
  return conn_->Check(conn_->api().changes(stmt_, rows_affected, last_insert_id, &error), error);
}

void Statement::Reset() {
  sluice_error ignored{};  // reset repeats the last step's error, which was already reported
  conn_->api().reset(stmt_, &ignored);
}

absl::Status Statement::Send() {
  sluice_error error{};
  return conn_->Check(conn_->api().send(stmt_, &error), error);
}

absl::Status Statement::SendGrouped(bool last) {
  sluice_error error{};
  return conn_->Check(conn_->api().send_grouped(stmt_, last ? 1 : 0, &error), error);
}

absl::StatusOr<bool> Statement::Poll() {
  sluice_error error{};
  int32_t ready = 0;
  SLUICE_RETURN_IF_ERROR(conn_->Check(conn_->api().poll(stmt_, &ready, &error), error));
  return ready != 0;
}

absl::Status Connection::ExecuteOnce(const std::string& sql) {
  sluice_stmt* stmt = nullptr;
  sluice_error error{};
  absl::Status status = Check(api().prepare(conn_, sql.data(), sql.size(), &stmt, &error), error);
  if (!status.ok()) return status;
  int32_t has_row = 1;
  while (status.ok() && has_row) status = Check(api().step(stmt, &has_row, &error), error);
  api().finalize(stmt);
  return status;
}

absl::StatusOr<plan::Catalog> Connection::Introspect(const std::vector<std::string>& namespaces) {
  if (api().introspect == nullptr || api().buffer_free == nullptr) {
    return absl::UnimplementedError(absl::StrCat("dialect ", dialect_->name(), " does not support introspection"));
  }
  const std::string names = absl::StrJoin(namespaces, ",");
  void* out = nullptr;
  size_t size = 0;
  sluice_error error{};
  SLUICE_RETURN_IF_ERROR(Check(api().introspect(conn_, names.data(), names.size(), &out, &size, &error), error));
  plan::Catalog catalog;
  const bool parsed = catalog.ParseFromArray(out, static_cast<int>(size));
  api().buffer_free(out);
  if (!parsed) return absl::InternalError(absl::StrCat("dialect ", dialect_->name(), " returned a malformed catalog"));
  return catalog;
}

namespace {

int32_t AbiIsolation(Isolation isolation) {
  switch (isolation) {
    case Isolation::kDefault:
      return SLUICE_ISOLATION_DEFAULT;
    case Isolation::kReadUncommitted:
      return SLUICE_ISOLATION_READ_UNCOMMITTED;
    case Isolation::kReadCommitted:
      return SLUICE_ISOLATION_READ_COMMITTED;
    case Isolation::kRepeatableRead:
      return SLUICE_ISOLATION_REPEATABLE_READ;
    case Isolation::kSerializable:
      return SLUICE_ISOLATION_SERIALIZABLE;
  }
  return SLUICE_ISOLATION_DEFAULT;
}

}  // namespace

absl::Status Connection::Begin(Isolation isolation) {
  sluice_error error{};
  absl::Status status = Check(api().begin(conn_, AbiIsolation(isolation), &error), error);
  in_transaction_ = status.ok();
  return status;
}

absl::Status Connection::Commit() {
  sluice_error error{};
  absl::Status status = Check(api().commit(conn_, &error), error);
  if (status.ok()) in_transaction_ = false;
  return status;
}

absl::Status Connection::Rollback() {
  sluice_error error{};
  in_transaction_ = false;
  absl::Status status = Check(api().rollback(conn_, &error), error);
  if (!status.ok()) broken_ = true;  // a connection in an unknown state is not reused
  return status;
}

absl::Status Connection::Ping() {
  sluice_error error{};
  absl::Status status = Check(api().ping(conn_, &error), error);
  if (!status.ok()) broken_ = true;
  return status;
}

void Connection::Interrupt() {
  if (api().interrupt != nullptr) api().interrupt(conn_);
}

}  // namespace sluice
