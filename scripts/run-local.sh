#!/usr/bin/env bash
# README command 1: the whole pipeline on this machine, from a fresh clone.
# Installs the Debian packages, builds, starts a throwaway PostgreSQL, then runs the
# development Kafka broker, a local target server, webmon-consumer and webmon-producer under
# supervisord, with a demo config that probes local URLs.
#
#   scripts/run-local.sh [start]   start everything (again, if it was stopped)
#   scripts/run-local.sh --real-kafka
#                                  the same on one real Apache Kafka node instead of the
#                                  development broker (needs Java and Maven: installed too)
#   scripts/run-local.sh status    what is running, and the latest rows
#   scripts/run-local.sh stop      stop everything; the data stays in $WEBMON_RUN_DIR
#   scripts/run-local.sh clean     stop and delete $WEBMON_RUN_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export WEBMON_RUN_DIR=${WEBMON_RUN_DIR:-/tmp/webmon-local}
export WEBMON_BIN_DIR=${WEBMON_BIN_DIR:-$root/build}
export WEBMON_ROOT=$root
supervisor_conf=$root/configs/supervisord.local.conf
ctl() { supervisorctl -c "$supervisor_conf" "$@"; }
running() { [[ -S $WEBMON_RUN_DIR/supervisor.sock ]] && ctl pid >/dev/null 2>&1; }
psql_local() {
  PGPASSWORD=webmon psql -X -h 127.0.0.1 -p "$(cat "$WEBMON_RUN_DIR/pg/port")" -U webmon -d webmon "$@"
}

wait_for_file() {
  for _ in $(seq 100); do [[ -s $1 ]] && return 0; sleep 0.1; done
  echo "run-local: $1 did not appear; see the logs in $WEBMON_RUN_DIR" >&2
  exit 1
}

# Which broker this run directory uses: the first start decides, later ones follow.
broker_mode() { cat "$WEBMON_RUN_DIR/broker.mode" 2>/dev/null || echo dev; }

start_real_kafka() {
  local kafka_dir=$WEBMON_RUN_DIR/kafka
  [[ -f $kafka_dir/nodes ]] || "$root/scripts/kafka-cluster.sh" prepare "$kafka_dir" 1
  ctl start kafka >/dev/null || true
  echo "run-local: waiting for the Kafka node (a JVM: up to a minute)"
  "$root/scripts/kafka-cluster.sh" ready "$kafka_dir" 120
  # Created the way an operator would on a real cluster, where topics are not auto-created.
  if ! kcat -L -b "$(cat "$kafka_dir/bootstrap")" -t webmon.reports 2>/dev/null | grep -q 'leader [0-9]'; then
    "$root/scripts/kafka-cluster.sh" topic "$kafka_dir" webmon.reports 3
  fi
  cp "$kafka_dir/bootstrap" "$WEBMON_RUN_DIR/broker.bootstrap"
}

