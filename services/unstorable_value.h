// Which request field holds the value a database refused to store as given (a plugin's
// SLUICE_REASON_UNSTORABLE_VALUE: PostgreSQL text with a NUL character). The plugin only knows
// the statement's parameter; the request field path is found here, on the error's way out.
#ifndef SLUICE_SERVICES_UNSTORABLE_VALUE_H_
#define SLUICE_SERVICES_UNSTORABLE_VALUE_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace sluice {

// `status` unchanged unless it is such a refusal without a field path: then INVALID_ARGUMENT
// naming the first text value of `request` that holds a NUL character (`prefix` before its
// path: e.g. "message[2]" for a transaction's message), keeping the message and the ErrorInfo.
absl::Status NameUnstorableValue(const absl::Status& status, const google::protobuf::Message& request,
                                 absl::string_view prefix = "");

}  // namespace sluice

#endif  // SLUICE_SERVICES_UNSTORABLE_VALUE_H_
