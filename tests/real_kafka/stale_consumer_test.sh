#!/usr/bin/env bash
# Real cluster, fault: a consumer frozen (SIGSTOP: a long GC-like pause, a suspended VM) while
# it holds partitions, and perhaps a batch in hand or a transaction open. Its session expires,
# a second consumer takes its partitions over from the offsets stored with the rows, and then
# the frozen one wakes up (SIGCONT) still believing it owns them. Whatever it had in hand is
# either dropped (its rebalance callback) or refused by the stored offsets; every probe is a
# row exactly once, the rollups match, and the stored offsets are the topic's ends.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; use_real_kafka; start_targets
# A long batch wait: the frozen consumer most likely holds a half-filled batch.
write_config 20 1 "" '"batch_max_wait": 2'
start_service consumer consumer_a; start_service producer
wait_until 60 rows_above 40 || fail "no rows before the fault"

log "SIGSTOP consumer_a (rows: $(rows)); consumer_b joins the group"
kill -STOP "${service_pids[consumer_a]}"
start_service consumer consumer_b
frozen_rows=$(rows)
# consumer_a's session (6 s) expires and consumer_b gets all partitions. If consumer_a froze
# inside a transaction it still holds the stored offsets' locks and consumer_b waits on them,
# as it must: then only consumer_a's waking up lets the rows grow.
if wait_until 40 rows_above $((frozen_rows + 60)); then
  log "consumer_b stores while consumer_a is frozen (rows: $(rows))"
else
  # A frozen client leaves its session idle in a transaction; consumer_b's waits on a lock.
  frozen_tx=$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'webmon' AND state = 'idle in transaction'")
  waiting=$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'webmon' AND wait_event_type = 'Lock'")
  ((frozen_tx > 0 && waiting > 0)) ||
    fail "consumer_b stored nothing in 40 s, and not because consumer_a holds the stored offsets"
  log "consumer_a froze inside a transaction: consumer_b waits on its locks"
fi
kill -CONT "${service_pids[consumer_a]}"
log "SIGCONT consumer_a: it wakes up without its partitions"
sleep 10
after=$(rows)
sleep 5
(($(rows) > after)) || fail "no rows after consumer_a woke up"
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer_a consumer_b
for member in consumer_a consumer_b; do
  log "$member: $(grep 'stopped: batches=' "$work/$member.log" | sed 's/.*stopped: //')"
done
grep -h "not stored: the database has this partition\|no longer assigned here\|lost\|revoked" \
  "$work/consumer_a.log" | tail -n 5 || true
pass "real kafka, a frozen consumer wakes up after its partitions moved: $probes probes, $probes rows, 0 lost, 0 duplicated"
