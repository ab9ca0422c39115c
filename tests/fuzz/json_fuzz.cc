// The JSON reader (JSON column values): any bytes parse or are refused, in linear time, within
// the depth limit.
#include "common/json.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parsed = sluice::ParseJson(absl::string_view(reinterpret_cast<const char*>(data), size));
  (void)parsed;
  return 0;
}
