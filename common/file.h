// Reading and writing a whole file: config files, certificates, schema and migration files.
#ifndef SLUICE_COMMON_FILE_H_
#define SLUICE_COMMON_FILE_H_

#include <string>

namespace sluice {

// The whole of `path` into `*contents`; false when it cannot be opened.
bool ReadFile(const std::string& path, std::string* contents);

// `contents` as the whole of `path` (made or replaced); false when it cannot be written.
bool WriteFile(const std::string& path, const std::string& contents);

}  // namespace sluice

#endif  // SLUICE_COMMON_FILE_H_
