# Shell helpers for tests that drive a real sluiced (sourced, not run).
# start_sluiced ARGS...: starts server/sluiced on a free loopback port; sets SLUICED_PID,
# SLUICED_ADDR (HOST:PORT) and, with --http-listen, SLUICED_HTTP (http://HOST:PORT); stops it on exit.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

start_sluiced() {
  local log="${TEST_TMPDIR:-/tmp}/sluiced.$$.log" out="${TEST_TMPDIR:-/tmp}/sluiced.$$.out"
  server/sluiced --listen 127.0.0.1:0 "$@" >"$out" 2>"$log" &
  SLUICED_PID=$!
  trap 'stop_sluiced' EXIT
  for _ in $(seq 1 200); do
    if grep -q '^sluiced listening on ' "$out"; then
      SLUICED_ADDR=$(sed -n 's/^sluiced listening on //p' "$out")
      case " $* " in
        *" --http-listen "*) grep -q '^sluiced http on ' "$out" || { sleep 0.05; continue; } ;;
      esac
      SLUICED_HTTP="http://$(sed -n 's/^sluiced http on //p' "$out")"
      return 0
    fi
    kill -0 "$SLUICED_PID" 2>/dev/null || { cat "$log" >&2; fail "sluiced exited"; }
    sleep 0.05
  done
  cat "$log" >&2
  fail "sluiced did not start"
}

stop_sluiced() {
  if [ -n "${SLUICED_PID:-}" ]; then
    kill -TERM "$SLUICED_PID" 2>/dev/null || true
    wait "$SLUICED_PID" 2>/dev/null || true
    SLUICED_PID=
  fi
}

# expect_contains HAYSTACK NEEDLE
expect_contains() {
  case "$1" in
    *"$2"*) ;;
    *) echo "$1" >&2; fail "expected the output above to contain: $2" ;;
  esac
}
