// Bearer tokens with scopes: `authorization: Bearer <token>` in a call's metadata.
#ifndef SLUICE_SERVICES_AUTH_H_
#define SLUICE_SERVICES_AUTH_H_

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace sluice {

// data: QueryService (but Raw) and reading schemas; admin: everything (schemas, migrations, raw
// SQL, AdminService).
enum class Scope { kData, kAdmin };

class Tokens {
 public:
  // From a file of `SCOPE TOKEN` lines (# comments) and an inline `SCOPE:TOKEN,...` list; both
  // may be empty. INVALID_ARGUMENT for an unknown scope or an empty token.
  static absl::StatusOr<Tokens> Load(const std::string& file, const std::string& inline_tokens);

  // No tokens: every call is allowed (sluiced then serves only on loopback).
  bool enabled() const { return !tokens_.empty(); }

  // OK when the call carries a token with `scope` (admin includes data): UNAUTHENTICATED
  // without a token or with an unknown one, PERMISSION_DENIED with a token of a lesser scope.
  // Tokens are compared in constant time.
  grpc::Status Authorize(const grpc::ServerContextBase& context, Scope scope) const;

 private:
  std::vector<std::pair<Scope, std::string>> tokens_;
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_AUTH_H_
