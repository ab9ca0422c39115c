// A fuzz target: LLVMFuzzerTestOneInput, run by libFuzzer (the fuzz config: clang,
// tools/fuzz.sh) or, in the ordinary builds, by replay_main.cc over the seed corpus (a test).
#ifndef SLUICE_TESTS_FUZZ_FUZZ_TARGET_H_
#define SLUICE_TESTS_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace sluice::fuzz {

// A message from fuzz input: JSON text when the input starts with `J` (the seeds are written so),
// else the protobuf wire format. False when it does not decode.
inline bool Decode(const uint8_t* data, size_t size, google::protobuf::Message* message) {
  if (size > 0 && data[0] == 'J') {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    return google::protobuf::util::JsonStringToMessage(std::string(reinterpret_cast<const char*>(data) + 1, size - 1),
                                                       message, options)
        .ok();
  }
  return message->ParseFromArray(data, static_cast<int>(size));
}

}  // namespace sluice::fuzz

#endif  // SLUICE_TESTS_FUZZ_FUZZ_TARGET_H_
