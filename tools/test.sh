#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test. Exits non-zero on any
# failure. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh --test

# Real database servers for the end-to-end suite, in throwaway folders; a server that does not
# start fails the run.
servers=$(mktemp -d /tmp/sluice-test.XXXXXX)
chmod 755 "$servers"
cleanup() {
  [ -n "${control_pid:-}" ] && kill "$control_pid" 2>/dev/null
  tools/db/pgbouncer.sh stop "$servers/pgbouncer"
  tools/db/postgres.sh stop "$servers/replica"
  tools/db/postgres.sh stop "$servers/postgres"
  tools/db/mariadb.sh stop "$servers/mariadb"
  rm -rf "$servers"
}
trap cleanup EXIT
postgres_url=$(tools/db/postgres.sh start "$servers/postgres")
echo "test: PostgreSQL at $postgres_url"
# A streaming replica of it (tests/e2e/replica_test: reads routed to replicas).
replica_url=$(tools/db/postgres.sh replica "$servers/replica" "$servers/postgres")
echo "test: PostgreSQL replica at $replica_url"
mysql_url=$(tools/db/mariadb.sh start "$servers/mariadb")
echo "test: MariaDB at $mysql_url"
# PgBouncer in transaction pooling mode in front of that PostgreSQL (tests/e2e/pgbouncer_test, and
# the parameterised suites once more below).
bouncer_url=$(tools/db/pgbouncer.sh start "$servers/pgbouncer" "$postgres_url")
echo "test: PgBouncer at $bouncer_url"

# Tests that restart, stop, resume or crash a server ask this script to (a server started by a
# test would be a child of the test, and the test runner ends the test's processes): a line
# `VERB postgres`, `VERB replica` (the PostgreSQL replica) or `VERB mariadb` (VERB: restart, stop,
# resume, crash; see tools/db/) written to
# $servers/control is answered with the exit code on $servers/control.done.
mkfifo "$servers/control" "$servers/control.done"
chmod 666 "$servers/control" "$servers/control.done"
(
  while read -r verb server <"$servers/control"; do
    code=2
    case "$verb $server" in
      "restart "* | "stop "* | "resume "* | "crash "*)
        case "$server" in
          postgres | mariadb) tools/db/"$server".sh "$verb" "$servers/$server" && code=0 || code=1 ;;
          replica) tools/db/postgres.sh "$verb" "$servers/replica" && code=0 || code=1 ;;
        esac
        ;;
    esac
    echo "$code" >"$servers/control.done"
  done
) &
control_pid=$!

log=$(mktemp)
status=0
checks_passed=0
checks_failed=0
# Checks outside Bazel, each a line `check NAME PASSED|FAILED` counted with the tests.
check() {
  local name=$1
  shift
  if "$@"; then
    echo "check $name PASSED"
    checks_passed=$((checks_passed + 1))
  else
    echo "check $name FAILED"
    checks_failed=$((checks_failed + 1))
    status=1
  fi
}
check api tools/check-api.sh
check format tools/check-format.sh
env=(
  --test_env=SLUICE_BUF="$PWD/.cache/node/node_modules/.bin/buf"
  --test_env=SLUICE_NODE_MODULES="$PWD/.cache/node/node_modules"
  --test_env=SLUICE_TEST_DIALECTS=sqlite,postgres,mysql
  --test_env=SLUICE_TEST_MYSQL_URL="$mysql_url"
  --test_env=SLUICE_TEST_POSTGRES_URL="$postgres_url"
  --test_env=SLUICE_TEST_POSTGRES_REPLICA_URL="$replica_url"
  --test_env=SLUICE_TEST_PGBOUNCER_URL="$bouncer_url"
  --test_env=SLUICE_TEST_CONTROL="$servers/control"
)
bazel test //... "${env[@]}" 2>&1 | tee "$log" || status=1
# The parameterised end-to-end suites once more on PostgreSQL behind PgBouncer in transaction
# pooling mode, sluiced using unnamed statements (`?sluice_statements=unnamed`), as a deployment
# with a connection pooler runs.
bouncer_env=()
for e in "${env[@]}"; do
  case "$e" in
    --test_env=SLUICE_TEST_DIALECTS=* | --test_env=SLUICE_TEST_POSTGRES_URL=*) ;;
    *) bouncer_env+=("$e") ;;
  esac
done
bazel test //tests/e2e:e2e_test //tests/e2e:query_builder_test //tests/e2e:relational_test //tests/e2e:migrations_test \
  "${bouncer_env[@]}" --test_env=SLUICE_TEST_DIALECTS=postgres \
  --test_env=SLUICE_TEST_POSTGRES_URL="$bouncer_url?sluice_statements=unnamed" 2>&1 |
  sed -u 's/^\(\/\/[^ ]*\) /\1 (pgbouncer) /' | tee -a "$log" || status=1
# The C++ tests once more under AddressSanitizer + UndefinedBehaviorSanitizer (.bazelrc's asan):
# the unit tests and the end-to-end suites, sluiced in process and as its own process. Not the
# pool-of-one twins (the same code), the database restarts and faults (timing, run above), nor
# the script and client tests (no C++ of ours runs there but sluiced, covered here) but those of
# the HTTP door and Studio, the only ones that reach sluiced's HTTP code.
asan_tests=$(bazel query 'kind(cc_test, //tests/...) except attr(tags, exclusive, //tests/...) except filter("_pool1$", //tests/...)' 2>/dev/null)
asan_tests+=" //tests/python:python_http_door_test //tests/studio:studio_test"
echo "test: under AddressSanitizer + UndefinedBehaviorSanitizer:" $asan_tests
# shellcheck disable=SC2086
bazel test --config=asan $asan_tests "${env[@]}" 2>&1 | sed -u 's/^\(\/\/[^ ]*\) /\1 (asan) /' | tee -a "$log" ||
  status=1
# libFuzzer over each target of tests/fuzz, 30 s each from its seed corpus (clang, ASan + UBSan).
check fuzz tools/fuzz.sh 30
[ "${CI:-}" = "true" ] && bazel shutdown

passed=$(($(grep -cE '^//.* PASSED' "$log" || true) + checks_passed))
failed=$(($(grep -cE '^//.* (FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)' "$log" || true) + checks_failed))
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # a build failure
echo "${passed} passed, ${failed} failed"
exit "$status"
