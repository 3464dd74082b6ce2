#!/usr/bin/env bash
# dns probes and several attempts per period, end to end: producer -> development broker ->
# consumer -> PostgreSQL. A dnsmasq on 127.0.0.1 (no upstream servers: nothing leaves the
# machine) answers for up.test; a target server's /flaky answers 200 and 500 in turn. Checks
# the rows: dns answers as a text[], a missing name as error kind dns, a wrong expected answer
# as dns_answer; three attempts per period on /ok all up, and on /flaky every run degraded
# with its failed attempts counted, min <= median <= max; topic ids = row ids.
set -euo pipefail
run_seconds=${WEBMON_E2E_SECONDS:-12}
work=$(mktemp -d /tmp/webmon-kinds.XXXXXX)
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
db=webmon_kinds_$$
psql_admin() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }
psql_db() { PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U webmon -d "$db" -v ON_ERROR_STOP=1 "$@"; }
psql_admin -c "CREATE DATABASE $db OWNER webmon"
trap 'cleanup; psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

# dnsmasq on a free port (it exits at once if another process took it: try again).
for _ in $(seq 10); do
  dns_port=$(shuf -i 20000-32000 -n 1)
  dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
    --port="$dns_port" --pid-file= --log-facility="$work/dnsmasq.log" $([[ $(id -u) -eq 0 ]] && echo --user=root) \
    --address=/#/ --host-record=up.test,127.0.0.9 --mx-host=up.test,mail.up.test,10 &
  dns_pid=$!
  sleep 0.3
  kill -0 "$dns_pid" 2>/dev/null && break
done
kill -0 "$dns_pid" 2>/dev/null || fail "dnsmasq did not start"
pids+=("$dns_pid")

"$WEBMON_DEV_BROKER" --partitions 2 --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
pids+=($!)
"$WEBMON_TARGET_SERVER" --port-file "$work/port" >"$work/target.log" 2>&1 &
pids+=($!)
wait_for_file "$work/bootstrap"; wait_for_file "$work/port"
bootstrap=$(cat "$work/bootstrap") port=$(cat "$work/port")
server="127.0.0.1:$dns_port"

cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"]},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "$db", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [
    {"type": "dns", "url": "dns://up.test", "name": "dns-a", "dns_server": "$server", "expect": "127.0.0.9", "timeout": 1, "period": 2},
    {"type": "dns", "url": "dns://up.test.", "name": "dns-mx", "record": "MX", "dns_server": "$server", "expect": "10 other.test", "timeout": 1, "period": 2},
    {"type": "dns", "url": "dns://missing.test", "name": "dns-missing", "dns_server": "$server", "timeout": 1, "period": 2},
    {"url": "http://127.0.0.1:$port/ok", "name": "steady", "timeout": 0.5, "period": 3, "attempts": 3, "attempt_spacing": 0.2},
    {"url": "http://127.0.0.1:$port/flaky", "name": "flaky", "timeout": 0.5, "period": 3, "attempts": 3, "attempt_spacing": 0.2}
  ],
  "producer": {"id": "kinds", "metrics_listen": ""},
  "consumer": {"group_id": "kinds", "batch_max_wait": 0.2, "metrics_listen": ""}
}
JSON
export WEBMON_DB_PASSWORD=webmon
"$WEBMON_CONSUMER" --config "$work/config.json" >"$work/consumer.log" 2>&1 &
consumer_pid=$!; pids+=($consumer_pid)
"$WEBMON_PRODUCER" --config "$work/config.json" >"$work/producer.log" 2>&1 &
producer_pid=$!; pids+=($producer_pid)
sleep "$run_seconds"
kill -TERM "$producer_pid"
wait "$producer_pid" || fail "producer exited with $? after SIGTERM"

kcat -C -b "$bootstrap" -t webmon.reports -o beginning -e -q -f '%s\n' 2>/dev/null >"$work/topic.jsonl"
sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' "$work/topic.jsonl" | sort >"$work/topic_ids"
topic_count=$(wc -l <"$work/topic_ids")
for _ in $(seq 150); do
  [[ $(psql_db -c "SELECT count(*) FROM reports" 2>/dev/null || echo 0) -ge $topic_count ]] && break
  sleep 0.1
