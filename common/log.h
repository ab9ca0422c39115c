// sluiced's log: one line per event on stderr, as text or as a JSON object (--log-format).
#ifndef SLUICE_COMMON_LOG_H_
#define SLUICE_COMMON_LOG_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace sluice {

using LogFields = std::vector<std::pair<std::string, std::string>>;

// JSON lines from now on (else `sluiced: message key=value ...`).
void SetJsonLog(bool json);
bool JsonLog();

// A line on stdout for scripts (`sluiced listening on ADDRESS`): as is, or with --log-format json
// a JSON object {"ts", "level", "msg": message, key: value}.
void Announce(absl::string_view message, absl::string_view key, absl::string_view value);

// `level`: info, warning, error. Thread-safe; one write per line.
void Log(absl::string_view level, absl::string_view message, const LogFields& fields = {});

}  // namespace sluice

#endif  // SLUICE_COMMON_LOG_H_
