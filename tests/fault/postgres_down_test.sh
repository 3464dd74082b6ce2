#!/usr/bin/env bash
# Scenario: PostgreSQL stopped for 30 s while reports flow. The consumer rolls back, commits no
# offsets, retries the same batch with capped back-off, and afterwards the table holds every
# report exactly once.
source "$(dirname "$0")/../support/lib.sh"
outage=${WEBMON_FAULT_OUTAGE_SECONDS:-30}

start_postgres; start_broker; start_targets
write_config 20 1
start_service consumer; start_service producer
sleep 5
log "rows before the outage: $(rows)"
stop_postgres; log "postgres DOWN for $outage s"
sleep "$outage"
restart_postgres; log "postgres UP"
sleep 10
stop_service producer
probes=$(producer_total probes)
check_exact "$probes"
stop_service consumer

grep -q 'offsets held' "$work/consumer.log" || fail "the consumer did not report holding its offsets"
grep -q 'postgres writes succeed again' "$work/consumer.log" || fail "no recovery line in the consumer log"
mapfile -t delays < <(grep -o 'offsets held; retry [0-9]* in [0-9]* ms' "$work/consumer.log" | awk '{print $6}')
log "consumer retries during the outage: ${#delays[@]}, delays (ms): ${delays[*]}"
((${#delays[@]} >= 3 && ${#delays[@]} <= 20)) || fail "expected 3..20 throttled retries, saw ${#delays[@]}"
for d in "${delays[@]}"; do ((d <= 30000)) || fail "a retry delay exceeded the 30 s cap: $d"; done
pass "postgres down ${outage}s: $probes probes, $probes rows, 0 lost, 0 duplicated"
