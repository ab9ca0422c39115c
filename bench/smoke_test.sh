#!/usr/bin/env bash
# The benchmark's CI smoke run (benchmarks are not tests): a small seed in a fresh database on
# the test PostgreSQL, every request kind through sluiced for two seconds, and one kind's
# statement through pgbench (the raw baseline) for one.
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
report=$(bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --kinds "$kinds" --concurrency 4 --seconds 2 --pid "$SLUICED_PID")
echo "$report"
for kind in ${kinds//,/ }; do expect_contains "$report" "\"kind\": \"$kind\""; done
expect_contains "$report" '"errors": 0, "seconds"'
# The planned-only point selects (run.py's ceiling of the gRPC path).
planned=$(bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --kinds customer_by_id --to-sql true --concurrency 2 --seconds 1)
expect_contains "$planned" '"kind": "customer_by_id"'
expect_contains "$planned" '"errors": 0, "seconds"'

# The raw baselines run.py measures: the generated statements (as bench/load writes them) and
# the hand-written order with details, with run.py's pgbench flags.
orders=$(/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.argv[1])["orders"])' "$sizes")
for kind in order_with_details insert_order; do
  bench/load --addr "$SLUICED_ADDR" --sizes "$sizes" --pgbench "$kind" >"$TEST_TMPDIR/$kind.sql"
done
for script in "$TEST_TMPDIR/order_with_details.sql" "$TEST_TMPDIR/insert_order.sql" bench/order_with_details.sql; do
  pgbench=$(/usr/lib/postgresql/15/bin/pgbench -n -M prepared -c 2 -j 1 -T 1 -D seq=0 -D "orders=$orders" \
    -f "$script" "$url" 2>&1) || fail "pgbench $script: $pgbench"
  expect_contains "$pgbench" "number of failed transactions: 0"
done
echo "smoke_test: 1 passed, 0 failed"
