#!/usr/bin/env bash
# Scenario (development broker only: a real broker cannot be told to fail on demand): Produce
# requests answered with errors. First the retriable ones a real cluster gives during
# failovers and ISR trouble (NOT_ENOUGH_REPLICAS, NOT_ENOUGH_REPLICAS_AFTER_APPEND,
# REQUEST_TIMED_OUT, NOT_LEADER_OR_FOLLOWER), which librdkafka retries by itself; then
# permanent ones (MESSAGE_TOO_LARGE, INVALID_RECORD), which it hands back and the producer
# requeues and sends again. Every probe is a row, exactly once.
source "$(dirname "$0")/../support/lib.sh"
retriable=19,20,7,6,19,20,7,6,19,20,7,6
permanent=${WEBMON_PERMANENT_ERRORS:-10,87,10,87}

start_postgres; start_targets
start_broker 3 --produce-errors "$retriable,$permanent"
write_config 20 1
start_service consumer; start_service producer
wait_until 30 rows_above 20 || fail "no rows before the errors"
for round in 1 2 3; do
  kill -HUP "$broker_pid"
  sleep 4
done
grep -c 'Produce requests fail' "$work/broker.log" | grep -q 3 || fail "the broker did not inject the errors"
sleep 4
handed_back=$(metric producer webmon_kafka_delivery_errors_total)
log "reports librdkafka handed back (permanent errors) and the producer requeued: $handed_back"
((${handed_back%.*} > 0)) || fail "no delivery failed: the permanent errors were not seen"
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer
pass "produce errors (3 rounds of $retriable,$permanent): $probes probes, $probes rows, 0 lost, 0 duplicated, $handed_back handed back and sent again"
