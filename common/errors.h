// Rich errors inside sluiced: absl::Status carrying google.rpc detail messages as payloads,
// converted once, at the gRPC edge, into the grpc-status-details-bin trailer.
#ifndef SLUICE_COMMON_ERRORS_H_
#define SLUICE_COMMON_ERRORS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace sluice {

// The payload type URLs used for absl::Status payloads (the google.rpc message type URLs).
inline constexpr absl::string_view kBadRequestUrl = "type.googleapis.com/google.rpc.BadRequest";
inline constexpr absl::string_view kErrorInfoUrl = "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr absl::string_view kErrorDomain = "sluice.dev";

struct FieldViolation {
  std::string field;  // request field path, e.g. `select.where.eq.right.value`
  std::string description;
};

// INVALID_ARGUMENT for one field: "<field>: <description>", with a BadRequest detail.
absl::Status InvalidField(absl::string_view field, absl::string_view description);

// INVALID_ARGUMENT for several fields (at least one).
absl::Status InvalidFields(const std::vector<FieldViolation>& violations);

// Attaches an ErrorInfo detail (reason in UPPER_SNAKE_CASE, metadata such as the constraint).
absl::Status WithErrorInfo(absl::Status status, absl::string_view reason,
                           const std::map<std::string, std::string>& metadata);

// `status` with `key`=`value` added to its ErrorInfo (made, with the code's name as the reason,
// when it has none).
absl::Status WithErrorMetadata(absl::Status status, absl::string_view key, absl::string_view value);

// `status` with `prefix` before its message, keeping its code and details.
absl::Status Prefixed(const absl::Status& status, absl::string_view prefix);

// The reason of the ErrorInfo attached to `status` ("" without one).
std::string ErrorReason(const absl::Status& status);

// The field violations attached to `status` (for tests and logs).
std::vector<FieldViolation> FieldViolations(const absl::Status& status);

}  // namespace sluice

#endif  // SLUICE_COMMON_ERRORS_H_
