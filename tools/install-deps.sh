#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Sluice needs on Debian 12, from Debian's
# packages and the npm registry. Installs only what is missing; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(
  bazel-bootstrap bazel-rules-java g++ pkg-config
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto libabsl-dev
  libssl-dev libsqlite3-dev libpq-dev default-libmysqlclient-dev libboost-dev libboost-filesystem-dev libcli11-dev
  libmimalloc-dev
)
TEST_PACKAGES=(libgtest-dev libgmock-dev clang-format clang libclang-rt-14-dev python3-grpcio python3-protobuf python3-yaml openssl curl nodejs npm postgresql-15
  mariadb-server pgbouncer chromium)
# npm packages for the tests (installed into .cache/node, never committed): buf curl, the Node
# client example's gRPC libraries, Drizzle ORM with node-postgres (the benchmark's peer),
# TypeScript (tsc checks a client typed from the schema's generated .proto), and puppeteer-core
# (drives Debian's chromium through Studio; it downloads no browser).
NPM_PACKAGES=(@bufbuild/buf@1.75.0 @grpc/grpc-js@1.14.7 @grpc/proto-loader@0.8.1 drizzle-orm@0.45.4 pg@8.23.1 typescript@5.9.3
  puppeteer-core@25.19.0)

packages=("${BUILD_PACKAGES[@]}")
with_tests=false
if [ "${1:-}" = "--test" ]; then
  with_tests=true
  packages+=("${TEST_PACKAGES[@]}")
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for p in "${packages[@]}"; do
  # A package counts as present when dpkg has it installed, or (node, npm) its command exists.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if $with_tests; then
  stale=false
  for p in "${NPM_PACKAGES[@]}"; do
    name="${p%@*}" want="${p##*@}"
    have=$(node -p "require('./.cache/node/node_modules/$name/package.json').version" 2>/dev/null || true)
    [ "$have" = "$want" ] || stale=true
  done
  if $stale; then
    echo "install-deps: installing ${NPM_PACKAGES[*]} (npm)"
    mkdir -p .cache/node
    npm install --prefix .cache/node --no-save --no-package-lock --no-audit --no-fund "${NPM_PACKAGES[@]}"
  fi
fi
