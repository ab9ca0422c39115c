#!/usr/bin/env bash
# Sluice Studio in a real browser: Debian's chromium, headless, driven by puppeteer-core
# (studio_test.cjs) against a sluiced with the HTTP door on, the shop schema registered, migrated
# and seeded through the door. Screenshots go to the test's outputs (bazel-testlogs/.../outputs).
source tests/sh/sluiced.sh

modules="${SLUICE_NODE_MODULES:-$PWD/.cache/node/node_modules}"
[ -d "$modules/puppeteer-core" ] || fail "no puppeteer-core in $modules (tools/install-deps.sh --test installs it)"
chromium="${SLUICE_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || fail "no chromium at $chromium (tools/install-deps.sh --test installs Debian's)"

start_sluiced --plugin-dir lib/plugins --database "default=sqlite:$TEST_TMPDIR/studio.db" --http-listen 127.0.0.1:0 \
  --tokens "admin:studio-admin,data:studio-data"
call() {  # call METHOD JSON: through the door, with the admin token
  curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer studio-admin' \
    --data "$2" "$SLUICED_HTTP/$1"
}
# The shop schema with posts.author_id's reference left out: the relation posts.author alone, no
# foreign key behind it (the lint warns; Studio must draw it so).
schema=$(python3 -c 'import json; s = json.load(open("examples/shop.schema.json"))
[c.pop("references", None) for t in s["tables"] if t["name"] == "posts" for c in t["columns"]]; print(json.dumps(s))')
call sluice.v1.SchemaService/RegisterSchema "{\"schema\": $schema}" >/dev/null
call sluice.v1.MigrationService/Migrate '{"target": {"schema": "shop"}}' >/dev/null
call sluice.schemas.shop.UsersService/Insert '{"rows": [{"id": 1, "email": "ada@example.com", "name": "Ada"},
  {"id": 2, "email": "bob@example.com", "name": "Bob"}]}' >/dev/null
call sluice.schemas.shop.PostsService/Insert '{"rows": [{"id": 10, "authorId": 1, "title": "Engines",
  "metadata": {"tags": ["math", 3.5]}, "cover": "AAEC/w==", "rating": 4.25},
  {"id": 11, "authorId": 1, "title": "Notes"}]}' >/dev/null
call sluice.schemas.shop.UsersService/Update '{"set": {"balance": "12.50"}, "where": {"id": {"eq": 1}}}' >/dev/null

artifacts="${TEST_UNDECLARED_OUTPUTS_DIR:-$TEST_TMPDIR}"
SLUICE_STUDIO_URL="$SLUICED_HTTP/studio/" SLUICE_ADMIN_TOKEN=studio-admin SLUICE_DATA_TOKEN=studio-data \
  SLUICE_ARTIFACTS="$artifacts" SLUICE_CHROMIUM="$chromium" SLUICE_NODE_MODULES="$modules" \
  SLUICE_EXPECT_NO_FK=posts.author,users.posts HOME="$TEST_TMPDIR" node tests/studio/studio_test.cjs
