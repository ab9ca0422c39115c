#include "services/prepared_statements.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"

namespace sluice {

std::string PreparedStatements::Add(PreparedStatement prepared) {
  thread_local std::mt19937_64 random(std::random_device{}());
  const std::string id = absl::StrFormat("%016x%016x", random(), random());
  absl::MutexLock lock(&mu_);
  statements_[id] = std::make_shared<const PreparedStatement>(std::move(prepared));
  order_.push_back(id);
  while (order_.size() > kCapacity) {
    statements_.erase(order_.front());
    order_.pop_front();
  }
  return id;
}

absl::StatusOr<std::shared_ptr<const PreparedStatement>> PreparedStatements::Find(const std::string& id) const {
  absl::MutexLock lock(&mu_);
  auto it = statements_.find(id);
  if (it == statements_.end()) {
    return WithErrorInfo(
        absl::NotFoundError(absl::StrCat("no prepared statement `", id, "` on this server (prepare it again)")),
        "PREPARED_STATEMENT_NOT_FOUND", {{"id", id}});
  }
  return it->second;
}

}  // namespace sluice
