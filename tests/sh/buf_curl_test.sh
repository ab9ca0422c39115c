#!/usr/bin/env bash
# `buf curl` (a real external gRPC client, npm @bufbuild/buf) talks to sluiced through server
# reflection alone: lists the services, checks Health, registers a schema, migrates, inserts and
# selects. These are the README's commands.
source tests/sh/sluiced.sh

[ -n "${SLUICE_BUF:-}" ] && [ -x "$SLUICE_BUF" ] ||
  fail "SLUICE_BUF must name the buf binary (tools/test.sh installs it and sets it)"
start_sluiced --plugin-dir lib/plugins --database "default=sqlite:$TEST_TMPDIR/buf.db"
buf() { "$SLUICE_BUF" curl --protocol grpc --http2-prior-knowledge "$@"; }
url="http://$SLUICED_ADDR"

services=$(buf --list-services "$url")
for s in sluice.v1.SchemaService sluice.v1.QueryService sluice.v1.MigrationService \
         sluice.v1.AdminService grpc.health.v1.Health; do
  expect_contains "$services" "$s"
done
expect_contains "$(buf "$url/grpc.health.v1.Health/Check")" '"status": "SERVING"'

registered=$({ echo '{"schema":'; cat examples/shop.schema.json; echo '}'; } |
  buf -d @- "$url/sluice.v1.SchemaService/RegisterSchema")
expect_contains "$registered" '"version": 1'
expect_contains "$(buf -d '{"target": {"schema": "shop"}}' "$url/sluice.v1.MigrationService/Migrate")" '"0000_initial_v1"'

inserted=$(buf -d '{"target": {"schema": "shop"}, "insert": {"table": "users",
  "rows": [{"values": {"email": {"string_value": "ada@example.com"}, "name": {"string_value": "Ada"}}}],
  "returning": ["id"]}}' "$url/sluice.v1.QueryService/Insert")
expect_contains "$inserted" '"intValue": "1"'

# The README's select, and its reply exactly as the README shows it.
selected=$(buf -d '{"target": {"schema": "shop"}, "select": {"table": "users",
  "columns": [{"expression": {"column": {"name": "id"}}}, {"expression": {"column": {"name": "email"}}}]}}' \
  "$url/sluice.v1.QueryService/Select")
readme_reply=$(awk '/^`buf curl` prints the reply/ {found = 1} found && /^```json$/ {inside = 1; next}
                    inside && /^```$/ {exit} inside {print}' README.md)
[ -n "$readme_reply" ] || fail "README.md has no buf curl reply block"
[ "$selected" = "$readme_reply" ] || fail "the select's reply differs from README.md's:
$selected"

# A bad request fails with INVALID_ARGUMENT (buf exits with code × 8) and the field path.
set +e
error=$(buf -d '{"target": {"schema": "shop"}, "select": {"table": "users", "where": {"eq": {"left": {"column": {"name": "nope"}}, "right": {"value": {"int_value": "1"}}}}}}' \
  "$url/sluice.v1.QueryService/Select" 2>&1)
code=$?
set -e
[ "$code" -eq 24 ] || fail "expected exit 24 (INVALID_ARGUMENT), got $code: $error"
expect_contains "$error" 'select.where.eq.left.column.name'
stop_sluiced

# The README's typed API commands, on a fresh database: the typed services are listed and called
# through reflection alone, and the Find's reply is the README's.
start_sluiced --plugin-dir lib/plugins --database "default=sqlite:$TEST_TMPDIR/buf_typed.db"
url="http://$SLUICED_ADDR"
{ echo '{"schema":'; cat examples/shop.schema.json; echo '}'; } |
  buf -d @- "$url/sluice.v1.SchemaService/RegisterSchema" >/dev/null
expect_contains "$(buf --list-services "$url")" "sluice.schemas.shop.UsersService"
buf -d '{"target": {"schema": "shop"}}' "$url/sluice.v1.MigrationService/Migrate" >/dev/null
inserted=$(buf -d '{"rows": [{"email": "ada@example.com", "name": "Ada", "role": "ROLE_ADMIN", "balance": "12.50",
  "createdAt": "2024-02-29T13:45:00Z"}], "returning": {"columns": ["USERS_COLUMN_ID"]}}' \
  "$url/sluice.schemas.shop.UsersService/Insert")
expect_contains "$inserted" '"rowsAffected": "1"'
found=$(buf -d '{"where": {"email": {"eq": "ada@example.com"}}}' "$url/sluice.schemas.shop.UsersService/Find")
readme_found=$(awk '/^The last answers:$/ {found = 1} found && /^```json$/ {inside = 1; next}
                    inside && /^```$/ {exit} inside {print}' README.md)
[ -n "$readme_found" ] || fail "README.md has no typed Find reply block"
[ "$found" = "$readme_found" ] || fail "the typed Find's reply differs from README.md's:
$found"
# A string for an integer column: buf refuses it before sending (the types are the schema's).
set +e
typo=$(buf -d '{"where": {"id": {"eq": "one"}}}' "$url/sluice.schemas.shop.UsersService/Find" 2>&1)
code=$?
set -e
[ "$code" -ne 0 ] || fail "buf sent a string for an integer column"
expect_contains "$typo" 'id'
stop_sluiced

# The README's operator commands, against a server that requires tokens.
ADMIN_TOKEN=an-admin-token-for-the-test
start_sluiced --plugin-dir lib/plugins --tokens "admin:$ADMIN_TOKEN,data:a-data-token" --database "default=sqlite:$TEST_TMPDIR/buf_auth.db"
url="http://$SLUICED_ADDR"
{ echo '{"schema":'; cat examples/shop.schema.json; echo '}'; } |
  buf -H "authorization: Bearer $ADMIN_TOKEN" -d @- "$url/sluice.v1.SchemaService/RegisterSchema" >/dev/null
expect_contains "$(buf -H "authorization: Bearer $ADMIN_TOKEN" -d '{"target": {"schema": "shop"}}' "$url/sluice.v1.MigrationService/Status")" '"drift"'
expect_contains "$(buf -H "authorization: Bearer $ADMIN_TOKEN" "$url/sluice.v1.AdminService/ListDatabases")" '"name": "default"'
expect_contains "$(buf "$url/grpc.health.v1.Health/Check")" '"status": "SERVING"'
expect_contains "$(buf -d '{"service": "sluice.ready"}' "$url/grpc.health.v1.Health/Check")" '"status": "SERVING"'
set +e
denied=$(buf -H "authorization: Bearer a-data-token" "$url/sluice.v1.AdminService/ListDatabases" 2>&1)
code=$?
unauthenticated=$(buf "$url/sluice.v1.AdminService/ListDatabases" 2>&1)
code2=$?
set -e
[ "$code" -eq 56 ] || fail "a data token on an admin call: expected exit 56 (PERMISSION_DENIED), got $code: $denied"
[ "$code2" -eq 128 ] || fail "no token: expected exit 128 (UNAUTHENTICATED), got $code2: $unauthenticated"
echo "buf_curl_test: 2 passed, 0 failed"
