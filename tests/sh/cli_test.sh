#!/usr/bin/env bash
# The README's worked example, run with the sluice CLI against a real sluiced.
source tests/sh/sluiced.sh

start_sluiced --plugin-dir lib/plugins --database "default=sqlite:$TEST_TMPDIR/cli.db"
sluice() { tools/sluice/sluice --addr "$SLUICED_ADDR" "$@"; }

expect_contains "$(sluice register examples/shop.schema.json)" '"created": true'
expect_contains "$(sluice schemas)" '"name": "shop"'
expect_contains "$(sluice generate shop)" 'CREATE TABLE \"users\"'
expect_contains "$(sluice --output sql generate shop)" 'CREATE TABLE "users"'  # plain SQL
expect_contains "$(sluice migrate shop)" '"0000_initial_v1"'
expect_contains "$(sluice status shop)" '"name": "0000_initial_v1"'
inserted=$(sluice insert '{"target": {"schema": "shop"}, "insert": {"table": "users",
  "rows": [{"values": {"email": "ada@example.com", "name": "Ada", "balance": "12.50"}}],
  "returning": ["id", "balance", "created_at"]}}')
expect_contains "$inserted" '"int_value": "1"'
expect_contains "$inserted" '"decimal_value": "12.50"'
expect_contains "$inserted" '"timestamp_value": "'
selected=$(sluice select '{"target": {"schema": "shop"}, "select": {"table": "users",
  "where": {"ilike": {"left": {"column": {"name": "email"}}, "right": {"value": "%@EXAMPLE.com"}}},
  "order_by": [{"expression": {"column": {"name": "id"}}, "descending": true}], "limit": 10}}')
expect_contains "$selected" '"string_value": "ada@example.com"'
updated=$(sluice update '{"target": {"schema": "shop"}, "update": {"table": "users", "set": {"name": "Ada L."},
  "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": 1}}}, "returning": ["name"]}}')
expect_contains "$updated" '"string_value": "Ada L."'
# Plain values by the column's type: a UUID, a date, a JSON object, null; the wrapped form too.
posted=$(sluice --output table insert '{"target": {"schema": "shop"}, "insert": {"table": "posts", "rows": [{"values": {
  "author_id": 1, "title": "Notes", "public_id": "8B2C0D8E-1F6B-4C9A-9A57-0C3F1E2D4B5A", "published_on": "2024-02-29",
  "metadata": {"tags": ["a"]}, "body": null, "rating": {"double_value": 4.5}}}],
  "returning": ["public_id", "published_on", "metadata", "body", "rating"]}}')
expect_contains "$posted" '8b2c0d8e-1f6b-4c9a-9a57-0c3f1e2d4b5a | 2024-02-29   | {"tags":["a"]} | NULL | 4.5'
deleted=$(sluice delete '{"target": {"schema": "shop"}, "delete": {"table": "posts", "all_rows": true}}')
expect_contains "$deleted" '"rows_affected": "1"'
deleted=$(sluice delete '{"target": {"schema": "shop"}, "delete": {"table": "users",
  "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": 1}}}}}')
expect_contains "$deleted" '"rows_affected": "1"'
dry=$(sluice select '{"target": {"schema": "shop"}, "to_sql": true, "select": {"table": "users", "limit": "1"}}')
expect_contains "$dry" 'FROM \"users\" LIMIT ?'

# A mistyped flag, a flag without its value, a flag of another command or an extra argument is a
# usage error (exit 2) and sends nothing: `push --dryrun` must not apply.
set +e
typo=$(sluice push shop --dryrun 2>&1)
code=$?
valueless=$(sluice status shop --database 2>&1)
code2=$?
elsewhere=$(sluice migrate shop --dry-run 2>&1)
code3=$?
extra=$(sluice schemas shop 2>&1)
code4=$?
set -e
[ "$code$code2$code3$code4" = "2222" ] || fail "usage errors: expected exit 2 each, got $code $code2 $code3 $code4"
expect_contains "$typo" '--dryrun'
expect_contains "$typo" 'nothing was sent'
expect_contains "$elsewhere" '--dry-run'
expect_contains "$extra" 'not expected: shop'
expect_contains "$(sluice status shop)" '"name": "0000_initial_v1"'  # push --dryrun applied nothing new

