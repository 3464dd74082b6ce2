#!/usr/bin/env bash
# dns probes and several attempts per period, end to end: producer -> development broker ->
# consumer -> PostgreSQL. A dnsmasq on 127.0.0.1 (no upstream servers: nothing leaves the
# machine) answers for up.test; a target server's /flaky answers 200 and 500 in turn. Checks
# the rows: dns answers as a text[], a missing name as error kind dns, a wrong expected answer
# as dns_answer; three attempts per period on /ok all up, and on /flaky every run degraded
# with its failed attempts counted, min <= median <= max (a run cut short by the producer's
# stop: judged on the attempts it made); topic ids = row ids.
# Runs on tests/support/lib.sh: its own PostgreSQL, broker and target server.
source "$WEBMON_SOURCE_DIR/tests/support/lib.sh"
run_seconds=${WEBMON_E2E_SECONDS:-12}
psql_db() { PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U webmon -d webmon -v ON_ERROR_STOP=1 "$@"; }
start_postgres
start_broker 2
start_targets
port=$target_port

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
helper_pids+=("$dns_pid")

server="127.0.0.1:$dns_port"

cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"]},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [
    {"type": "dns", "url": "dns://up.test", "name": "dns-a", "dns_server": "$server", "expect": "127.0.0.9", "timeout": 1, "period": 2},
    {"type": "dns", "url": "dns://up.test.", "name": "dns-mx", "record": "MX", "dns_server": "$server", "expect": "10 other.test", "timeout": 1, "period": 2},
    {"type": "dns", "url": "dns://missing.test", "name": "dns-missing", "dns_server": "$server", "timeout": 1, "period": 2},
    {"url": "http://127.0.0.1:$port/ok", "name": "steady", "timeout": 0.5, "period": 3, "attempts": 3, "attempt_spacing": 0.2},
    {"url": "http://127.0.0.1:$port/flaky", "name": "flaky", "timeout": 0.5, "period": 3, "attempts": 3, "attempt_spacing": 0.2}
  ],
  "producer": {"id": "kinds", "metrics_listen": ""},
  "consumer": {"status_listen": "", "group_id": "kinds", "batch_max_wait": 0.2, "metrics_listen": ""}
}
JSON
start_service consumer
start_service producer
sleep "$run_seconds"
stop_service producer
kcat -C -b "$bootstrap" -t webmon.reports -o beginning -e -q -f '%s\n' 2>/dev/null >"$work/topic.jsonl"
grep -q '"attempt_ms":{"max"' "$work/topic.jsonl" || fail "no attempt_ms on the topic"
check_exact "$(producer_total delivered)"
stop_service consumer
[[ $(psql_db -c "SELECT count(*) FROM rejected_reports") -eq 0 ]] || fail "rejected messages"

psql_db -F ' | ' -c "SELECT name, count(*), string_agg(DISTINCT status, ','),
                      string_agg(DISTINCT coalesce(error_kind, '-'), ','),
                      string_agg(DISTINCT coalesce(array_to_string(dns_answers, ';'), '-'), ','),
                      string_agg(DISTINCT coalesce(attempts_failed::text, '-'), ',')
                     FROM reports GROUP BY name ORDER BY name" | sed 's/^/  /'
check() {  # description SQL-that-must-be-true-for-every-row-of-name name min_rows [row filter]
  local result
  result=$(psql_db -F '|' -c "SELECT count(*), coalesce(bool_and($2), false) FROM reports
                              WHERE name = '$3' AND (${5:-true})")
  IFS='|' read -r count all <<<"$result"
  ((count >= $4)) || fail "$3: $count rows, expected at least $4"
  [[ $all == t ]] || fail "$3: not every row has $1"
  pass "$3: $count rows, $1"
}
dns_runs=$((run_seconds / 2 - 1)) attempt_runs=$((run_seconds / 3 - 1))
complete="jsonb_array_length(attempts) = 3"
check "up, A answers {127.0.0.9}" "status = 'up' AND probe_type = 'dns' AND dns_record = 'A'
  AND dns_answers = ARRAY['127.0.0.9'] AND dns_ms > 0 AND connect_ms IS NULL" dns-a $dns_runs
check "down, dns_answer, the MX answers kept" "status = 'down' AND error_kind = 'dns_answer'
  AND dns_answers = ARRAY['10 mail.up.test'] AND error_message LIKE 'expected 10 other.test%'" dns-mx $dns_runs
check "down, error kind dns, no answers" "status = 'down' AND error_kind = 'dns'
  AND dns_answers = '{}' AND error_message LIKE 'Domain name not found%'" dns-missing $dns_runs
check "up, 3 attempts all ok, min <= median <= max" "status = 'up' AND jsonb_array_length(attempts) = 3
  AND attempts_failed = 0 AND attempt_min_ms <= attempt_median_ms AND attempt_median_ms <= attempt_max_ms
  AND (attempts->0->>'at')::timestamptz = checked_at
  AND (attempts->2->>'at')::timestamptz >= checked_at + interval '400 milliseconds'" steady $attempt_runs "$complete"
check "degraded, 1 or 2 of 3 attempts failed with kind http" "status = 'degraded' AND error_kind IS NULL
  AND jsonb_array_length(attempts) = 3 AND attempts_failed BETWEEN 1 AND 2
  AND (SELECT count(*) FROM jsonb_array_elements(attempts) a WHERE a->>'error' = 'http') = attempts_failed" flaky $attempt_runs "$complete"
# Stopping the producer may cut its last run short (each URL's runs start at a phase of the
# period taken from the URL, and the port is new each time): that run is reported with the
# attempts it made, judged by the same rule, and only the last run of a URL can be one.
for name in steady flaky; do
  result=$(psql_db -F '|' -c "SELECT count(*), count(*) FILTER (WHERE
      checked_at = (SELECT max(checked_at) FROM reports WHERE name = '$name')
      AND (status = 'down') = (attempts_failed = jsonb_array_length(attempts)))
    FROM reports WHERE name = '$name' AND NOT ($complete)")
  IFS='|' read -r cut as_expected <<<"$result"
  ((cut <= 1 && as_expected == cut)) || fail "$name: $cut runs cut short, $as_expected of them the last and judged by the rule"
  pass "$name: $cut run(s) cut short by the stop, judged on the attempts made"
done
# Every /flaky request is one attempt: the server's count is the rows' attempts.
hits=$(curl -s "http://127.0.0.1:$port/hits" | awk '$1 == "/flaky" {print $2}')
attempts=$(psql_db -c "SELECT sum(jsonb_array_length(attempts)) FROM reports WHERE name = 'flaky'")
[[ $hits -eq $attempts ]] || fail "/flaky had $hits requests but the rows hold $attempts attempts"
pass "/flaky: $hits requests = $attempts attempts in the rows"
