#!/usr/bin/env bash
# Scenario: SIGTERM to both services while reports flow, then start them again. Nothing Kafka
# had acknowledged is lost, and both exit 0. (How fast the restarted consumer resumes is up to
# the broker's group coordinator; the dev broker waits about one session timeout.)
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets
write_config 20 1
start_service consumer; start_service producer
sleep 6
stop_service producer consumer
log "both stopped with SIGTERM (rows: $(rows))"
start_service consumer; start_service producer
restart_at=$SECONDS
rows_before=$(rows)
wait_until 60 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports') -gt $((rows_before + 20)) ]]" ||
  fail "the restarted consumer did not resume within 60 s"
log "restarted consumer stored new rows after $((SECONDS - restart_at)) s"
sleep 3
stop_service producer
delivered=$(sum_producer_totals delivered)
undelivered=$(sum_producer_totals undelivered)
((undelivered == 0)) || fail "$undelivered reports undelivered at shutdown"
check_exact "$delivered"
stop_service consumer
pass "graceful shutdown: $delivered acknowledged reports across two runs, all stored once, both exits 0"
