#!/usr/bin/env bash
# The whole pipeline on a real three-node Apache Kafka cluster (KRaft; replication factor 3,
# min.insync.replicas=2; the ctest fixture's), with both services unchanged: the topic is
# created as an operator would (Kafka's own TopicCommand), ten URLs are probed every second for
# 20 s, and then rows = probes, and the ids on the topic (read with kcat) are exactly the ids in
# PostgreSQL.
source "$(dirname "$0")/../support/lib.sh"
run_seconds=${WEBMON_E2E_SECONDS:-20}

start_postgres; use_real_kafka --no-topic; start_targets
create_topic_json=""  # created here, the operator's way, not by the services
cluster topic "$kafka_dir" "$topic" 3
replicas=$(kcat -L -b "$bootstrap" -t "$topic" | grep -c 'replicas: [0-9],[0-9],[0-9], isrs: [0-9],[0-9],[0-9]$')
((replicas == 3)) || fail "expected 3 partitions with 3 replicas in sync, kcat says: $(kcat -L -b "$bootstrap" -t "$topic")"

write_config 10 1
start_service consumer; start_service producer
sleep "$run_seconds"
stop_service producer
probes=$(producer_total probes); undelivered=$(producer_total undelivered)
((probes >= 10 * (run_seconds - 2))) || fail "only $probes probes in $run_seconds s"
((undelivered == 0)) || fail "$undelivered reports undelivered"
check_exact "$probes"
stop_service consumer
grep -q "kafka topic $topic: 3 partitions, replication factor 3 (3 brokers)" "$work/producer.log" ||
  fail "the producer did not check the topic at start"
pass "real kafka (3 nodes): $probes probes, $probes rows, ids on the topic = ids in PostgreSQL"
