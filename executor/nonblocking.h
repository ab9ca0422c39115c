// The non-blocking path: a statement sent on a free pooled connection and finished by the event
// loop once its result arrived, with no thread waiting for the database.
#ifndef SLUICE_EXECUTOR_NONBLOCKING_H_
#define SLUICE_EXECUTOR_NONBLOCKING_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "executor/call_watchdog.h"
#include "executor/database.h"
#include "planner/planner.h"
#include "sluice/v1/query.pb.h"

namespace sluice {

using ResultCallback = std::function<void(absl::StatusOr<v1::QueryResult>)>;

// Starts `statement` on `db` without blocking and returns true: `done` then runs once with the
// result, on an event-loop thread or the calling one (the connection is back in the pool by then
// if nothing else is in flight on it). The statement goes behind other calls' statements on a
// connection where the plugin pipelines (PostgreSQL), while fewer than the pool's pipeline_depth
// are in flight there and the oldest was sent less than 0.5 ms ago; else on an idle connection.
// Returns false, having done nothing and kept `done`, when the statement cannot start so: the
// plugin has no non-blocking path, no connection takes it, the statement is not prepared on the
// connection yet, or it needs the UPDATE ... RETURNING fallback. The caller then takes the
// blocking path (which prepares the statement, so that the next call finds it). A read
// (ReadsFromReplica) goes to the next replica; when that replica cannot be reached, it is left
// out of reads and `done` gets UNAVAILABLE: the caller may repeat the read on the blocking path,
// which tries the other replicas and then the primary.
bool ExecuteNonblocking(Database& db, std::shared_ptr<const PlannedStatement> statement, const CallContext& call,
                        ResultCallback& done);

using GroupCallback = std::function<void(std::vector<absl::StatusOr<v1::QueryResult>>)>;

// Starts `statements` on `db`'s primary as one transaction, sent together (one round trip), and
// returns true: `done` then runs once with each statement's result, in order. All or none: when
// one failed, it holds its error, each later one ABORTED, and nothing was kept. Returns false,
// having done nothing and kept `done`, when they cannot start so: as ExecuteNonblocking, or the
// plugin cannot send statements as one transaction (ABI 1.6's send_grouped: PostgreSQL), or
// there are more than a connection may have in flight.
bool ExecuteGroupNonblocking(Database& db, const std::vector<std::shared_ptr<const PlannedStatement>>& statements,
                             const CallContext& call, GroupCallback& done);

}  // namespace sluice

#endif  // SLUICE_EXECUTOR_NONBLOCKING_H_
