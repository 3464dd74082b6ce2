#!/usr/bin/env bash
# Scenario: kill -9 of the consumer at random points, 10 times in a row while reports flow,
# restarting it each time. No report is missing and none is duplicated.
source "$(dirname "$0")/../support/lib.sh"
kills=${WEBMON_FAULT_KILLS:-10}

start_postgres; start_broker; start_targets
# The dev broker holds a killed member's partitions for the session timeout (6 s here), so each
# restart takes several seconds before the new consumer stores anything.
write_config 20 1 "" '"batch_max_messages": 20'
start_service consumer; start_service producer
for ((i = 1; i <= kills; i++)); do
  # Kill only once this consumer is really storing rows, then at a random point within the
  # next 1.5 s: mid-batch, mid-transaction or between COMMIT and the offset commit alike.
  before=$(rows)
  wait_until 60 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports') -gt $before ]]" ||
    fail "the restarted consumer stored nothing within 60 s"
  sleep "$(awk -v r=$RANDOM 'BEGIN {printf "%.2f", (r % 150) / 100}')"
  kill9_service consumer
  log "kill -9 #$i of the consumer (rows so far: $(rows))"
  start_service consumer
done
sleep 3
stop_service producer
probes=$(producer_total probes)
check_exact "$probes"
stop_service consumer
pass "consumer killed $kills times: $probes probes, $probes rows, 0 lost, 0 duplicated"
