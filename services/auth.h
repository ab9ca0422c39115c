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

// The metadata by which a call holds itself to a scope stricter than its method's ("admin").
inline constexpr char kScopeMetadata[] = "sluice-scope";

class Tokens {
 public:
  // From a file of `SCOPE TOKEN` lines (# comments) and an inline `SCOPE:TOKEN,...` list; both
  // may be empty. A scope may name a database role, `SCOPE@ROLE` (`data@app_user TOKEN`,
  // `data@app_user:TOKEN`): the calls with that token run as that role (PostgreSQL row-level
  // security). INVALID_ARGUMENT for an unknown scope, a malformed role or an empty token.
  static absl::StatusOr<Tokens> Load(const std::string& file, const std::string& inline_tokens);

  // No tokens: every call is allowed (sluiced then serves only on loopback).
  bool enabled() const { return !tokens_.empty(); }

  // OK when the call carries a token with `scope` (admin includes data): UNAUTHENTICATED
  // without a token or with an unknown one, PERMISSION_DENIED with a token of a lesser scope.
  // Tokens are compared in constant time.
  grpc::Status Authorize(const grpc::ServerContextBase& context, Scope scope) const;

  // The role of the call's token ("" for none, or without tokens).
  std::string RoleOf(const grpc::ServerContextBase& context) const;

 private:
  struct Token {
    Scope scope;
    std::string token;
    std::string role;
  };
  // The configured token the call carries (null for none); every token is compared.
  const Token* Find(absl::string_view token) const;
  // The call's bearer token; UNAUTHENTICATED without one.
  static absl::StatusOr<absl::string_view> Bearer(const grpc::ServerContextBase& context);

  std::vector<Token> tokens_;
  bool has_roles_ = false;  // some token maps to a role
};

}  // namespace sluice

#endif  // SLUICE_SERVICES_AUTH_H_
