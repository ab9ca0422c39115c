#!/usr/bin/env bash
# Fuzzes each target of tests/fuzz with libFuzzer (clang, AddressSanitizer and
# UndefinedBehaviorSanitizer) for SECONDS each (default 30), starting from its seed corpus.
# Fails on a crash, a sanitizer report, an input that takes over 10 s or a process over 2 GB;
# the input that did it is kept in .cache/fuzz/ (replay it: bazel-bin/tests/fuzz/NAME_fuzz FILE).
#   tools/fuzz.sh [SECONDS]
# The build has an output base of its own (.cache/bazel-fuzz): clang there, gcc for the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
base="$PWD/.cache/bazel-fuzz"
artifacts="$PWD/.cache/fuzz"
mkdir -p "$artifacts"
fuzz_bazel() { bazel --output_base="$base" "$@"; }
fuzz_bazel build --config=fuzz --symlink_prefix=/ //tests/fuzz:all
bin=$(fuzz_bazel info --config=fuzz bazel-bin 2>/dev/null)
status=0
for target in folder json request schema typed; do
  corpus=$(mktemp -d)
  cp tests/fuzz/corpus/"$target"/* "$corpus"/  # the corpus grows in a copy; the seeds stay as committed
  echo "fuzz: $target for ${seconds}s"
  if ! (cd "$bin/tests/fuzz/${target}_fuzz.runfiles/sluice" &&
    "$bin/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$corpus" 2>"$artifacts/$target.log"); then
    tail -60 "$artifacts/$target.log"
    echo "fuzz: $target FAILED (inputs in $artifacts)"
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$artifacts/$target.log" | tail -2
  fi
  rm -rf "$corpus"
done
fuzz_bazel shutdown
exit "$status"