done
kill -TERM "$consumer_pid"; wait "$consumer_pid" || fail "consumer exited with $? after SIGTERM"
psql_db -c "SELECT id::text FROM reports ORDER BY 1" >"$work/row_ids"
diff -q "$work/topic_ids" "$work/row_ids" >/dev/null || fail "ids on the topic and rows in PostgreSQL differ"
[[ $(psql_db -c "SELECT count(*) FROM rejected_reports") -eq 0 ]] || fail "rejected messages"
grep -q '"attempt_ms":{"max"' "$work/topic.jsonl" || fail "no attempt_ms on the topic"

psql_db -F ' | ' -c "SELECT name, count(*), string_agg(DISTINCT status, ','),
                      string_agg(DISTINCT coalesce(error_kind, '-'), ','),
                      string_agg(DISTINCT coalesce(array_to_string(dns_answers, ';'), '-'), ','),
                      string_agg(DISTINCT coalesce(attempts_failed::text, '-'), ',')
                     FROM reports GROUP BY name ORDER BY name" | sed 's/^/  /'
check() {  # description SQL-that-must-be-true-for-every-row-of-name name min_rows
  local result
  result=$(psql_db -F '|' -c "SELECT count(*), coalesce(bool_and($2), false) FROM reports WHERE name = '$3'")
  IFS='|' read -r count all <<<"$result"
  ((count >= $4)) || fail "$3: $count rows, expected at least $4"
  [[ $all == t ]] || fail "$3: not every row has $1"
  echo "ok   - $3: $count rows, $1"
}
dns_runs=$((run_seconds / 2 - 1)) attempt_runs=$((run_seconds / 3 - 1))
check "up, A answers {127.0.0.9}" "status = 'up' AND probe_type = 'dns' AND dns_record = 'A'
  AND dns_answers = ARRAY['127.0.0.9'] AND dns_ms > 0 AND connect_ms IS NULL" dns-a $dns_runs
check "down, dns_answer, the MX answers kept" "status = 'down' AND error_kind = 'dns_answer'
  AND dns_answers = ARRAY['10 mail.up.test'] AND error_message LIKE 'expected 10 other.test%'" dns-mx $dns_runs
check "down, error kind dns, no answers" "status = 'down' AND error_kind = 'dns'
  AND dns_answers = '{}' AND error_message LIKE 'Domain name not found%'" dns-missing $dns_runs
check "up, 3 attempts all ok, min <= median <= max" "status = 'up' AND jsonb_array_length(attempts) = 3
  AND attempts_failed = 0 AND attempt_min_ms <= attempt_median_ms AND attempt_median_ms <= attempt_max_ms
  AND (attempts->0->>'at')::timestamptz = checked_at
  AND (attempts->2->>'at')::timestamptz >= checked_at + interval '400 milliseconds'" steady $attempt_runs
check "degraded, 1 or 2 of 3 attempts failed with kind http" "status = 'degraded' AND error_kind IS NULL
  AND jsonb_array_length(attempts) = 3 AND attempts_failed BETWEEN 1 AND 2
  AND (SELECT count(*) FROM jsonb_array_elements(attempts) a WHERE a->>'error' = 'http') = attempts_failed" flaky $attempt_runs
# Every /flaky request is one attempt: the server's count is the rows' attempts.
hits=$(curl -s "http://127.0.0.1:$port/hits" | awk '$1 == "/flaky" {print $2}')
attempts=$(psql_db -c "SELECT sum(jsonb_array_length(attempts)) FROM reports WHERE name = 'flaky'")
[[ $hits -eq $attempts ]] || fail "/flaky had $hits requests but the rows hold $attempts attempts"
echo "ok   - /flaky: $hits requests = $attempts attempts in the rows; $topic_count reports, topic ids = row ids"
