#!/usr/bin/env bash
# Real cluster, fault: every broker killed (kill -9) for 30 s, then started again with the same
# commands and logs. The producer keeps probing and buffering and checks the cluster with
# capped back-off; the consumer waits. Once the cluster is back, every probe is a row, exactly
# once.
source "$(dirname "$0")/../support/lib.sh"
outage=${WEBMON_FAULT_OUTAGE_SECONDS:-30}

start_postgres; use_real_kafka; start_targets
write_config 20 1 '"delivery_timeout": 10'
start_service consumer; start_service producer
wait_until 60 rows_above 20 || fail "no rows before the fault"
cluster wait-isr "$kafka_dir" "$topic" 3 60

log "kill -9 all three nodes for ${outage}s (rows so far: $(rows))"
for id in 1 2 3; do cluster node "$kafka_dir" "$id" kill; done
sleep 3
r0=$(rows); sleep "$((outage - 3))"; r1=$(rows)
((r1 == r0)) || fail "rows arrived with every broker down ($r0 -> $r1)"
grep -q 'kafka unreachable' "$work/producer.log" || fail "the producer never said kafka is unreachable"
service_alive producer && service_alive consumer || fail "a service died while the cluster was down"

up_at=$SECONDS
cluster heal "$kafka_dir"
log "cluster back after $((SECONDS - up_at)) s of start-up"
cluster wait-isr "$kafka_dir" "$topic" 3 90
wait_until 60 grep -q 'kafka reachable again' "$work/producer.log" || fail "the producer did not resume"
sleep 5
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer
pass "real kafka, all brokers down ${outage}s: $probes probes, $probes rows, 0 lost, 0 duplicated"
