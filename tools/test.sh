#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test. Exits non-zero on any
# failure. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test

log=$(mktemp)
status=0
bazel test //... \
  --test_env=SLUICE_BUF="$PWD/.cache/node/node_modules/.bin/buf" \
  2>&1 | tee "$log" || status=$?
[ "${CI:-}" = "true" ] && bazel shutdown

passed=$(grep -cE '^//.* PASSED' "$log" || true)
failed=$(grep -cE '^//.* (FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log" || true)
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a build failure
echo "${passed} passed, ${failed} failed"
exit "$status"
