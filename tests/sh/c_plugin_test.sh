#!/usr/bin/env bash
# The plugin ABI is really C: a plugin written in plain C99 and compiled by gcc against the one
# header, outside Bazel's C++ rules, is loaded and listed by sluiced; a plugin built for another
# major ABI version is refused with both versions named, while the other dialects are served.
source tests/sh/sluiced.sh

plugins="$TEST_TMPDIR/plugins"
mkdir -p "$plugins"
gcc -std=c99 -pedantic -Wall -Werror -fPIC -shared -I. \
  -o "$plugins/libminimal.so" tests/plugins/minimal_plugin.c
gcc -std=c99 -fPIC -shared -I. -DBROKEN_MAJOR -Wno-unused-function -Wno-unused-variable \
  -o "$plugins/libzz_wrong_major.so" tests/plugins/minimal_plugin.c
cp lib/plugins/libsluice_sqlite.so "$plugins/"

start_sluiced --plugin-dir "$plugins" --database "default=sqlite:$TEST_TMPDIR/c_plugin.db"
listed=$(tools/sluice/sluice --addr "$SLUICED_ADDR" plugins)
expect_contains "$listed" '"name": "minimal"'
expect_contains "$listed" '"version": "1.2.3"'
expect_contains "$listed" '"name": "sqlite"'
expect_contains "$listed" '"abi_major": 1'
minor=$(sed -n 's/^#define SLUICE_DIALECT_ABI_MINOR //p' plugins/sluice_dialect.h)
expect_contains "$listed" "$plugins/libzz_wrong_major.so was built for dialect ABI 2.$minor; this server speaks 1.$minor"

# The refusal did not stop the server: SQLite serves.
tools/sluice/sluice --addr "$SLUICED_ADDR" health >/dev/null || fail "not SERVING"
registered=$(tools/sluice/sluice --addr "$SLUICED_ADDR" register examples/shop.schema.json)
expect_contains "$registered" '"created": true'
echo "c_plugin_test: 1 passed, 0 failed"
