// Plans by request shape. A request whose shape (the request with its values taken out) was
// planned before is bound, not planned: each value is checked against the column type recorded
// for its parameter and put in its place in a copy of the earlier plan, which the database's
// compiled-SQL cache then finds. Anything the recipe cannot bind exactly (a value of another
// kind, a negative count) goes to the planner, so errors keep their field paths.
#ifndef SLUICE_PLANNER_PLAN_CACHE_H_
#define SLUICE_PLANNER_PLAN_CACHE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "planner/plan_recording.h"
#include "planner/planner.h"
#include "schema/schema_index.h"

namespace sluice {

// A request's shape and the places of its values, in a fixed order (fields by number, map
// entries by key). Two requests of one message type with the same key differ only in values.
struct RequestShape {
  std::string key;
  std::vector<ValueSlot> slots;
  bool cacheable = true;  // false: too many values to be worth keeping
};
// The key starts with `prefix`.
RequestShape ShapeOf(const google::protobuf::Message& request, absl::string_view prefix = {});

class PlanCache {
 public:
  explicit PlanCache(size_t capacity = 4096) : capacity_(capacity) {}

  // `request`'s plan in `schema`: bound from the plan of an earlier request of its shape, or
  // `plan()` (whose result, when OK, is kept for the next). `kind` tells apart requests of one
  // message type planned differently (FindMany and FindFirst).
  using PlanFn = std::function<absl::StatusOr<PlannedFind>()>;
  absl::StatusOr<PlannedFind> Plan(const std::shared_ptr<const SchemaIndex>& schema, char kind,
                                   const google::protobuf::Message& request, const PlanFn& plan);

  // The same for a request planned as one statement (Select, Insert, Update, Delete, Operation).
  absl::StatusOr<PlannedStatement> PlanStatement(const std::shared_ptr<const SchemaIndex>& schema, char kind,
                                                 const google::protobuf::Message& request,
                                                 const std::function<absl::StatusOr<PlannedStatement>()>& plan);

  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  // Requests of one shape whose plan depends on some of their values (a decimal typing an
  // expression) keep up to this many plans.
  static constexpr size_t kPlansPerShape = 8;
  struct Entry;

  // The plan bound to `shape`'s values, or null when `entry` does not fit them.
  static std::unique_ptr<PlannedFind> Bind(const Entry& entry, const RequestShape& shape, const SchemaIndex& schema);
  // The recipe of `planned` from what `recording` saw, or null when it cannot be reused.
  static std::shared_ptr<const Entry> Learn(const std::shared_ptr<const SchemaIndex>& schema, const RequestShape& shape,
                                            const PlanRecording& recording, const PlannedFind& planned);

  const size_t capacity_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
  absl::Mutex mu_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<const Entry>>> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice

#endif  // SLUICE_PLANNER_PLAN_CACHE_H_
