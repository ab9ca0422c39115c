// The migrations-folder reader (`sluice migrate DIR`, the ConfigMap volume): the input, split at
// the byte 0x00, becomes meta/_journal.json, 0000_a.sql, 0001_b.sql and meta/0000_snapshot.json
// of a fresh folder; reading it answers migrations or problems, never a crash.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_target.h"
#include "tools/sluice/migrations_folder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sluice_folder_fuzz_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "meta");
  const std::vector<std::filesystem::path> files = {dir / "meta" / "_journal.json", dir / "0000_a.sql",
                                                    dir / "0001_b.sql", dir / "meta" / "0000_snapshot.json"};
  const std::string input(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  for (const auto& file : files) {
    const size_t end = std::min(input.find('\0', start), input.size());
    std::ofstream(file, std::ios::binary) << input.substr(start, end - start);
    if (end >= input.size()) break;
    start = end + 1;
  }
  sluice::cli::Folder folder;
  (void)sluice::cli::ReadFolder(dir.string(), &folder);
  return 0;
}
