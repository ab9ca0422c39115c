// The rich error details of a failed call, for assertions.
#ifndef SLUICE_TESTS_SUPPORT_STATUS_DETAILS_H_
#define SLUICE_TESTS_SUPPORT_STATUS_DETAILS_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

namespace sluice::testing {

// The google.rpc.BadRequest field paths of a failed call.
std::vector<std::string> FieldPaths(const grpc::Status& status);
// The google.rpc.ErrorInfo metadata value `key` of a failed call ("" if absent), or with `key`
// "reason" its reason.
std::string ErrorInfo(const grpc::Status& status, const std::string& key);

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_SUPPORT_STATUS_DETAILS_H_
