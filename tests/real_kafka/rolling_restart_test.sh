#!/usr/bin/env bash
# Real cluster, maintenance: a rolling restart of all three brokers (controlled shutdown with
# SIGTERM, start again, wait until every partition has three in-sync replicas, next node)
# while 20 URLs are probed every second. Rows keep arriving throughout; afterwards every probe
# is a row, exactly once.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; use_real_kafka; start_targets
write_config 20 1
start_service consumer; start_service producer
wait_until 60 rows_above 20 || fail "no rows before the restarts"
cluster wait-isr "$kafka_dir" "$topic" 3 60

for id in 1 2 3; do
  before=$(rows)
  log "restart node $id (SIGTERM, controlled shutdown)"
  cluster node "$kafka_dir" "$id" term
  sleep 2
  cluster node "$kafka_dir" "$id" start
  cluster wait-isr "$kafka_dir" "$topic" 3 90
  after=$(rows)
  ((after > before)) || fail "no rows arrived while node $id restarted ($before -> $after)"
  log "node $id back in every ISR; rows $before -> $after meanwhile"
done
sleep 3
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer
pass "real kafka, rolling restart of 3 nodes: $probes probes, $probes rows, 0 lost, 0 duplicated"
