#!/usr/bin/env bash
# Scenario: two consumers in one group share the partitions while reports flow; one is stopped
# cleanly mid-stream, later the other is killed with kill -9 and a replacement started. Every
# report is stored exactly once.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker 4; start_targets
write_config 20 1 "" '"batch_max_messages": 20'
start_service consumer consumer-a
start_service consumer consumer-b
start_service producer
wait_until 60 bash -c "grep -q 'stored batch\\|stats' $work/consumer-a.log; [[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports' 2>/dev/null || echo 0) -gt 50 ]]" ||
  fail "the group did not start consuming"
# Both members must have stored something: the partitions really were shared.
wait_until 60 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(DISTINCT kafka_partition) FROM reports') -ge 3 ]]" ||
  fail "reports from fewer than 3 partitions"
sleep 3
stop_service consumer-a
log "consumer-a stopped cleanly (rows: $(rows)); consumer-b takes over all partitions"
sleep 12
kill9_service consumer-b
log "consumer-b killed with kill -9 (rows: $(rows)); starting consumer-c"
start_service consumer consumer-c
sleep 12
stop_service producer
probes=$(producer_total probes)
check_exact "$probes"
stop_service consumer-c
for member in consumer-a consumer-b consumer-c; do
  log "$member stored $(grep -o 'inserted=[0-9]*' "$work/$member.log" | tail -n 1 || echo '(killed: no totals)')"
done
pass "rebalance: $probes probes across a clean leave and a kill -9, $probes rows, 0 lost, 0 duplicated"
