#!/usr/bin/env bash
# Debian's python3-grpcio imports only under /usr/bin/python3 (not a pyenv python3 on PATH).
set -euo pipefail
export PYTHONPATH="$PWD/tests/python/gen${PYTHONPATH:+:$PYTHONPATH}"
exec /usr/bin/python3 "$@"