# Versions, per-command help, completion from the same definitions.
expect_contains "$(sluice --version)" "sluice 0.2.0 (API sluice.v1, plugin ABI 1.6)"
expect_contains "$(server/sluiced --version)" "sluiced 0.2.0"
expect_contains "$(sluice help push)" "--allow-data-loss"
expect_contains "$(sluice help push)" "--rename-column"
expect_contains "$(sluice completion)" "complete -F _sluice sluice"
expect_contains "$(sluice completion)" "push) words=\"--dry-run --allow-data-loss --rename-table --rename-column"

# --schema fills what a command or request leaves out; --output table, sql and plan; --timeout.
expect_contains "$(sluice --schema shop status)" '"name": "0000_initial_v1"'
sluice insert '{"target": {"schema": "shop"}, "insert": {"table": "users", "rows": [{"values": {"email": {"string_value": "tab@example.com"}, "name": {"string_value": "Tab"}}}]}}' >/dev/null
table=$(sluice --schema shop --output table select '{"select": {"table": "users", "columns": [{"expression": {"column": {"name": "email"}}}, {"expression": {"column": {"name": "name"}}}]}}')
expect_contains "$table" "email           | name"
expect_contains "$table" "tab@example.com | Tab"
expect_contains "$table" "(1 row)"
sql=$(sluice --schema shop --output sql select '{"select": {"table": "users", "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"int_value": "7"}}}}}}')
expect_contains "$sql" 'FROM "users" WHERE ("id" = ?);'
expect_contains "$sql" '-- $1 = 7'
expect_contains "$(sluice --schema shop --output sql find '{"find": {"table": "users", "limit": 1}}')" 'FROM "users"'
# --output plan: EXPLAIN, printed as text; refused (usage, exit 2) where there is no statement.
expect_contains "$(sluice --schema shop --output plan find '{"find": {"table": "users", "limit": 1}}')" 'SCAN users'
set +e
planless=$(sluice --output plan schemas 2>&1)
code=$?
set -e
[ "$code" -eq 2 ] || fail "--output plan schemas: expected exit 2, got $code: $planless"
expect_contains "$planless" "--output plan applies to select, insert, update, delete, find and find-first"
# --timeout: a server that accepts the connection and never answers (a deadline of a microsecond
# is not enough: gRPC keeps deadlines in milliseconds, and a local call may finish within one).
silent_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c "import socket, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $silent_port)); s.listen(4); c = s.accept(); time.sleep(30)" &
silent=$!
sleep 0.3
set +e
late=$(tools/sluice/sluice --addr "127.0.0.1:$silent_port" --timeout 0.5 schemas 2>&1)
code=$?
set -e
kill "$silent" 2>/dev/null || true
[ "$code" -eq 4 ] || fail "--timeout: expected exit 4 (DEADLINE_EXCEEDED), got $code: $late"

# A failed call prints the field violations and exits with the gRPC code (3: INVALID_ARGUMENT).
set +e
error=$(sluice select '{"target": {"schema": "shop"}, "select": {"table": "users", "where": {"eq": {"left": {"column": {"name": "id"}}, "right": {"value": {"string_value": "one"}}}}}}' 2>&1)
code=$?
set -e
[ "$code" -eq 3 ] || fail "expected exit 3, got $code: $error"
expect_contains "$error" 'field select.where.eq.right.value: column `id` is INTEGER and takes int_value, not string_value'
# A schema file in protobuf text format.
cat >"$TEST_TMPDIR/notes.txtpb" <<'SCHEMA'
name: "notes"
tables {
  name: "notes"
  columns { name: "id" type: INTEGER primary_key: true not_null: true auto_increment: true }
  columns { name: "body" type: TEXT not_null: true }
}
SCHEMA
expect_contains "$(sluice register "$TEST_TMPDIR/notes.txtpb")" '"name": "notes"'
expect_contains "$(sluice schema notes)" '"name": "body"'

# A migrations folder: generated, applied, then checked when a file goes missing or strays in.
dir="$TEST_TMPDIR/migrations"
expect_contains "$(sluice generate notes --out "$dir")" "0000_initial_v1.sql (1 statements)"
expect_contains "$(sluice migrate notes "$dir")" '"0000_initial_v1"'
expect_contains "$(sluice check "$dir")" "1 migrations, no problems"
expect_contains "$(sluice generate notes --out "$dir")" "no changes"
expect_contains "$(sluice migrate notes "$dir")" "nothing to apply: 1 migrations of $dir already applied"

