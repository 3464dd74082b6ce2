#!/usr/bin/env bash
# End to end, as processes: webmon-producer -> development broker -> webmon-consumer ->
# PostgreSQL, probing four local targets (200, 500, a server that never answers, a closed
# port) every 2 s for 20 s. Then checks the exact rows and error kinds in PostgreSQL, and that
# the messages on the topic (read independently with kcat) are exactly the rows stored.
#
# Needs: WEBMON_PRODUCER, WEBMON_CONSUMER, WEBMON_DEV_BROKER, WEBMON_TARGET_SERVER and
# WEBMON_TEST_ENV_DIR (the ctest fixture's PostgreSQL).
set -euo pipefail

run_seconds=${WEBMON_E2E_SECONDS:-20}
work=$(mktemp -d /tmp/webmon-e2e.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ ${keep_work:-0} -eq 0 ]]; then rm -rf "$work"; else echo "logs kept in $work"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; keep_work=1; for f in "$work"/*.log; do echo "--- $f"; tail -n 30 "$f"; done; exit 1; }
wait_for_file() { for _ in $(seq 100); do [[ -s $1 ]] && return 0; sleep 0.1; done; fail "timed out waiting for $1"; }

pg_port=$(cat "$WEBMON_TEST_ENV_DIR/pg.port")
db=webmon_e2e_$$
psql_admin() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_db() { PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U webmon -d "$db" -v ON_ERROR_STOP=1 "$@"; }
psql_admin -c "CREATE DATABASE $db OWNER webmon"
trap 'cleanup; psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

"$WEBMON_DEV_BROKER" --partitions 3 --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
pids+=($!)
"$WEBMON_TARGET_SERVER" --port-file "$work/port" --silent-port-file "$work/silent" >"$work/target.log" 2>&1 &
pids+=($!)
wait_for_file "$work/bootstrap"; wait_for_file "$work/port"; wait_for_file "$work/silent"
bootstrap=$(cat "$work/bootstrap") port=$(cat "$work/port") silent=$(cat "$work/silent")

up="http://127.0.0.1:$port/ok"
error500="http://127.0.0.1:$port/status/500"
hung="http://127.0.0.1:$silent/"
closed="http://127.0.0.1:1/"
cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"], "topic": "webmon.reports"},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "$db", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [
    {"url": "$up", "name": "up", "timeout": 1, "period": 2},
    {"url": "$error500", "name": "error500", "timeout": 1, "period": 2},
    {"url": "$hung", "name": "hung", "timeout": 1, "period": 2},
    {"url": "$closed", "name": "closed", "timeout": 1, "period": 2}
  ],
  "producer": {"id": "e2e-producer", "metrics_listen": "127.0.0.1:0"},
  "consumer": {"status_listen": "", "group_id": "e2e", "session_timeout": 6, "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0"}
}
JSON

export WEBMON_DB_PASSWORD=webmon  # the secret comes from the environment, not the file
"$WEBMON_CONSUMER" --config "$work/config.json" >"$work/consumer.log" 2>&1 &
consumer_pid=$!; pids+=($consumer_pid)
"$WEBMON_PRODUCER" --config "$work/config.json" >"$work/producer.log" 2>&1 &
producer_pid=$!; pids+=($producer_pid)

sleep "$run_seconds"
kill -TERM "$producer_pid"
wait "$producer_pid" || fail "producer exited with $? after SIGTERM (expected 0)"
grep -q 'undelivered=0' "$work/producer.log" || fail "producer reports undelivered reports"

on_topic() {
  kcat -C -b "$bootstrap" -t webmon.reports -o beginning -e -q -f '%s\n' 2>/dev/null |
    sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | sort
}
on_topic >"$work/topic_ids"
topic_count=$(wc -l <"$work/topic_ids")
for _ in $(seq 150); do
  rows=$(psql_db -c "SELECT count(*) FROM reports" 2>/dev/null || echo 0)
  [[ $rows -ge $topic_count ]] && break
  sleep 0.1
done
kill -TERM "$consumer_pid"
wait "$consumer_pid" || fail "consumer exited with $? after SIGTERM (expected 0)"

echo "reports on the topic (kcat): $topic_count"
psql_db -F ' | ' -c "SELECT name, count(*), bool_and(ok), string_agg(DISTINCT coalesce(error_kind, '-'), ','),
                      string_agg(DISTINCT coalesce(http_status::text, 'null'), ',')
                     FROM reports GROUP BY name ORDER BY name" | sed 's/^/  /'

psql_db -c "SELECT id::text FROM reports ORDER BY 1" >"$work/row_ids"
diff -q "$work/topic_ids" "$work/row_ids" >/dev/null || fail "ids on the topic and rows in PostgreSQL differ"
[[ $(psql_db -c "SELECT count(*) - count(DISTINCT id) FROM reports") -eq 0 ]] || fail "duplicate ids"
[[ $(psql_db -c "SELECT count(*) FROM rejected_reports") -eq 0 ]] || fail "unexpected rejected messages"

expected_runs=$((run_seconds / 2))
check_url() {  # name ok error_kind http_status "phases reached"
  local result phase phases_match="true"
  # The phases the probe reached have a duration, the others are null (no TLS on http://).
  for phase in dns connect tls ttfb; do
    if [[ " $5 " == *" $phase "* ]]; then
      phases_match+=" AND ${phase}_ms >= 0"
    else
      phases_match+=" AND ${phase}_ms IS NULL"
    fi
  done
  result=$(psql_db -F '|' -c "SELECT count(*), bool_and(ok = $2), bool_and(coalesce(error_kind, '-') = '$3'),
                                    bool_and(coalesce(http_status::text, 'null') = '$4'),
                                    bool_and(producer_id = 'e2e-producer' AND schema_version = 3),
                                    bool_and(status = CASE WHEN ok THEN 'up' ELSE 'down' END),
                                    bool_and($phases_match)
                               FROM reports WHERE name = '$1'")
  IFS='|' read -r count ok_match kind_match status_match identity up_down phases <<<"$result"
  # First runs are spread over the first period, so a 20 s run yields 9 to 11 probes per URL.
  ((count >= expected_runs - 1 && count <= expected_runs + 1)) || fail "$1: $count rows, expected ~$expected_runs"
  [[ $ok_match == t && $kind_match == t && $status_match == t && $identity == t && $up_down == t ]] ||
    fail "$1: rows do not all have ok=$2 error_kind=$3 http_status=$4 ($result)"
  [[ $phases == t ]] || fail "$1: rows do not all have timings for exactly: $5"
  echo "ok   - $1: $count rows, ok=$2, error_kind=$3, http_status=$4, timings for: $5"
}
check_url up true - 200 "dns connect ttfb"
check_url error500 false http 500 "dns connect ttfb"
check_url hung false timeout null "dns connect"
check_url closed false connect null "dns"
echo "ok   - $topic_count reports on the topic, the same $topic_count ids in PostgreSQL, 0 duplicates, 0 lost"
