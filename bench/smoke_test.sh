#!/usr/bin/env bash
# The benchmark's CI smoke run (benchmarks are not tests): a small seed in a fresh database on
# the test PostgreSQL, the same rows from sluiced and the Drizzle peer, every request kind
# through sluiced for two seconds and through Drizzle (in process, over HTTP) for one, and the
# raw baselines through pgbench.
source tests/sh/sluiced.sh

[ -n "${SLUICE_TEST_POSTGRES_URL:-}" ] || fail "SLUICE_TEST_POSTGRES_URL is not set: run through tools/test.sh"
db="bench_smoke_$$_$RANDOM"
psql -q "$SLUICE_TEST_POSTGRES_URL" -c "CREATE DATABASE $db"
url="${SLUICE_TEST_POSTGRES_URL%/*}/$db"
start_sluiced --plugin-dir lib/plugins --pool-size 4 --database "default=$url"
sluice() { tools/sluice/sluice --addr "$SLUICED_ADDR" "$@"; }
sluice register bench/northwind.schema.json >/dev/null
sluice migrate northwind >/dev/null
/usr/bin/python3 bench/seed.py --rows 3700 | psql -q "$url" >/dev/null
sizes=$(/usr/bin/python3 bench/seed.py --rows 3700 --sizes)

kinds=customer_by_id,customers_by_name,products_page,order_with_details,employee_with_orders,insert_order,update_product

# Drizzle ORM, the peer (npm packages in SLUICE_NODE_MODULES): the same rows as sluiced, in
# process and behind its HTTP server, before the inserts below change what the reads see.
[ -d "${SLUICE_NODE_MODULES:-}/drizzle-orm" ] || fail "SLUICE_NODE_MODULES has no drizzle-orm (tools/install-deps.sh --test)"
drizzle() { node bench/drizzle/load.cjs "$@"; }
node bench/drizzle/load.cjs --serve --url "$url" --sizes "$sizes" --pool 2 >"$TEST_TMPDIR/drizzle_http.out" &
http_pid=$!
trap 'kill $http_pid 2>/dev/null; stop_sluiced' EXIT  # and sluiced, as start_sluiced's trap did
for _ in $(seq 50); do grep -q listening "$TEST_TMPDIR/drizzle_http.out" && break; sleep 0.1; done
http_url="http://127.0.0.1:$(awk '{print $2}' "$TEST_TMPDIR/drizzle_http.out")"
bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --check true >"$TEST_TMPDIR/sluice_rows.json"
drizzle --check --url "$url" >"$TEST_TMPDIR/drizzle_rows.json"
drizzle --check --http "$http_url" >"$TEST_TMPDIR/drizzle_http_rows.json"
/usr/bin/python3 bench/same_rows.py "$TEST_TMPDIR/sluice_rows.json" "$TEST_TMPDIR/drizzle_rows.json" ||
  fail "sluiced and Drizzle return different rows"
/usr/bin/python3 bench/same_rows.py "$TEST_TMPDIR/sluice_rows.json" "$TEST_TMPDIR/drizzle_http_rows.json" ||
  fail "sluiced and Drizzle over HTTP return different rows"
for peer in "--url $url" "--http $http_url"; do
  # shellcheck disable=SC2086 # two words on purpose
  report=$(drizzle $peer --sizes "$sizes" --kinds "$kinds" --concurrency 2 --seconds 1) ||
    fail "the Drizzle peer ($peer) exited $?: $report"
  echo "$report"
  for kind in ${kinds//,/ }; do expect_contains "$report" "\"kind\":\"$kind\""; done
  expect_contains "$report" '"errors":0,"seconds"'
done
report=$(bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --kinds "$kinds" --concurrency 4 --seconds 2 \
  --pid "$SLUICED_PID") || fail "bench/load exited $?: $report"
echo "$report"
for kind in ${kinds//,/ }; do expect_contains "$report" "\"kind\": \"$kind\""; done
expect_contains "$report" '"errors": 0, "seconds"'
# The same reads through the typed API (run.py's typed against generic).
typed=$(bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --kinds typed_customer_by_id,typed_order_with_details \
  --concurrency 2 --seconds 1) || fail "bench/load typed exited $?: $typed"
expect_contains "$typed" '"kind": "typed_customer_by_id"'
expect_contains "$typed" '"kind": "typed_order_with_details"'
expect_contains "$typed" '"errors": 0, "seconds"'
# The planned-only point selects (run.py's ceiling of the gRPC path).
planned=$(bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --kinds customer_by_id --to-sql true --concurrency 2 \
  --seconds 1) || fail "bench/load --to-sql exited $?: $planned"
expect_contains "$planned" '"kind": "customer_by_id"'
expect_contains "$planned" '"errors": 0, "seconds"'

# The raw baselines run.py measures: the generated statements (as bench/load writes them) and
# the hand-written order with details, with run.py's pgbench flags.
orders=$(/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["orders"])' "$sizes")
for kind in order_with_details insert_order; do
  bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --pgbench "$kind" >"$TEST_TMPDIR/$kind.sql"
done
for script in "$TEST_TMPDIR/order_with_details.sql" "$TEST_TMPDIR/insert_order.sql" bench/order_with_details.sql; do
  pgbench=$(/usr/lib/postgresql/15/bin/pgbench -n -M prepared -c 2 -j 1 -T 1 -D seq=0 -D base=100000000 -D "orders=$orders" \
    -f "$script" "$url" 2>&1) || fail "pgbench $script: $pgbench"
  expect_contains "$pgbench" "number of failed transactions: 0"
done
echo "smoke_test: 1 passed, 0 failed"