# A wrong folder is an error naming it (exit 1), never "0 migrations, no problems".
mkdir -p "$TEST_TMPDIR/empty"
set +e
missing=$(sluice check "$TEST_TMPDIR/no-such-folder" 2>&1)
code=$?
empty=$(sluice migrate notes "$TEST_TMPDIR/empty" 2>&1)
code2=$?
other=$(sluice migrate shop "$dir" 2>&1)
code3=$?
set -e
[ "$code$code2$code3" = "111" ] || fail "wrong folders: expected exit 1 each, got $code $code2 $code3"
expect_contains "$missing" "$TEST_TMPDIR/no-such-folder: no such folder"
expect_contains "$empty" "$TEST_TMPDIR/empty: no migrations here"
expect_contains "$other" "$dir holds the migrations of schema \`notes\`, not of \`shop\`"

# A migration that loses data is refused, naming the flag that explains a rename; nothing is written.
sed 's/name: "body"/name: "text"/' "$TEST_TMPDIR/notes.txtpb" >"$TEST_TMPDIR/notes_v2.txtpb"
# sluice diagram: the README's diagram of the shop schema, exactly (posts.author has no foreign key
# behind it, tags.post has one); dot draws the same; a mistyped format is a usage error.
readme_diagram=$(sed -n '/^<!-- diagram -->$/,/^<!-- \/diagram -->$/p' README.md | sed '1,2d' | head -n -2)
[ "$(sluice diagram shop)" = "$readme_diagram" ] ||
  fail "sluice diagram shop differs from the README's: $(diff <(sluice diagram shop) <(echo "$readme_diagram"))"
dot=$(sluice diagram shop --format dot)
expect_contains "$dot" '"posts" -> "users" [label="fk author_id -> id"];'
expect_contains "$dot" '"posts" -> "users" [label="author (one)", style=dashed, color=blue];'
expect_contains "$dot" '"tags" -> "posts" [label="fk post_id -> id"];'
# The relation only (posts.author_id without its reference): marked, as the lint warns.
python3 -c 'import json, sys; s = json.load(open("examples/shop.schema.json")); s["name"] = "bare"
[c.pop("references", None) for t in s["tables"] for c in t["columns"]]; json.dump(s, sys.stdout)' >"$TEST_TMPDIR/bare.json"
expect_contains "$(sluice register "$TEST_TMPDIR/bare.json")" RELATION_WITHOUT_FOREIGN_KEY
expect_contains "$(sluice diagram bare --format dot)" \
  '"posts" -> "users" [label="author (one, no foreign key)", style=dashed, color=red];'
expect_contains "$(sluice diagram bare)" '  posts }o..|| users : "author (one, no foreign key)"'
set +e
svg=$(sluice diagram shop --format svg 2>&1)
code=$?
missing=$(sluice diagram nosuch 2>&1)
missing_code=$?
set -e
[ "$code" -eq 2 ] || fail "diagram --format svg: expected exit 2, got $code: $svg"
expect_contains "$svg" "svg"
[ "$missing_code" -eq 5 ] || fail "diagram of a schema never registered: expected exit 5 (NOT_FOUND), got $missing_code"

# The typed API: codegen prints the .proto; a column renamed at registration keeps its number.
expect_contains "$(sluice codegen notes)" "string body = 2;"
sluice register "$TEST_TMPDIR/notes_v2.txtpb" --rename-column notes.body=text >/dev/null
expect_contains "$(sluice codegen notes)" "string text = 2;"
mkdir "$TEST_TMPDIR/api"
expect_contains "$(sluice codegen notes --out "$TEST_TMPDIR/api")" "$TEST_TMPDIR/api/buf.gen.yaml"
echo "# mine" >"$TEST_TMPDIR/api/buf.gen.yaml"
[ "$(sluice codegen notes --out "$TEST_TMPDIR/api")" = "$TEST_TMPDIR/api/sluice/schemas/notes.proto" ] ||
  fail "codegen again: expected only the .proto written"
