#include "dialects/sdk/sql_dialect.h"

#include "absl/strings/str_cat.h"
#include "plugins/sluice_dialect.h"

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
      return absl::UnimplementedError(absl::StrCat("dialect ", name(), " has no random UUID function"));
    default:
      return absl::InvalidArgumentError(absl::StrCat("plan: op ", op, " is not a function"));
  }
}

absl::StatusOr<std::string> SqlDialect::IndexMethod(absl::string_view method) const {
  if (method.empty()) return std::string();
  return absl::UnimplementedError(absl::StrCat("dialect ", name(), " does not support index methods (`", method, "`)"));
}

uint64_t Capabilities(const SqlDialect& dialect) {
  uint64_t bits = 0;
  if (dialect.has_returning(plan::Plan::kInsert) && dialect.has_returning(plan::Plan::kDelete)) {
    bits |= SLUICE_CAP_RETURNING;
  }
  if (dialect.has_returning(plan::Plan::kUpdate)) bits |= SLUICE_CAP_UPDATE_RETURNING;
  if (dialect.has_transactional_ddl()) bits |= SLUICE_CAP_TRANSACTIONAL_DDL;
  if (dialect.has_namespaces()) bits |= SLUICE_CAP_NAMESPACES;
  if (dialect.has_enum_types()) bits |= SLUICE_CAP_ENUM_TYPES;
  if (dialect.alter_column() != AlterColumnStyle::kNone) bits |= SLUICE_CAP_ALTER_TABLE;
  return bits;
}

}  // namespace sluice::sdk
