#include "dialects/sdk/sql_dialect.h"

#include "absl/strings/str_cat.h"

namespace sluice::sdk {

std::string SqlDialect::StringLiteral(absl::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

std::string SqlDialect::BytesLiteral(absl::string_view bytes) const {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "X'";
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  out += '\'';
  return out;
}

absl::StatusOr<std::string> SqlDialect::Function(plan::Op op) const {
  switch (op) {
    case plan::NOW:
      return std::string("CURRENT_TIMESTAMP");
    case plan::CURRENT_DATE:
      return std::string("CURRENT_DATE");
    case plan::RANDOM_UUID:
      return std::string("gen_random_uuid()");
    default:
      return absl::InvalidArgumentError(absl::StrCat("plan: op ", op, " is not a function"));
  }
}

absl::StatusOr<std::string> SqlDialect::IndexMethod(absl::string_view method) const {
  if (method.empty()) return std::string();
  return absl::UnimplementedError(absl::StrCat("dialect ", name(), " does not support index methods (`", method, "`)"));
}

std::string SqlDialect::JsonLeaf(const plan::Type& type) const {
  if (type.array()) return "{}";
  switch (type.kind()) {
    case plan::BYTES:
      return "encode({}, 'hex')";
    case plan::JSON:
    case plan::JSONB:
    case plan::INTERVAL:
      return "({})::text";
    default:
      return "{}";
  }
}

}  // namespace sluice::sdk
