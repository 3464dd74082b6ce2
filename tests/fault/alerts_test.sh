#!/usr/bin/env bash
# Scenario: alerts through the whole pipeline, faults and all. Two targets go down and up
# three times in turn: the consumer is killed with kill -9 during the first incident,
# PostgreSQL goes down during the second while the receiver answers 500 for a minute, and the receiver
# hangs (holds each request past the consumer's patience) during the third. Afterwards every
# incident was opened and closed once, and the receiver accepted exactly one firing and one
# resolved notification per incident (told apart by their Idempotency-Key).
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets; start_receiver
switch() { curl -fsS -d "" "http://127.0.0.1:$target_port/switch/$1/$2" >/dev/null; }
cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": [$(bootstrap_json)], "topic": "$topic"},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "alerts": {
    "confirm_down": 2, "confirm_up": 2, "retry_max": 2,
    "receivers": [{"name": "ops", "type": "webhook", "url": "http://127.0.0.1:$receiver_port/hook", "timeout": 1}]
  },
  "monitored_urls": [
    {"url": "http://127.0.0.1:$target_port/switch/a", "name": "a", "timeout": 0.5, "period": 1},
    {"url": "http://127.0.0.1:$target_port/switch/b", "name": "b", "timeout": 0.5, "period": 1}
  ],
  "producer": {"id": "alerts-test", "metrics_listen": "127.0.0.1:0"},
  "consumer": {"status_listen": "", "group_id": "$group", "session_timeout": 6, "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0"}
}
JSON
incidents_of() {  # incidents_of NAME open|closed
  local condition="closed_at IS NULL"
  [[ $2 == closed ]] && condition="closed_at IS NOT NULL"
  sql "SELECT count(*) FROM incidents WHERE name = '$1' AND $condition" 2>/dev/null || echo -1
}
has_incidents() { [[ $(incidents_of "$1" "$2") == "$3" ]]; }  # has_incidents NAME open|closed N
undelivered() { sql "SELECT count(*) FROM notifications WHERE delivered_at IS NULL" 2>/dev/null || echo -1; }
all_delivered() { [[ $(undelivered) == 0 ]]; }

start_service consumer; start_service producer
wait_until 30 rows_above 4 || fail "no rows within 30 s"

log "1. a goes down; the consumer is killed with kill -9 before its firing is delivered"
# The receiver refuses for a while, so the firing waits in the outbox when the kill comes.
receiver_control "fail?seconds=8"
switch a down
wait_until 30 has_incidents a open 1 || fail "no incident opened for a"
sleep 0.$((RANDOM % 10))
pending=$(undelivered)
kill9_service consumer
log "   consumer killed with $pending notifications undelivered"
((pending >= 1)) || fail "the firing was delivered before the kill; the kill proves nothing"
sleep 1
start_service consumer
sleep 2
switch a up
wait_until 60 has_incidents a closed 1 || fail "a's incident did not close"

log "2. the receiver answers 500 for 60 s; b goes down; PostgreSQL is down for 8 s during it"
receiver_control "fail?seconds=60"
failing_since=$SECONDS
switch b down
wait_until 30 has_incidents b open 1 || fail "no incident opened for b"
stop_postgres
log "   postgres DOWN"
sleep 8
restart_postgres
log "   postgres UP"
sleep 2
switch b up
wait_until 60 has_incidents b closed 1 || fail "b's incident did not close"
# b's firing and resolved wait in the outbox until the minute of 500s is over.
while ((SECONDS - failing_since < 61)); do sleep 1; done

log "3. the receiver holds each request 3 s (the consumer gives up after 1 s) while a fails again"
receiver_control "hang?seconds=3"
switch a down
wait_until 30 has_incidents a open 1 || fail "no second incident opened for a"
sleep 3
switch a up
wait_until 60 has_incidents a closed 2 || fail "a's second incident did not close"

