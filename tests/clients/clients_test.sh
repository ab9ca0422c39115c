#!/usr/bin/env bash
# The example clients in other languages (examples/python_client.py with Debian's
# python3-grpcio, examples/node_client.js with @grpc/grpc-js) against a real sluiced that
# requires tokens: each registers, migrates, inserts and reads related rows.
source tests/sh/sluiced.sh

[ -n "${SLUICE_NODE_MODULES:-}" ] && [ -d "$SLUICE_NODE_MODULES/@grpc/grpc-js" ] ||
  fail "SLUICE_NODE_MODULES must name the node_modules with @grpc/grpc-js (tools/test.sh installs it and sets it)"
start_sluiced --plugin-dir lib/plugins --tokens admin:client-admin-token --database "default=sqlite:$TEST_TMPDIR/clients.db"

# As the README says: run from any folder, the script makes its own stubs (into a folder it creates).
python=$(cd "$TEST_TMPDIR" && SLUICE_PYTHON_STUBS="$TEST_TMPDIR/stubs" /usr/bin/python3 "$OLDPWD/examples/python_client.py" \
  "$SLUICED_ADDR" client-admin-token)
[ -f "$TEST_TMPDIR/stubs/sluice/v1/query_service_pb2_grpc.py" ] || fail "the Python example made no stubs"
expect_contains "$python" '[{"name":"Ada","balance":"12.50","articles":[{"title":"From Python","comments":[{"body":"hi","likes":2}]}]}]'

node=$(NODE_PATH="$SLUICE_NODE_MODULES" node examples/node_client.js "$SLUICED_ADDR" client-admin-token)
expect_contains "$node" '[{"name":"Bob","balance":"0.10","articles":[{"title":"From Node","comments":[]}]}]'

# Without the token, the client is turned away.
set +e
refused=$(NODE_PATH="$SLUICE_NODE_MODULES" node examples/node_client.js "$SLUICED_ADDR" 2>&1)
code=$?
set -e
[ "$code" -eq 1 ] || fail "the node client without a token exited $code"
expect_contains "$refused" "node client: 16"
echo "clients_test: 3 passed, 0 failed"
