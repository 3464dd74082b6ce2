#!/usr/bin/env bash
# Real cluster, fault: one broker stopped, then a second while the first is still down.
# With one of three down, min.insync.replicas=2 still holds and rows keep arriving. With two
# down, no partition can have two in-sync replicas (and the controller quorum is gone too, so
# the broker left cannot even shrink its ISR): acks=all produce stalls and Kafka acknowledges
# nothing (the producer's delivered count stands still), while the producer keeps probing and
# holds the reports in memory (librdkafka's queue, and after producer.delivery_timeout our
# own, which it retries from). Once both are back, every probe is a row, exactly once.
source "$(dirname "$0")/../support/lib.sh"
stall=${WEBMON_FAULT_OUTAGE_SECONDS:-25}

start_postgres; use_real_kafka; start_targets
write_config 20 1 '"delivery_timeout": 10'
start_service consumer; start_service producer
wait_until 60 rows_above 20 || fail "no rows before the fault"
cluster wait-isr "$kafka_dir" "$topic" 3 60

first=$(cluster leader "$kafka_dir" "$topic" 0)
second=$(( first % 3 + 1 ))
log "stop node $first (kill -9)"
cluster node "$kafka_dir" "$first" kill
sleep 8
# Kafka still takes writes: the producer's acknowledged count moves. Rows are judged apart and
# with more time: when the killed node was the consumer group's coordinator, the consumer's
# session times out and it rejoins only after the controller has moved the coordinator
# (broker session timeout, then a rebalance): in CI that took longer than the 5 s here.
d0=$(metric producer webmon_reports_delivered_total); sleep 5
d1=$(metric producer webmon_reports_delivered_total)
[[ -n $d0 && -n $d1 ]] && ((d1 > d0)) ||
  fail "Kafka acknowledged nothing with one broker of three down ($d0 -> $d1)"
r0=$(rows)
wait_until 60 rows_above "$r0" || fail "rows stalled with one broker of three down (still $r0 after 60 s)"
log "one broker down: reports acknowledged ($d0 -> $d1 in 5 s), rows still arrive (past $r0)"

log "stop node $second too (kill -9): one node left"
cluster node "$kafka_dir" "$second" kill
sleep 5  # acknowledgements already on their way arrive
# The witness is the producer's count of reports Kafka acknowledged, not rows: a consumer that
# lost its group session when its coordinator died may still be catching up with reports
# acknowledged before the stall.
d2=$(metric producer webmon_reports_delivered_total); sleep "$stall"
d3=$(metric producer webmon_reports_delivered_total)
log "two brokers down: reports acknowledged $d2 -> $d3 in ${stall}s (rows now $(rows))"
[[ -n $d2 && $d3 == "$d2" ]] || fail "Kafka acknowledged reports although two of three brokers were down ($d2 -> $d3)"
grep -q 'kafka did not acknowledge' "$work/producer.log" ||
  fail "the producer never saw a delivery fail while the cluster could not take writes"
grep -q 'kafka unreachable' "$work/producer.log" || fail "the producer never said kafka is unreachable"

cluster heal "$kafka_dir"
cluster wait-isr "$kafka_dir" "$topic" 3 90
wait_until 60 grep -q 'kafka reachable again' "$work/producer.log" || fail "the producer did not resume"
sleep 5
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer
pass "real kafka, second broker down: produce stalled ${stall}s (0 acknowledged), then $probes probes, $probes rows, 0 lost, 0 duplicated"
