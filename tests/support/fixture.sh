#!/usr/bin/env bash
# CTest fixtures: the servers the integration tests share, started once per ctest run.
#   fixture.sh pg-start ENVDIR | pg-stop ENVDIR | broker-start ENVDIR BROKER_BIN | broker-stop ENVDIR
#   fixture.sh kafka-start ENVDIR | kafka-stop ENVDIR     (a real three-node Apache Kafka cluster)
# Writes what tests need into ENVDIR: pg.port, pg.dir, broker.bootstrap, broker.pid, and
# kafka/ (the real cluster: kafka/bootstrap, one directory per node).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
action=$1 env_dir=$2
mkdir -p "$env_dir"

case "$action" in
  pg-start)
    # Under /tmp, not the build tree: the postgres user must be able to reach the directory.
    pg_dir=$(mktemp -d /tmp/webmon-test-pg.XXXXXX)
    echo "$pg_dir" > "$env_dir/pg.dir"
    "$root/scripts/pg-throwaway.sh" start "$pg_dir"
    cp "$pg_dir/port" "$env_dir/pg.port"
    ;;
  pg-stop)
    if [[ -f "$env_dir/pg.dir" ]]; then
      pg_dir=$(cat "$env_dir/pg.dir")
      "$root/scripts/pg-throwaway.sh" stop "$pg_dir"
      rm -rf "$pg_dir" "$env_dir/pg.dir" "$env_dir/pg.port"
    fi
    ;;
  broker-start)
    broker_bin=$3
    rm -f "$env_dir/broker.bootstrap"
    nohup "$broker_bin" --partitions 3 --bootstrap-file "$env_dir/broker.bootstrap" \
      >"$env_dir/broker.log" 2>&1 &
    echo $! > "$env_dir/broker.pid"
    for _ in $(seq 100); do [[ -s "$env_dir/broker.bootstrap" ]] && break; sleep 0.1; done
    [[ -s "$env_dir/broker.bootstrap" ]] || { cat "$env_dir/broker.log" >&2; exit 1; }
    echo "dev broker at $(cat "$env_dir/broker.bootstrap")"
    ;;
  broker-stop)
    if [[ -f "$env_dir/broker.pid" ]]; then
      kill "$(cat "$env_dir/broker.pid")" 2>/dev/null || true
      rm -f "$env_dir/broker.pid"
    fi
    ;;
  kafka-start)
    # A cluster left over from an interrupted run is stopped, not reused: its topics and
    # groups belong to tests that are gone.
    "$root/scripts/kafka-cluster.sh" stop "$env_dir/kafka" || true
    rm -rf "$env_dir/kafka"
    "$root/scripts/kafka-cluster.sh" start "$env_dir/kafka" 3
    ;;
  kafka-stop)
    "$root/scripts/kafka-cluster.sh" stop "$env_dir/kafka" || true
    rm -rf "$env_dir/kafka"
    ;;
  *) echo "fixture.sh: unknown action $action" >&2; exit 2 ;;
esac
