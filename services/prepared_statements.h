// Prepared statements of a server: planned once, executed many times with new values.
#ifndef SLUICE_SERVICES_PREPARED_STATEMENTS_H_
#define SLUICE_SERVICES_PREPARED_STATEMENTS_H_

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "planner/planner.h"
#include "schema/schema_index.h"

namespace sluice {

struct PreparedStatement {
  std::string database;
  std::string schema;
  // The schema version it was planned against: executing it after the schema changed is refused.
  std::shared_ptr<const SchemaIndex> schema_index;
  PlannedStatement statement;
};

class PreparedStatements {
 public:
  static constexpr size_t kCapacity = 10000;  // the oldest are forgotten beyond this

  // Stores `prepared` and returns its id.
  std::string Add(PreparedStatement prepared);
  // NOT_FOUND for an unknown (or forgotten) id.
  absl::StatusOr<std::shared_ptr<const PreparedStatement>> Find(const std::string& id) const;

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<const PreparedStatement>> statements_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> order_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_PREPARED_STATEMENTS_H_
