#include "typed/names.h"

#include "absl/strings/ascii.h"

namespace sluice::typed {
namespace {

bool IdentifierChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

std::string PackageOf(absl::string_view schema) { return "sluice.schemas." + FieldNameOf(schema); }

std::string MessageNameOf(absl::string_view name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      upper = true;
      continue;
    }
    out += upper ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c;
    upper = false;
  }
  if (out.empty() || absl::ascii_isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "T");
  return out;
}

std::string FieldNameOf(absl::string_view name) {
  std::string out;
  for (char c : name) out += IdentifierChar(c) ? c : '_';
  if (out.empty() || absl::ascii_isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "_");
  return out;
}

std::string UpperSnakeOf(absl::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (!absl::ascii_isalnum(c)) {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    // A word starts at an upper-case letter after a lower-case one or a digit: `OrderItems`.
    if (absl::ascii_isupper(c) && i > 0 &&
        (absl::ascii_islower(static_cast<unsigned char>(name[i - 1])) ||
         absl::ascii_isdigit(static_cast<unsigned char>(name[i - 1]))) &&
        !out.empty() && out.back() != '_') {
      out += '_';
    }
    out += absl::ascii_toupper(c);
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || absl::ascii_isdigit(static_cast<unsigned char>(out[0]))) out.insert(0, "V");
  return out;
}

std::string JsonNameOf(absl::string_view field) {
  // protobuf's ToJsonName: drop each `_` and capitalize the letter after it.
  std::string out;
  bool upper = false;
  for (char c : field) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c;
    upper = false;
  }
  return out;
}

}  // namespace sluice::typed
