#!/usr/bin/env bash
# The email receiver through the whole pipeline, against a local SMTP server that requires
# STARTTLS and AUTH (tests/support/smtp_receiver.py): a target goes down and up while the
# server refuses mail for a while (451) and the consumer is killed with kill -9 with the
# firing still in the outbox. Afterwards the server accepted exactly one DOWN and one
# RESOLVED mail, each to both recipients, each over TLS and authenticated, with the
# notification's event_id as its Message-ID; the password is in no log.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets; start_smtp_receiver
export WEBMON_SMTP_PASSWORD=$smtp_password
switch() { curl -fsS -d "" "http://127.0.0.1:$target_port/switch/$1/$2" >/dev/null; }
cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": [$(bootstrap_json)], "topic": "$topic"},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "alerts": {
    "confirm_down": 2, "confirm_up": 2, "retry_max": 2,
    "receivers": [{"name": "mail", "type": "email", "url": "smtp://127.0.0.1:$smtp_port",
                   "from": "webmon@example.test", "to": ["ops@example.test", "oncall@example.test"],
                   "username": "webmon", "password_env": "WEBMON_SMTP_PASSWORD",
                   "ca_file": "$work/smtp-ca.pem", "timeout": 5}]
  },
  "monitored_urls": [
    {"url": "http://127.0.0.1:$target_port/switch/shop", "name": "shop", "timeout": 0.5, "period": 1}
  ],
  "producer": {"id": "email-test", "metrics_listen": "127.0.0.1:0"},
  "consumer": {"status_listen": "", "group_id": "$group", "session_timeout": 6, "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0"}
}
JSON
incidents() { sql "SELECT count(*) FROM incidents WHERE $1" 2>/dev/null || echo -1; }
undelivered() { sql "SELECT count(*) FROM notifications WHERE delivered_at IS NULL" 2>/dev/null || echo -1; }
all_delivered() { [[ $(undelivered) == 0 ]]; }

start_service consumer; start_service producer
wait_until 30 rows_above 3 || fail "no rows within 30 s"

log "shop goes down while the mail server refuses; the consumer is killed with the firing queued"
touch "$work/smtp.fail"
switch shop down
wait_until 30 eval '[[ $(incidents "closed_at IS NULL") == 1 ]]' || fail "no incident opened"
wait_until 20 eval '(($(grep -c "\"answered\": 451" "$work/mails.jsonl" 2>/dev/null || echo 0) >= 1))' ||
  fail "the consumer never tried the mail server"
kill9_service consumer
pending=$(undelivered)
((pending == 1)) || fail "expected the firing undelivered at the kill, found $pending"
rm "$work/smtp.fail"
start_service consumer
wait_until 30 all_delivered || fail "the firing was not delivered after the restart"
switch shop up
wait_until 30 eval '[[ $(incidents "closed_at IS NOT NULL") == 1 ]]' || fail "the incident did not close"
wait_until 30 all_delivered || fail "$(undelivered) notifications undelivered"
stop_service producer
stop_service consumer

sql "CREATE TABLE mails (line jsonb)" >/dev/null
PGPASSWORD=webmon psql -X -q -h 127.0.0.1 -p "$pg_port" -U webmon -d webmon -v ON_ERROR_STOP=1 \
  -c "\\copy mails FROM '$work/mails.jsonl' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" ||
  fail "cannot load what the SMTP server recorded"
accepted="(line->>'answered')::int = 250"
read -r tries refused taken distinct firing resolved < <(sql "SELECT count(*), count(*) FILTER (WHERE NOT $accepted), count(*) FILTER (WHERE $accepted), count(DISTINCT line->>'event_id') FILTER (WHERE $accepted), count(DISTINCT line->>'event_id') FILTER (WHERE $accepted AND line->>'kind' = 'firing'), count(DISTINCT line->>'event_id') FILTER (WHERE $accepted AND line->>'kind' = 'resolved') FROM mails" | tr '|' ' ')
log "mails tried=$tries refused=$refused accepted=$taken distinct=$distinct firing=$firing resolved=$resolved"
echo "expected=2 delivered=$distinct repeats=$((taken - distinct)) refused_451=$refused"
((firing == 1 && resolved == 1)) || fail "expected one DOWN and one RESOLVED mail, got $firing and $resolved"
((taken - distinct <= 1)) || fail "$((taken - distinct)) repeated mails, expected at most 1 (the kill)"
((refused >= 1)) || fail "the server refused nothing: the 451 phase did not happen"
[[ $(sql "SELECT count(*) FROM mails WHERE NOT ((line->>'tls')::bool AND (line->>'authenticated')::bool)") == 0 ]] ||
  fail "a mail was sent without TLS or without AUTH"
[[ $(sql "SELECT count(*) FROM mails WHERE line->'rcpt_tos' <> '[\"ops@example.test\", \"oncall@example.test\"]'::jsonb OR line->>'mail_from' <> 'webmon@example.test'") == 0 ]] ||
  fail "a mail had the wrong envelope: $(sql "SELECT line->'rcpt_tos', line->>'mail_from' FROM mails LIMIT 1")"
[[ $(sql "SELECT count(*) FROM mails WHERE line->>'message_id' <> '<' || (line->>'event_id') || '@example.test>' OR (line->>'event_id')::uuid NOT IN (SELECT event_id FROM notifications)") == 0 ]] ||
  fail "a Message-ID is not its notification's event_id"
subject=$(sql "SELECT line->>'subject' FROM mails WHERE $accepted AND line->>'kind' = 'firing' LIMIT 1")
[[ $subject == "[webmon] DOWN: shop is down ("*") since "* ]] || fail "firing subject: $subject"
subject=$(sql "SELECT line->>'subject' FROM mails WHERE $accepted AND line->>'kind' = 'resolved' LIMIT 1")
[[ $subject == "[webmon] RESOLVED: shop is up again after "* ]] || fail "resolved subject: $subject"
body=$(sql "SELECT line->>'body' FROM mails WHERE $accepted AND line->>'kind' = 'firing' LIMIT 1")
[[ $body == *"URL: http://127.0.0.1:$target_port/switch/shop"* && $body == *"Failed probes: 2"* ]] ||
  fail "the firing mail's body lacks the facts: $body"
if grep -rqF "$smtp_password" "$work"/*.log; then fail "the SMTP password is in a log"; fi
grep -q 'failed, attempt' "$work/consumer.log" || fail "the consumer did not log the refused mail"
pass "email: one DOWN and one RESOLVED mail through 451s and kill -9, over STARTTLS with AUTH"
