#!/usr/bin/env bash
# A throwaway PgBouncer (Debian's 1.18) in transaction pooling mode on a free loopback port, in
# front of a PostgreSQL server, for tests.
#   tools/db/pgbouncer.sh start DIR POSTGRES_URL   writes its config to DIR, starts it, prints its
#                                                  URL (every database of the server, user postgres)
#   tools/db/pgbouncer.sh stop DIR
# As in production behind PgBouncer, sluiced is told to use unnamed statements
# (`?sluice_statements=unnamed` on its database URL): a transaction pooler gives each transaction
# any server connection, where a named prepared statement may not exist.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a directory}

as_postgres() {  # PgBouncer refuses to run as root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    url=${3:?the PostgreSQL URL}
    server=${url#postgres://*@}
    host=${server%%:*}
    rest=${server#*:}
    pgport=${rest%%/*}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=$host port=$pgport
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = transaction
max_client_conn = 1000
# Fewer server connections than sluiced (and the tests) open: each transaction may run on any
# of them, as under load.
default_pool_size = 3
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
    echo '"postgres" ""' >"$dir/users.txt"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"/*
    as_postgres /usr/sbin/pgbouncer -d "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2; exit 1; }
    for _ in $(seq 50); do
      /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
      sleep 0.1
    done
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
    ;;
  *)
    echo "usage: $0 start DIR POSTGRES_URL | stop DIR" >&2
    exit 2
    ;;
esac