[ "$(cat "$TEST_TMPDIR/api/buf.gen.yaml")" = "# mine" ] || fail "codegen replaced an existing buf.gen.yaml"
set +e
nowhere=$(sluice codegen notes --out "$TEST_TMPDIR/no-such-folder" 2>&1)
code=$?
set -e
[ "$code" -eq 2 ] || fail "codegen --out a missing folder: expected exit 2, got $code: $nowhere"
expect_contains "$nowhere" "no-such-folder"
set +e
lossy=$(sluice generate notes --out "$dir" 2>&1)
code=$?
set -e
[ "$code" -eq 9 ] || fail "generate with data loss: expected exit 9 (FAILED_PRECONDITION), got $code: $lossy"
expect_contains "$lossy" "drop column \`notes.body\`"
expect_contains "$lossy" "(if so: --rename-column notes.body=text)"
expect_contains "$(sluice check "$dir")" "1 migrations, no problems"
expect_contains "$(sluice generate notes --out "$dir" --rename-column notes.body=text)" "0001_changes_v2.sql"
expect_contains "$(sluice migrate notes "$dir")" '"0001_changes_v2"'
# A migration written by hand: generate --custom adds an empty one to fill; the marker line runs
# it outside a transaction; a part that is only comments is no statement.
expect_contains "$(sluice generate notes --out "$dir" --custom backfill)" "0002_backfill.sql (custom: write its SQL there)"
expect_contains "$(cat "$dir/0002_backfill.sql")" "-- sluice:no-transaction"
printf -- '-- sluice:no-transaction\n-- make every text upper case\nUPDATE notes SET text = upper(text)\n--> statement-breakpoint\nCREATE INDEX notes_text ON notes (text)\n' \
  >"$dir/0002_backfill.sql"
checked=$(sluice check "$dir")
expect_contains "$checked" "3 migrations, no problems"
# Reported, not a problem: the folder keeps no rename hints, so clients see a column go.
expect_contains "$checked" 'client-breaking: 0001_changes_v2: column `notes.body` dropped'
expect_contains "$(sluice migrate notes "$dir")" '"0002_backfill"'
expect_contains "$(sluice status notes "$dir")" '"name": "0002_backfill"'
# An applied migration edited afterwards: check says what to do.
printf '\n--> statement-breakpoint\nSELECT 1\n' >>"$dir/0001_changes_v2.sql"
set +e
edited=$(sluice check "$dir")
set -e
expect_contains "$edited" "\`0001_changes_v2\` was edited"
expect_contains "$edited" "restore it from version control"
mv "$dir/0000_initial_v1.sql" "$dir/9999_stray.sql"
set +e
problems=$(sluice check "$dir")
code=$?
set -e
[ "$code" -eq 1 ] || fail "check of a broken folder exited $code"
expect_contains "$problems" "problem: the journal lists \`0000_initial_v1\`, but 0000_initial_v1.sql is missing"
expect_contains "$problems" "problem: 9999_stray.sql is not in the journal"

# Adopting a database made by hand: pull its schema, register it, generate a folder, record it as
# applied with migrate --baseline (nothing runs: the row made by hand stays), then nothing to apply.
stop_sluiced
python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE notes (id INTEGER NOT NULL PRIMARY KEY, body TEXT NOT NULL)'); c.execute(\"INSERT INTO notes VALUES (1, 'by hand')\"); c.commit()" "$TEST_TMPDIR/hand.db"
start_sluiced --plugin-dir lib/plugins --database "default=sqlite:$TEST_TMPDIR/hand.db"
sluice pull --name notes >"$TEST_TMPDIR/hand.schema.json"
sluice register "$TEST_TMPDIR/hand.schema.json" >/dev/null
expect_contains "$(sluice generate notes --out "$TEST_TMPDIR/hand")" "0000_initial_v1.sql"
expect_contains "$(sluice migrate notes "$TEST_TMPDIR/hand" --baseline)" '"baselined": ['
expect_contains "$(sluice migrate notes "$TEST_TMPDIR/hand")" "nothing to apply: 1 migrations"
expect_contains "$(sluice --schema notes --output table select '{"select": {"table": "notes"}}')" "1  | by hand"

