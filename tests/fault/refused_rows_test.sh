#!/usr/bin/env bash
# Scenario: reports that decode fine but that PostgreSQL refuses. The test adds a constraint
# the decoder knows nothing of (no HTTP 418 rows) to the live schema, then puts good reports
# on the topic with kcat, three of them 418s, and one report whose URL (3,000 incompressible
# characters) the url index could not hold. The refused reports must land in rejected_reports
# with PostgreSQL's message, the long URL with the decoder's, every other report once, and the
# consumer must keep going: a batch PostgreSQL refuses is never retried for ever.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker
target_port=9  # no producer in this test; the config still needs a URL
write_config 1 60
start_service consumer
wait_until 30 bash -c "PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT 1 FROM reports LIMIT 0' >/dev/null 2>&1" ||
  fail "the consumer did not create the schema"
sql "ALTER TABLE reports ADD CONSTRAINT test_no_teapots CHECK (http_status <> 418)"

report() {  # report URL HTTP_STATUS
  printf '{"schema_version":1,"id":"%s","url":"%s","name":"n","checked_at":"2026-11-24T10:00:00.000Z","ok":true,"http_status":%s,"response_time_ms":1.5,"error":null,"producer_id":"kcat"}\n' \
    "$(cat /proc/sys/kernel/random/uuid)" "$1" "$2"
}
long_url="http://127.0.0.1/$(head -c 2400 /dev/urandom | base64 -w0 | tr '+/' '-_' | head -c 3000)"
for ((i = 0; i < 40; i++)); do
  case $i in
    5 | 17 | 33) report "http://127.0.0.1/teapot-$i" 418 ;;
    20) report "$long_url" 200 ;;
    *) report "http://127.0.0.1/ok-$i" 200 ;;
  esac
done >"$work/input"
# One partition: the 40 arrive in one or two batches, the refused ones among good ones.
kcat -P -b "$bootstrap" -t webmon.reports -p 0 -l "$work/input" 2>"$work/kcat.log" ||
  fail "kcat could not produce the input: $(cat "$work/kcat.log")"
log "produced 40 reports: 3 with HTTP 418 (refused by the constraint), 1 with a 3,000-character URL"

all_in() { (($(rows) + $(sql "SELECT count(*) FROM rejected_reports") >= $1)); }
wait_until 60 all_in 40 ||
  fail "not everything arrived: $(rows) reports, $(sql 'SELECT count(*) FROM rejected_reports') rejected"
service_alive consumer || fail "the consumer stopped"
[[ $(rows) -eq 36 ]] || fail "expected 36 reports, found $(rows)"
[[ $(sql "SELECT count(DISTINCT id) FROM reports") -eq 36 ]] || fail "duplicate rows"
[[ $(sql "SELECT count(*) FROM reports WHERE http_status = 418") -eq 0 ]] || fail "a 418 row got in"
refused=$(sql "SELECT count(*) FROM rejected_reports WHERE reason LIKE 'postgres refused the report (SQLSTATE 23514)%test_no_teapots%' AND convert_from(raw, 'UTF8')::jsonb->>'http_status' = '418'")
((refused == 3)) || fail "expected the 3 refused 418s in rejected_reports with the constraint named, found $refused"
long=$(sql "SELECT count(*) FROM rejected_reports WHERE reason = 'field \"url\" is longer than 2048 bytes'")
((long == 1)) || fail "the long URL is not in rejected_reports with the decoder's limit"
[[ $(sql "SELECT count(*) FROM rejected_reports") -eq 4 ]] || fail "expected exactly 4 rejected"
[[ $(grep -c 'set aside in rejected_reports: postgres refused the report' "$work/consumer.log") -eq 3 ]] ||
  fail "the consumer did not log each refused report"
sql "SELECT kafka_offset || ': ' || left(reason, 110) FROM rejected_reports ORDER BY kafka_offset" | sed 's/^/  rejected /'

# The consumer goes on, and its offsets moved past the refused batch: later reports land, and
# none of the first 40 is stored again.
for ((i = 0; i < 10; i++)); do report "http://127.0.0.1/after-$i" 200; done |
  kcat -P -b "$bootstrap" -t webmon.reports -p 0
wait_until 30 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports') -ge 46 ]]" ||
  fail "reports after the refused ones did not land"
stop_service consumer
[[ $(rows) -eq 46 && $(sql "SELECT count(*) FROM rejected_reports") -eq 4 ]] ||
  fail "after the second wave: $(rows) reports (expected 46), $(sql 'SELECT count(*) FROM rejected_reports') rejected (expected 4)"
pass "refused: 46 reports stored once, 3 refused by a constraint and 1 too-long URL set aside with their reasons, consumer kept going"
