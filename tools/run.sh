#!/usr/bin/env bash
# Installs what is missing, builds, and starts sluiced on 127.0.0.1:50051 serving the embedded
# SQLite default (./sluice.db). Extra arguments go to sluiced (see `tools/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
exec bazel run //:sluiced -- "$@"
