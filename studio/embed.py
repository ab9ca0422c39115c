#!/usr/bin/env python3
"""Writes studio_files.cc: the files named on the command line as byte arrays, found by name."""
import os
import sys

TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


def main(out, files):
    lines = ['#include "studio/studio_files.h"', "", "#include <map>", "#include <string>", "",
             "namespace sluice::studio {", "namespace {", ""]
    entries = []
    for i, path in enumerate(sorted(files, key=os.path.basename)):
        with open(path, "rb") as f:
            data = f.read()
        name = os.path.basename(path)
        body = ",".join(str(b) for b in data)
        lines.append(f"const unsigned char kFile{i}[] = {{{body}}};  // {name}")
        entries.append((name, TYPES[os.path.splitext(name)[1]], i, len(data)))
    lines += ["", "}  // namespace", "",
              "const File* Find(absl::string_view path) {",
              "  static const auto* files = new std::map<std::string, File, std::less<>>{"]
    for name, content_type, i, size in entries:
        lines.append(f'      {{"{name}", {{"{content_type}", '
                     f"absl::string_view(reinterpret_cast<const char*>(kFile{i}), {size})}}}},")
    lines += ["  };", "  auto it = files->find(path);", "  return it == files->end() ? nullptr : &it->second;", "}",
              "", "}  // namespace sluice::studio", ""]
    with open(out, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
