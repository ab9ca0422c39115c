#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server on a free loopback port, for tests.
#   tools/db/postgres.sh start DIR   initializes DIR, starts the server, prints its URL
#   tools/db/postgres.sh replica DIR PRIMARY_DIR
#                                    a streaming replica of the server started in PRIMARY_DIR
#                                    (pg_basebackup -R), in DIR on a port of its own; prints its URL
#   tools/db/postgres.sh stop DIR    stops the server started in DIR
#   tools/db/postgres.sh restart DIR restarts it (same port; sessions are cut)
#   tools/db/postgres.sh resume DIR  starts a stopped (or crashed) server again, same port and data
#   tools/db/postgres.sh crash DIR   stops it as a crash would (immediate: no checkpoint, the
#                                    next start recovers from the WAL)
# fsync is off (a throwaway server), but commits reach the OS before they are acknowledged
# (synchronous_commit stays on): a crashed server (crash) loses no acknowledged commit.
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user. It loads
# pg_stat_statements, so that tests can count the statements a call ran.
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
cmd=${1:?start or stop}
dir=${2:?a directory}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

launch() {  # PORT
  as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
    "-p $1 -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_preload_libraries=pg_stat_statements" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_postgres "$BIN/initdb" -D "$dir/data" --no-sync -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    launch "$port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  replica)
    primary=${3:?the directory of the primary}
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # -R writes standby.signal and the primary's address: the copy starts as a hot standby.
    as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres \
      -D "$dir/data" -R -X stream --no-sync >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    launch "$port"
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  resume)
    launch "$(cat "$dir/port")"
    ;;
  crash)
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
  restart)
    as_postgres "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
  stop)
    [ -d "$dir/data" ] && as_postgres "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  *)
    echo "usage: $0 start|stop|restart|resume|crash DIR, or $0 replica DIR PRIMARY_DIR" >&2
    exit 2
    ;;
esac
