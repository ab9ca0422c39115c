#!/usr/bin/env bash
# A throwaway MariaDB 10.11 server on a free loopback port, for tests.
#   tools/db/mariadb.sh start DIR   initializes DIR, starts the server, prints its URL
#   tools/db/mariadb.sh stop DIR    stops the server started in DIR
#   tools/db/mariadb.sh restart DIR restarts it (same port; sessions are cut)
#   tools/db/mariadb.sh resume DIR  starts a stopped (or crashed) server again, same port and data
#   tools/db/mariadb.sh crash DIR   kill -9 (the next start recovers InnoDB from its log)
# The URL names the user `sluice` (password `sluice`), which may create databases.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a directory}

user=$(id -un)
[ "$(id -u)" -eq 0 ] && user=mysql

launch() {  # PORT
  mariadbd --no-defaults --user="$user" --datadir="$dir/data" --socket="$dir/mysqld.sock" \
    --pid-file="$dir/mysqld.pid" --port="$1" --bind-address=127.0.0.1 --skip-name-resolve \
    --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 --max-connections=300 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    >>"$dir/server.log" 2>&1 &
  for _ in $(seq 1 300); do
    mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  cat "$dir/server.log" >&2
  return 1
}

stop() {
  [ -f "$dir/mysqld.pid" ] || return 0
  pid=$(cat "$dir/mysqld.pid")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

case "$cmd" in
  start)
    mkdir -p "$dir/data"
    [ "$(id -u)" -eq 0 ] && chown -R mysql "$dir"
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
      { cat "$dir/install.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    launch "$port"
    mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e \
      "CREATE USER 'sluice'@'%' IDENTIFIED BY 'sluice'; GRANT ALL ON *.* TO 'sluice'@'%';" ||
      { cat "$dir/server.log" >&2; exit 1; }
    echo "mysql://sluice:sluice@127.0.0.1:$port/mysql"
    ;;
  restart)
    stop
    launch "$(cat "$dir/port")"
    ;;
  stop)
    stop
    ;;
  resume)
    launch "$(cat "$dir/port")"
    ;;
  crash)
    pid=$(cat "$dir/mysqld.pid")
    kill -9 "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
    exit 1
    ;;
  *)
    echo "usage: $0 start|stop|restart|resume|crash DIR" >&2
    exit 2
    ;;
esac
