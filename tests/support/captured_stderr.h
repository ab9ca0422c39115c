// What a piece of code writes to the process's stderr (or another file descriptor), for tests of
// log lines.
#ifndef SLUICE_TESTS_SUPPORT_CAPTURED_STDERR_H_
#define SLUICE_TESTS_SUPPORT_CAPTURED_STDERR_H_

#include <unistd.h>

#include <cstdio>
#include <string>

namespace sluice::testing {

template <typename Fn>
std::string CapturedStderr(Fn run, int fd = STDERR_FILENO) {
  std::FILE* file = std::tmpfile();
  const int saved = dup(fd);
  dup2(fileno(file), fd);
  run();
  dup2(saved, fd);
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
