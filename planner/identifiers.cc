#include "planner/identifiers.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace sluice {
namespace {

bool ValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

absl::Status CheckIdentifier(absl::string_view name, const std::string& path) {
  if (name.empty()) return InvalidField(path, "a name is required");
  if (name.size() > kMaxIdentifierBytes) {
    return InvalidField(path,
                        absl::StrCat("a name is at most ", kMaxIdentifierBytes, " bytes; this one has ", name.size()));
  }
  if (name.find('\0') != absl::string_view::npos) return InvalidField(path, "a name holds no NUL character");
  if (!ValidUtf8(name)) return InvalidField(path, "a name is valid UTF-8");
  return absl::OkStatus();
}

}  // namespace sluice