start() {
  local mode=$1
  if [[ -f $WEBMON_RUN_DIR/broker.mode && $(broker_mode) != "$mode" ]]; then
    echo "run-local: $WEBMON_RUN_DIR already runs with the $(broker_mode) broker; run 'scripts/run-local.sh clean' first to switch" >&2
    exit 2
  fi
  if [[ $mode == real ]]; then
    "$root/scripts/install-deps.sh" --real-kafka
    "$root/scripts/kafka-cluster.sh" fetch >/dev/null
  else
    "$root/scripts/install-deps.sh"
  fi
  echo "run-local: building in $WEBMON_BIN_DIR"
  cmake -S "$root" -B "$WEBMON_BIN_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$WEBMON_BIN_DIR" -j2 --target webmon-producer webmon-consumer webmon-dev-broker \
    webmon-target-server >/dev/null
  mkdir -p "$WEBMON_RUN_DIR"
  echo "$mode" >"$WEBMON_RUN_DIR/broker.mode"

  if [[ -f $WEBMON_RUN_DIR/pg/port ]] && psql_local -qAtc 'SELECT 1' >/dev/null 2>&1; then
    echo "run-local: PostgreSQL already running"
  elif [[ -d $WEBMON_RUN_DIR/pg/data ]]; then
    "$root/scripts/pg-throwaway.sh" restart "$WEBMON_RUN_DIR/pg"
  else
    "$root/scripts/pg-throwaway.sh" start "$WEBMON_RUN_DIR/pg"
  fi

  if running; then
    echo "run-local: supervisord already running"
  else
    rm -f "$WEBMON_RUN_DIR/broker.bootstrap" "$WEBMON_RUN_DIR/target.port"
    supervisord -c "$supervisor_conf"
  fi
  if [[ $mode == real ]]; then
    start_real_kafka
    ctl start target-server >/dev/null || true
  else
    ctl start dev-broker target-server >/dev/null || true
  fi
  wait_for_file "$WEBMON_RUN_DIR/broker.bootstrap"
  wait_for_file "$WEBMON_RUN_DIR/target.port"
  sed -e "s/@BOOTSTRAP@/$(cat "$WEBMON_RUN_DIR/broker.bootstrap")/" \
      -e "s/@TARGET_PORT@/$(cat "$WEBMON_RUN_DIR/target.port")/" \
      -e "s/@PG_PORT@/$(cat "$WEBMON_RUN_DIR/pg/port")/" \
      "$root/configs/config.local.json.in" >"$WEBMON_RUN_DIR/config.json"
  "$WEBMON_BIN_DIR/consumer/webmon-consumer" --config "$WEBMON_RUN_DIR/config.json" --check-config >/dev/null
  ctl start consumer producer >/dev/null || true
  sleep 3
  ctl status || true  # exits 3 when any program is stopped, as the unused broker is
  cat <<INFO

$(if [[ $mode == real ]]; then
    echo "webmon is running locally on one real Apache Kafka node ($(cat "$WEBMON_RUN_DIR/broker.bootstrap"), data in $WEBMON_RUN_DIR/kafka)."
  else
    echo "webmon is running locally (development broker: in memory, NOT for production)."
  fi)
  state and logs   $WEBMON_RUN_DIR/{producer,consumer,$([[ $mode == real ]] && echo kafka || echo dev-broker)}.log
  demo config      $WEBMON_RUN_DIR/config.json
  processes        WEBMON_RUN_DIR=$WEBMON_RUN_DIR WEBMON_BIN_DIR=$WEBMON_BIN_DIR \\
                     supervisorctl -c $supervisor_conf status
  rows             PGPASSWORD=webmon psql -h 127.0.0.1 -p $(cat "$WEBMON_RUN_DIR/pg/port") -U webmon webmon \\
                     -c 'SELECT name, checked_at, ok, http_status, error_kind FROM reports ORDER BY checked_at DESC LIMIT 10'
  uptime           PGPASSWORD=webmon psql -h 127.0.0.1 -p $(cat "$WEBMON_RUN_DIR/pg/port") -U webmon webmon -f $root/sql/reports/uptime.sql
  metrics          curl -s http://127.0.0.1:9101/metrics   (producer; consumer on :9102, /healthz on both)
  status           scripts/run-local.sh status
  stop             scripts/run-local.sh stop      (scripts/run-local.sh clean also deletes the data)
INFO
}

status() {
  if ! running; then echo "run-local: not running"; return 1; fi
  ctl status || true  # exits 3 when any program is stopped, as the unused broker is
  echo
  psql_local -c 'SELECT name, count(*) AS rows, count(*) FILTER (WHERE ok) AS ok, max(checked_at) AS latest
                 FROM reports GROUP BY name ORDER BY name'
}

stop() {
  if running; then
    # Services first, so the consumer commits against a live broker and database.
    ctl stop producer consumer >/dev/null || true
    local supervisor_pid
    supervisor_pid=$(cat "$WEBMON_RUN_DIR/supervisord.pid" 2>/dev/null || true)
    ctl shutdown >/dev/null || true
    # supervisord closes its socket at once but exits only when its programs have: a Kafka
    # node may take many seconds to stop cleanly, and must not lose its directory meanwhile.
    for _ in $(seq 900); do
      [[ -n $supervisor_pid ]] && kill -0 "$supervisor_pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  if [[ -d $WEBMON_RUN_DIR/pg ]]; then "$root/scripts/pg-throwaway.sh" stop "$WEBMON_RUN_DIR/pg"; fi
  echo "run-local: stopped (data kept in $WEBMON_RUN_DIR)"
}

case "${1:-start}" in
  start) start "$(broker_mode)" ;;
  --real-kafka) start real ;;
  status) status ;;
  stop) stop ;;
  clean) stop; rm -rf "$WEBMON_RUN_DIR"; echo "run-local: removed $WEBMON_RUN_DIR" ;;
  *) echo "usage: scripts/run-local.sh [start|--real-kafka|status|stop|clean]" >&2; exit 2 ;;
esac
