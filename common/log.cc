#include "common/log.h"

#include <unistd.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/json.h"

namespace sluice {
namespace {
std::atomic<bool> json_log{false};
}  // namespace

void SetJsonLog(bool json) { json_log = json; }

void Log(absl::string_view level, absl::string_view message, const LogFields& fields) {
  std::string line;
  if (json_log) {
    line = "{\"ts\":";
    AppendJsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), &line);
    line += ",\"level\":";
    AppendJsonString(level, &line);
    line += ",\"msg\":";
    AppendJsonString(message, &line);
    for (const auto& [key, value] : fields) {
      line += ',';
      AppendJsonString(key, &line);
      line += ':';
      AppendJsonString(value, &line);
    }
    line += "}\n";
  } else {
    line = absl::StrCat("sluiced: ", level == "info" ? "" : absl::StrCat(level, ": "), message);
    for (const auto& [key, value] : fields) absl::StrAppend(&line, " ", key, "=", value);
    line += "\n";
  }
  // One write: lines from different threads do not interleave.
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace sluice
