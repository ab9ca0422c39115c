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
bool JsonLog() { return json_log; }

namespace {

// A value on one line: the database's messages span several (libpq's hint); runs of white
// space become one space.
std::string OneLine(absl::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

void Log(absl::string_view level, absl::string_view message, const LogFields& fields) {
  std::string line;
  if (json_log) {
    line = "{\"ts\":";
    AppendJsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), &line);
    line += ",\"level\":";
    AppendJsonString(level, &line);
    line += ",\"msg\":";
    AppendJsonString(OneLine(message), &line);
    for (const auto& [key, value] : fields) {
      if (value.empty()) continue;  // a field without a value says nothing
      line += ',';
      AppendJsonString(key, &line);
      line += ':';
      AppendJsonString(OneLine(value), &line);
    }
    line += "}\n";
  } else {
    line = absl::StrCat("sluiced: ", level == "info" ? "" : absl::StrCat(level, ": "), OneLine(message));
    for (const auto& [key, value] : fields) {
      if (!value.empty()) absl::StrAppend(&line, " ", key, "=", OneLine(value));
    }
    line += "\n";
  }
  // One write: lines from different threads do not interleave.
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

void Announce(absl::string_view message, absl::string_view key, absl::string_view value) {
  std::string line;
  if (json_log) {
    line = "{\"ts\":";
    AppendJsonString(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), &line);
    line += ",\"level\":\"info\",\"msg\":";
    AppendJsonString(message, &line);
    line += ',';
    AppendJsonString(key, &line);
    line += ':';
    AppendJsonString(value, &line);
    line += "}\n";
  } else {
    line = absl::StrCat(message, " ", value, "\n");
  }
  ssize_t ignored = write(STDOUT_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace sluice
