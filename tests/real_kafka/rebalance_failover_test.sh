#!/usr/bin/env bash
# Real cluster, fault: a consumer-group rebalance during a broker failover. While 20 URLs are
# probed every second, the broker leading partition 0 is killed (kill -9); during the failover
# a second consumer joins the group, and then the first consumer is killed (kill -9), so its
# partitions, with whatever it had stored but not committed, move to the second one. The
# broker comes back. Every probe is then a row, exactly once.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; use_real_kafka; start_targets
write_config 20 1
start_service consumer consumer_a; start_service producer
wait_until 60 rows_above 20 || fail "no rows before the fault"
cluster wait-isr "$kafka_dir" "$topic" 3 60

victim=$(cluster leader "$kafka_dir" "$topic" 0)
log "kill -9 node $victim (leader of $topic/0); a second consumer joins during the failover"
cluster node "$kafka_dir" "$victim" kill
start_service consumer consumer_b
sleep 10
before_kill=$(rows)
log "kill -9 consumer_a (rows so far: $before_kill)"
kill9_service consumer_a
sleep 12  # consumer_a's session (6 s) expires; its partitions move to consumer_b
after_kill=$(rows)
((after_kill > before_kill)) || fail "no rows after consumer_a died ($before_kill -> $after_kill)"
log "rows $before_kill -> $after_kill after the takeover; node $victim comes back"
cluster node "$kafka_dir" "$victim" start
cluster wait-isr "$kafka_dir" "$topic" 3 90
sleep 5
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer_b
inserted_b=$(grep 'stopped: batches=' "$work/consumer_b.log" | sed -n 's/.* inserted=\([0-9]*\).*/\1/p')
((inserted_b > 0)) || fail "consumer_b stored nothing: the group never gave it partitions"
log "consumer_b stored $inserted_b of the rows"
pass "real kafka, rebalance during a broker failover: $probes probes, $probes rows, 0 lost, 0 duplicated"
