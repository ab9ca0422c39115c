#!/usr/bin/env bash
# Type inference across languages: TypeScript types generated from the .proto `sluice codegen`
# writes (@grpc/proto-loader's proto-loader-gen-types), checked by tsc. examples/typed_client.ts
# compiles and runs against a real sluiced; the same call with a string for an integer column, or
# with a column the schema lacks, fails tsc.
source tests/sh/sluiced.sh

modules="${SLUICE_NODE_MODULES:-}"
[ -n "$modules" ] && [ -x "$modules/.bin/tsc" ] && [ -d "$modules/@grpc/proto-loader" ] ||
  fail "SLUICE_NODE_MODULES must name the node_modules with typescript and @grpc/proto-loader (tools/test.sh sets it)"
start_sluiced --plugin-dir lib/plugins --tokens admin:ts-admin-token --database "default=sqlite:$TEST_TMPDIR/ts.db"
sluice() { tools/sluice/sluice --addr "$SLUICED_ADDR" --token ts-admin-token "$@"; }
sluice register examples/shop.schema.json >/dev/null
sluice push shop >/dev/null

work="$TEST_TMPDIR/ts"
mkdir -p "$work/api"
sluice codegen shop --out "$work/api" >/dev/null
ln -s "$modules" "$work/node_modules"
cp examples/typed_client.ts "$work/"
cat >"$work/tsconfig.json" <<'JSON'
{"compilerOptions": {"strict": true, "target": "es2020", "module": "commonjs", "moduleResolution": "node",
                     "esModuleInterop": true, "skipLibCheck": true, "types": ["node"]},
 "files": ["typed_client.ts"]}
JSON
cd "$work"
node node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js sluice/schemas/shop.proto -I api -O gen \
  --grpcLib=@grpc/grpc-js --keepCase --enums=String --longs=String >/dev/null 2>&1 ||
  fail "proto-loader-gen-types failed on the generated .proto"

node_modules/.bin/tsc || fail "tsc refused the correct client"
out=$(node typed_client.js "$SLUICED_ADDR" ts-admin-token api)
expect_contains "$out" '{"inserted":[{"id":1}],"found":[{"id":1,"name":"Ada","role":"ROLE_ADMIN"}]}'

# The mistakes tsc must catch: each a one-line change of the correct client.
refused() {  # refused NAME SED_EXPRESSION EXPECTED_ERROR
  sed "$2" typed_client.ts >"$1.ts"
  grep -q . <(diff typed_client.ts "$1.ts") || fail "$1: the change did not apply"
  set +e
  errors=$(node_modules/.bin/tsc --noEmit --strict --esModuleInterop --skipLibCheck --types node \
    --moduleResolution node --module commonjs --target es2020 "$1.ts")
  code=$?
  set -e
  [ "$code" -ne 0 ] || fail "$1: tsc accepted it"
  expect_contains "$errors" "$3"
}
refused string_for_integer "s/rows: \[{email: 'ada@example.com',/rows: [{id: 'seven', email: 'ada@example.com',/" \
  "Type 'string' is not assignable to type 'number'"
refused missing_column "s/name: 'Ada',/nmae: 'Ada',/" "'nmae' does not exist in type 'UsersValues'"
refused wrong_enum "s/role: 'ROLE_ADMIN'/role: 'ADMIN'/" "Type '\"ADMIN\"' is not assignable to type"
echo "typed_ts_test: 4 passed, 0 failed"