# A server that requires tokens: the CLI passes one with --token (or SLUICE_TOKEN).
stop_sluiced
start_sluiced --plugin-dir lib/plugins --tokens admin:cli-admin-token --database "default=sqlite:$TEST_TMPDIR/cli_auth.db"
set +e
refused=$(sluice databases 2>&1)
code=$?
set -e
[ "$code" -eq 16 ] || fail "no token: expected exit 16 (UNAUTHENTICATED), got $code: $refused"
expect_contains "$(sluice --token cli-admin-token databases)" '"name": "default"'
expect_contains "$(SLUICE_TOKEN=cli-admin-token sluice register examples/shop.schema.json)" '"created": true'
# --read primary pins reads (here no replicas: the database answers); a mistyped value is a usage
# error; --claims beside a token without a role is refused by the server.
expect_contains "$(sluice --token cli-admin-token --read primary schemas)" '"name": "shop"'
set +e
misread=$(sluice --token cli-admin-token --read primery schemas 2>&1)
code=$?
claims=$(sluice --token cli-admin-token --claims '{"sub": "ada"}' schemas 2>&1)
code2=$?
set -e
[ "$code" -eq 2 ] || fail "--read primery: expected exit 2 (usage), got $code: $misread"
[ "$code2" -eq 3 ] || fail "--claims without a role: expected exit 3 (INVALID_ARGUMENT), got $code2: $claims"
expect_contains "$claims" "goes with a token that maps to a role"

# A TLS sluiced: the CLI reaches it with the CA's certificate (--tls-ca), and not without.
tls="$TEST_TMPDIR/tls"
mkdir -p "$tls"
(
  cd "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=sluice-cli-ca 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1' >san.ext
  openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=server 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
    -extfile san.ext 2>/dev/null
)
stop_sluiced
start_sluiced --plugin-dir lib/plugins --tls-cert "$tls/server.pem" --tls-key "$tls/server.key" \
  --database "default=sqlite:$TEST_TMPDIR/cli_tls.db" --http-listen 127.0.0.1:0
expect_contains "$(sluice --tls-ca "$tls/ca.pem" health)" '"status": "SERVING"'
set +e
plain=$(sluice --timeout 5 health 2>&1)
code=$?
set -e
[ "$code" -eq 14 ] || fail "a plaintext CLI against a TLS server: expected exit 14 (UNAVAILABLE), got $code: $plain"
# The HTTP door takes the same certificate: HTTPS with the CA, and no plaintext.
https="https://${SLUICED_HTTP#http://}"
expect_contains "$(curl -sS --cacert "$tls/ca.pem" -X POST -H 'Content-Type: application/json' --data '{}' \
  "$https/sluice.v1.SchemaService/ListSchemas")" '{}'
curl -sS --max-time 5 -o /dev/null -X POST --data '{}' "$SLUICED_HTTP/sluice.v1.SchemaService/ListSchemas" 2>/dev/null &&
  fail "plain HTTP answered on a TLS door"
# Mutual TLS (--tls-client-ca) holds for the HTTP door too: no client certificate, no answer.
(
  cd "$tls"
  openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=client 2>/dev/null
  openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 2>/dev/null
)
stop_sluiced
start_sluiced --plugin-dir lib/plugins --tls-cert "$tls/server.pem" --tls-key "$tls/server.key" \
  --tls-client-ca "$tls/ca.pem" --database "default=sqlite:$TEST_TMPDIR/cli_mtls.db" --http-listen 127.0.0.1:0
https="https://${SLUICED_HTTP#http://}"
expect_contains "$(curl -sS --cacert "$tls/ca.pem" --cert "$tls/client.pem" --key "$tls/client.key" -X POST \
  -H 'Content-Type: application/json' --data '{}' "$https/sluice.v1.SchemaService/ListSchemas")" '{}'
curl -sS --max-time 5 --cacert "$tls/ca.pem" -o /dev/null -X POST -H 'Content-Type: application/json' --data '{}' \
  "$https/sluice.v1.SchemaService/ListSchemas" 2>/dev/null && fail "the mutual-TLS door answered without a client certificate"

# sluiced documents its flags and their environment variables.
help=$(server/sluiced --help)
for word in --listen SLUICE_LISTEN --plugin-dir SLUICE_PLUGIN_DIR --database SLUICE_DATABASES; do
  expect_contains "$help" "$word"
done
# ... and the README's table of them lists every one.
for flag in $(echo "$help" | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | grep -v '^--help$'); do
  grep -q -- "\`$flag" README.md || fail "sluiced --help shows $flag, README.md's table of flags does not"
done
echo "cli_test: 1 passed, 0 failed"
