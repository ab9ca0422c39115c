#include "services/auth.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace sluice {
namespace {

// Equal in time that depends only on the lengths, never on where they differ.
bool SameToken(absl::string_view a, absl::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? a[i] : 0, y = i < b.size() ? b[i] : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

absl::StatusOr<Scope> ScopeOf(absl::string_view name, absl::string_view where) {
  if (name == "data") return Scope::kData;
  if (name == "admin") return Scope::kAdmin;
  return absl::InvalidArgumentError(absl::StrCat(where, ": unknown scope `", name, "` (data or admin)"));
}

}  // namespace

absl::StatusOr<Tokens> Tokens::Load(const std::string& file, const std::string& inline_tokens) {
  Tokens out;
  auto add = [&](absl::string_view scope, absl::string_view token, absl::string_view where) -> absl::Status {
    scope = absl::StripAsciiWhitespace(scope);
    std::string role;
    if (const size_t at = scope.find('@'); at != absl::string_view::npos) {
      role = std::string(scope.substr(at + 1));
      scope = scope.substr(0, at);
      const bool ok = !role.empty() && role.size() <= 63 &&
                      std::all_of(role.begin(), role.end(), [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
      if (!ok) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": `", role, "` is not a role name (1 to 63 letters, digits or `_`)"));
      }
    }
    auto s = ScopeOf(scope, where);
    if (!s.ok()) return s.status();
    token = absl::StripAsciiWhitespace(token);
    if (token.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": an empty token"));
    out.has_roles_ |= !role.empty();
    out.tokens_.push_back({*s, std::string(token), std::move(role)});
    return absl::OkStatus();
  };
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read the tokens file ", file));
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      absl::string_view l = absl::StripAsciiWhitespace(line);
      if (l.empty() || l[0] == '#') continue;
      std::vector<absl::string_view> parts = absl::StrSplit(l, absl::ByAnyChar(" \t"), absl::SkipEmpty());
      if (parts.size() != 2) return absl::InvalidArgumentError(absl::StrCat(file, ":", n, ": expected `SCOPE TOKEN`"));
      auto status = add(parts[0], parts[1], absl::StrCat(file, ":", n));
      if (!status.ok()) return status;
    }
  }
  for (absl::string_view entry : absl::StrSplit(inline_tokens, ',', absl::SkipWhitespace())) {
    const size_t colon = entry.find(':');
    if (colon == absl::string_view::npos) return absl::InvalidArgumentError("tokens: expected SCOPE:TOKEN entries");
    auto status = add(entry.substr(0, colon), entry.substr(colon + 1), "tokens");
    if (!status.ok()) return status;
  }
  return out;
}

absl::StatusOr<absl::string_view> Tokens::Bearer(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError("a bearer token is required (metadata authorization: Bearer TOKEN)");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "bearer ")) {
    return absl::UnauthenticatedError("the authorization metadata is not `Bearer TOKEN`");
  }
  return absl::StripAsciiWhitespace(value.substr(7));
}

const Tokens::Token* Tokens::Find(absl::string_view token) const {
  // Every configured token is compared, so that the time does not tell which one matched.
  const Token* found = nullptr;
  for (const Token& configured : tokens_) {
    if (SameToken(token, configured.token)) found = &configured;
  }
  return found;
}

grpc::Status Tokens::Authorize(const grpc::ServerContextBase& context, Scope scope) const {
  if (tokens_.empty()) return grpc::Status::OK;
  // A call may hold itself to the admin scope (`sluice-scope: admin`): Studio's edits do, so that
  // a data token browses but does not edit there.
  const auto& metadata = context.client_metadata();
  if (auto held = metadata.find(kScopeMetadata); held != metadata.end() && held->second == "admin") {
    scope = Scope::kAdmin;
  }
  absl::StatusOr<absl::string_view> token = Bearer(context);
  if (!token.ok()) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, std::string(token.status().message()));
  const Token* found = Find(*token);
  if (found == nullptr) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown bearer token");
  if (found->scope != Scope::kAdmin && scope == Scope::kAdmin) {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "this call needs a token with the admin scope");
  }
  return grpc::Status::OK;
}

std::string Tokens::RoleOf(const grpc::ServerContextBase& context) const {
  if (!has_roles_) return "";  // the common case: every call, no second look at its token
  absl::StatusOr<absl::string_view> token = Bearer(context);
  const Token* found = token.ok() ? Find(*token) : nullptr;
  return found != nullptr ? found->role : "";
}

}  // namespace sluice
