// What a piece of code writes to the process's stderr (file descriptor 2), for tests of log lines.
#ifndef SLUICE_TESTS_SUPPORT_CAPTURED_STDERR_H_
#define SLUICE_TESTS_SUPPORT_CAPTURED_STDERR_H_

#include <unistd.h>

#include <cstdio>
#include <string>

namespace sluice::testing {

template <typename Fn>
std::string CapturedStderr(Fn run) {
  std::FILE* file = std::tmpfile();
  const int saved = dup(STDERR_FILENO);
  dup2(fileno(file), STDERR_FILENO);
  run();
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::rewind(file);
  std::string out;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, file)) out.append(buf, n);
  std::fclose(file);
  return out;
}

}  // namespace sluice::testing

#endif  // SLUICE_TESTS_SUPPORT_CAPTURED_STDERR_H_
