// SHA-256 as lower-case hex (OpenSSL), for schema and migration content hashes.
#ifndef SLUICE_COMMON_SHA256_H_
#define SLUICE_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace sluice {

std::string Sha256Hex(absl::string_view data);

}  // namespace sluice

#endif  // SLUICE_COMMON_SHA256_H_
