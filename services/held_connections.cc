#include "services/held_connections.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sluice {

std::string HeldConnections::ClientOf(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    return absl::StrCat("token ", absl::string_view(it->second.data(), it->second.size()));
  }
  // ipv4:127.0.0.1:PORT, ipv6:[::1]:PORT, unix:PATH (one client per socket path).
  std::string peer = context.peer();
  if (absl::StartsWith(peer, "ipv4:") || absl::StartsWith(peer, "ipv6:")) {
    if (const size_t colon = peer.rfind(':'); colon != std::string::npos && colon > 5) peer.resize(colon);
  }
  return peer;
}

absl::StatusOr<std::unique_ptr<HeldConnections::Hold>> HeldConnections::Take(const grpc::ServerContextBase& context,
                                                                             const std::string& database,
                                                                             absl::Time deadline) {
  std::pair<std::string, std::string> key{database.empty() ? "default" : database, ClientOf(context)};
  absl::MutexLock lock(&mu_);
  // A call the client just cancelled may still be letting its connection go: a moment's grace.
  const auto below_limit = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = held_.find(key);
    return it == held_.end() || it->second < limit_;
  };
  mu_.AwaitWithDeadline(absl::Condition(&below_limit), std::min(deadline, absl::Now() + kGrace));
  size_t& held = held_[key];
  if (held >= limit_) {
    ++refused_[key.first];
    return WithErrorInfo(absl::ResourceExhaustedError(absl::StrCat(
                             "this client holds ", held, " connection", held == 1 ? "" : "s", " of database `",
                             key.first, "` in open transactions and streams already (--max-held-connections ", limit_,
                             "); finish one first, or retry")),
                         "HELD_CONNECTIONS_LIMIT", {{"database", key.first}, {"limit", absl::StrCat(limit_)}});
  }
  ++held;
  return std::make_unique<Hold>(this, std::move(key));
}

HeldConnections::Hold::~Hold() {
  absl::MutexLock lock(&owner_->mu_);
  auto it = owner_->held_.find(key_);
  if (--it->second == 0) owner_->held_.erase(it);
}

std::map<std::string, size_t> HeldConnections::Held() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, size_t> held;
  for (const auto& [key, n] : held_) held[key.first] += n;
  return held;
}

std::map<std::string, uint64_t> HeldConnections::Refused() const {
  absl::MutexLock lock(&mu_);
  return refused_;
}

}  // namespace sluice
