// Plain values in hand-written requests: where a request holds a sluice.v1.Value, the CLI and the
// HTTP door take a plain JSON value and write the wrapper, so `{"value": 5}` means `{"value": {"int_value":
// "5"}}`. The server then reads a string by the column's type (a decimal, a date, an integer
// beyond 2^53: exact).
#ifndef SLUICE_COMMON_PLAIN_VALUES_H_
#define SLUICE_COMMON_PLAIN_VALUES_H_

#include <string>

#include "google/protobuf/descriptor.h"

namespace sluice {

// `json` (a request of `type`) with each plain value where a Value goes wrapped: a string →
// string_value, an integer (within ±2^53) → int_value, another number → double_value, true /
// false → bool_value, null → null_value, an object or array that is not a Value → json_value
// (its JSON text). A Value written out (`{"int_value": "5"}`) stays as it is. Text that is not
// JSON comes back unchanged (the parser reports it).
std::string WrapPlainValues(const std::string& json, const google::protobuf::Descriptor& type);

}  // namespace sluice

#endif  // SLUICE_COMMON_PLAIN_VALUES_H_
