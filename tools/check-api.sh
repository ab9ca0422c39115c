#!/usr/bin/env bash
# The API's rules: buf lint (proto/buf.yaml), and buf breaking against the commit that declared
# sluice.v1 stable (the one that added proto/buf.yaml), so that no later commit breaks clients.
set -euo pipefail
cd "$(dirname "$0")/.."
buf="$PWD/.cache/node/node_modules/.bin/buf"
[ -x "$buf" ] || { echo "check-api: $buf is missing (tools/install-deps.sh --test installs it)" >&2; exit 1; }
(cd proto && "$buf" lint)
if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = "true" ]; then
  echo "check-api: a shallow clone has no history to compare with; buf breaking not run" >&2
  exit 0
fi
stable=$(git log --diff-filter=A --format=%H -- proto/buf.yaml | tail -n 1)
if [ -z "$stable" ]; then
  echo "check-api: proto/buf.yaml is not committed yet; buf breaking compares with the commit that adds it"
  exit 0
fi
(cd proto && "$buf" breaking --against "$(git rev-parse --show-toplevel)/.git#ref=$stable,subdir=proto")
echo "check-api: buf lint clean; no breaking change since $stable"
