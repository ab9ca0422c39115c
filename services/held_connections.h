// The connections clients hold across their own waits: an interactive Transaction keeps one from
// Begin to Commit, a SelectStream while its client reads. A client (its bearer token; without
// tokens, its peer address) may hold at most `limit` per database, so that clients which go idle
// can never take the whole pool: the other calls always keep pool - limit connections.
#ifndef SLUICE_SERVICES_HELD_CONNECTIONS_H_
#define SLUICE_SERVICES_HELD_CONNECTIONS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace sluice {

// Thread-safe.
class HeldConnections {
 public:
  explicit HeldConnections(size_t limit = 1) : limit_(limit) {}
  void set_limit(size_t limit) { limit_ = limit; }
  size_t limit() const { return limit_; }

  // One connection counted against a client until destroyed.
  class Hold {
   public:
    Hold(HeldConnections* owner, std::pair<std::string, std::string> key) : owner_(owner), key_(std::move(key)) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold();

   private:
    HeldConnections* owner_;
    std::pair<std::string, std::string> key_;  // database, client
  };

  // How long Take waits for one of the client's own holds to go (a call it just cancelled lets
  // go of its connection a moment later).
  static constexpr absl::Duration kGrace = absl::Milliseconds(250);

  // A hold for the calling client on `database`, or RESOURCE_EXHAUSTED (reason
  // HELD_CONNECTIONS_LIMIT) when it still holds `limit` after kGrace (or at `deadline`).
  absl::StatusOr<std::unique_ptr<Hold>> Take(const grpc::ServerContextBase& context, const std::string& database,
                                             absl::Time deadline);

  // For the metrics: connections held per database, and the holds refused per database.
  std::map<std::string, size_t> Held() const;
  std::map<std::string, uint64_t> Refused() const;

  // The client a call comes from: its bearer token, else its peer address without the port.
  static std::string ClientOf(const grpc::ServerContextBase& context);

 private:
  size_t limit_;
  mutable absl::Mutex mu_;
  std::map<std::pair<std::string, std::string>, size_t> held_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, uint64_t> refused_ ABSL_GUARDED_BY(mu_);
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_HELD_CONNECTIONS_H_
