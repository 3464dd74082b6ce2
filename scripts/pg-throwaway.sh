#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a directory of its own, on a free port, for tests and the
# local run. Runs as the "postgres" user when started as root (initdb refuses to run as root).
#
#   scripts/pg-throwaway.sh start DIR   initdb + start; writes DIR/port; creates role and db "webmon"
#   scripts/pg-throwaway.sh stop DIR    fast shutdown (the data stays until DIR is removed)
#   scripts/pg-throwaway.sh restart DIR start again on the same port (for outage tests)
#   scripts/pg-throwaway.sh env DIR     prints PGHOST/PGPORT/PGUSER/PGDATABASE exports
set -euo pipefail

action=${1:?usage: pg-throwaway.sh start|stop|restart|env DIR}
dir=${2:?usage: pg-throwaway.sh start|stop|restart|env DIR}

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pg_bin/initdb" ]] || { echo "pg-throwaway: PostgreSQL server not installed (run scripts/install-deps.sh)" >&2; exit 1; }

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A random port below the ephemeral range (32768+) that nothing listens on yet.
free_port() {
  local port
  for _ in $(seq 50); do
    port=$(shuf -i 20000-32000 -n 1)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "pg-throwaway: no free port found" >&2; return 1
}

start_server() {
  local port=$1
  as_owner "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null
}

case "$action" in
  start)
    mkdir -p "$dir/socket"
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$dir"
    if [[ ! -d "$dir/data" ]]; then
      as_owner "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    # Another process may take the port between the check and the start: try a few.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      start_server "$port" && break
      [[ $attempt -eq 5 ]] && { echo "pg-throwaway: cannot start; see $dir/server.log" >&2; exit 1; }
    done
    echo "$port" > "$dir/port"
    as_owner "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE webmon LOGIN PASSWORD 'webmon'" -c "CREATE DATABASE webmon OWNER webmon" >/dev/null
    echo "pg-throwaway: PostgreSQL on 127.0.0.1:$port (data in $dir/data, log $dir/server.log)"
    ;;
  stop)
    [[ -d "$dir/data" ]] && as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
  restart)
    start_server "$(cat "$dir/port")"
    ;;
  env)
    echo "export PGHOST=127.0.0.1 PGPORT=$(cat "$dir/port") PGUSER=webmon PGDATABASE=webmon PGPASSWORD=webmon"
    ;;
  *)
    echo "pg-throwaway: unknown action $action" >&2; exit 2 ;;
esac
