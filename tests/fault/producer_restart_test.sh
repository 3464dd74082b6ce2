#!/usr/bin/env bash
# Scenario: kill -9 of the producer, then a restart. Schedules resume; every report Kafka had
# acknowledged reaches PostgreSQL exactly once. Reports still in the producer's memory at the
# kill are lost (at most the queue plus what Kafka had not acknowledged): README says so.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets
write_config 20 1
start_service consumer; start_service producer
sleep 6
kill9_service producer
rows_at_kill=$(rows)
log "producer killed with kill -9 (rows so far: $rows_at_kill)"
sleep 2
start_service producer
sleep 6
stop_service producer
after_restart=$(producer_total probes)
((after_restart >= 20 * 4)) || fail "schedules did not resume after the restart ($after_restart probes)"
# Expected: everything that made it onto the topic (the only reports Kafka acknowledged).
on_topic=$(topic_ids | sort -u | wc -l)
check_exact "$on_topic"
stop_service consumer
pass "producer kill -9 + restart: $after_restart probes after the restart, $on_topic acknowledged reports, all stored once"
