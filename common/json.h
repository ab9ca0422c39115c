// A small JSON reader that keeps numbers as their exact text (big integers and decimals must
// survive), and the escaping of JSON strings.
#ifndef SLUICE_COMMON_JSON_H_
#define SLUICE_COMMON_JSON_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sluice {

struct JsonValue {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool boolean = false;
  // kNumber: the number as written; kString: the decoded string.
  std::string text;
  // kArray: the items; kObject: the values, with `keys` beside them.
  std::vector<JsonValue> items;
  std::vector<std::string> keys;
};

// How deep arrays and objects may nest in a document ParseJson reads.
inline constexpr int kMaxJsonDepth = 256;

// Parses one JSON document (RFC 8259) in time linear in its size; INVALID_ARGUMENT with the
// offset of what is wrong, or saying it nests deeper than kMaxJsonDepth.
absl::StatusOr<JsonValue> ParseJson(absl::string_view text);

// Appends `text` as a JSON string literal (quotes and escapes included).
void AppendJsonString(absl::string_view text, std::string* out);

}  // namespace sluice

#endif  // SLUICE_COMMON_JSON_H_