log "waiting for every notification to be delivered"
wait_until 120 all_delivered || fail "$(undelivered) notifications still undelivered after 120 s"
stop_service producer
probes=$(producer_total probes)
check_exact "$probes"
stop_service consumer

# What the receiver saw, loaded into PostgreSQL to count it (one JSON object per line; the
# CSV quote and delimiter are bytes JSON never holds, so the line arrives whole).
sql "CREATE TABLE received (line jsonb)" >/dev/null
PGPASSWORD=webmon psql -X -q -h 127.0.0.1 -p "$pg_port" -U webmon -d webmon -v ON_ERROR_STOP=1 \
  -c "\\copy received FROM '$work/received.jsonl' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" ||
  fail "cannot load what the receiver recorded"
read -r requests accepted distinct failed_500 hung < <(sql "SELECT count(*), count(*) FILTER (WHERE (line->>'answered')::int = 200), count(DISTINCT line->>'idempotency_key') FILTER (WHERE (line->>'answered')::int = 200), count(*) FILTER (WHERE (line->>'answered')::int = 500), count(*) FILTER (WHERE (line->>'answered')::int = 0) FROM received" | tr '|' ' ')
incidents=$(sql "SELECT count(*) FROM incidents")
closed=$(sql "SELECT count(*) FROM incidents WHERE closed_at IS NOT NULL")
notifications=$(sql "SELECT count(*) FROM notifications")
# Per incident, "id:firing,resolved" as the receiver accepted them (distinct keys).
per_incident=$(sql "SELECT string_agg(n || ':' || firing || ',' || resolved, ' ' ORDER BY n) FROM (SELECT (line->'body'->'webmon'->>'incident_id')::int AS n, count(DISTINCT line->>'idempotency_key') FILTER (WHERE line->'body'->'webmon'->>'kind' = 'firing') AS firing, count(DISTINCT line->>'idempotency_key') FILTER (WHERE line->'body'->'webmon'->>'kind' = 'resolved') AS resolved FROM received WHERE (line->>'answered')::int = 200 GROUP BY 1) AS per")
unknown_keys=$(sql "SELECT count(*) FROM received WHERE (line->>'answered')::int = 200 AND (line->>'idempotency_key')::uuid NOT IN (SELECT event_id FROM notifications)")
log "incidents=$incidents closed=$closed notifications=$notifications requests=$requests accepted=$accepted distinct_accepted=$distinct refused_500=$failed_500 hung=$hung"
log "accepted per incident: $per_incident"
echo "expected=6 delivered=$distinct repeats=$((accepted - distinct)) incidents=$incidents refused_500=$failed_500 hung=$hung"
((incidents == 3 && closed == 3)) || fail "expected 3 incidents, all closed; found $incidents ($closed closed)"
((notifications == 6)) || fail "expected 6 notifications (a firing and a resolved per incident), found $notifications"
((distinct == 6)) || fail "the receiver accepted $distinct distinct notifications, expected 6"
[[ $per_incident =~ ^[0-9]+:1,1\ [0-9]+:1,1\ [0-9]+:1,1$ ]] ||
  fail "not one firing and one resolved per incident: $per_incident"
((unknown_keys == 0)) || fail "$unknown_keys accepted requests carry a key that is no notification's event_id"
# A repeat (the same key accepted twice) can only come from the kill -9 between an answer and
# its mark: at most one.
((accepted - distinct <= 1)) || fail "$((accepted - distinct)) repeated deliveries, expected at most 1 (the kill)"
# A minute of 500s with the back-off capped at retry_max (2 s) is some 25 refused attempts.
((failed_500 >= 10)) || fail "the receiver refused only $failed_500 requests: the minute of 500s did not happen"
((hung >= 1)) || fail "no request was held: the hang phase did not happen"
grep -q 'failed, attempt' "$work/consumer.log" || fail "the consumer did not log the failed deliveries"
pass "alerts: 3 incidents through kill -9, postgres down, a minute of 500s and a hanging receiver; 6 notifications, each accepted once"
