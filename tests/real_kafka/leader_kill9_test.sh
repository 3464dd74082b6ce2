#!/usr/bin/env bash
# Real cluster, fault: kill -9 of the broker leading a partition while 20 URLs are probed every
# second. The controller fences it (broker.session.timeout.ms, 3 s here), another replica
# leads, the ISR shrinks to two (min.insync.replicas=2 still holds, so acks=all produce goes on
# and rows keep arriving). The node is started again with the same command and log directory:
# it recovers its log, catches up and rejoins the ISR. Then every probe is a row, exactly once.
source "$(dirname "$0")/../support/lib.sh"
outage=${WEBMON_FAULT_OUTAGE_SECONDS:-15}

start_postgres; use_real_kafka; start_targets
write_config 20 1
start_service consumer; start_service producer
wait_until 60 rows_above 20 || fail "no rows before the fault"
cluster wait-isr "$kafka_dir" "$topic" 3 60

victim=$(cluster leader "$kafka_dir" "$topic" 0)
[[ $victim =~ ^[123]$ ]] || fail "no leader for $topic/0 (kcat says '$victim')"
before=$(rows)
log "kill -9 node $victim, the leader of $topic/0 (rows so far: $before)"
cluster node "$kafka_dir" "$victim" kill
sleep "$outage"
successor=$(cluster leader "$kafka_dir" "$topic" 0)
[[ $successor =~ ^[123]$ && $successor != "$victim" ]] ||
  fail "$topic/0 did not move to another leader (now '$successor')"
isr=$(kcat -L -b "$bootstrap" -t "$topic" 2>/dev/null | sed -n 's/^ *partition 0, .*isrs: \(.*\)$/\1/p')
[[ ,$isr, != *",$victim,"* ]] || fail "node $victim still in the ISR of $topic/0 ($isr) after ${outage}s"
during=$(rows)
((during > before + 20 * (outage - 8))) || fail "rows stalled while one broker was down ($before -> $during)"
log "partition 0 led by node $successor, ISR $isr; rows $before -> $during while node $victim was down"

cluster node "$kafka_dir" "$victim" start
cluster wait-isr "$kafka_dir" "$topic" 3 90
grep -q "Recovering unflushed segment .* for $topic-" "$kafka_dir/node$victim/server.log" ||
  fail "node $victim shows no log recovery after kill -9"
log "node $victim recovered its log and is back in the ISR of every partition"
sleep 5
stop_service producer
probes=$(producer_total probes)
((probes > 0 && $(producer_total dropped) == 0 && $(producer_total undelivered) == 0)) ||
  fail "reports dropped or undelivered"
check_exact "$probes"
stop_service consumer
pass "real kafka, leader kill -9 + restart: $probes probes, $probes rows, 0 lost, 0 duplicated"
