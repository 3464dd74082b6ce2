#!/usr/bin/env bash
# On a real cluster with topic auto-creation off (as production clusters run): a service
# started against a topic that does not exist exits 2 with a message that names the topic and
# the command creating it, and creates nothing; with kafka.create_topic, the first service
# creates it as configured (partitions, replication factor 3, min.insync.replicas=2) and both
# go on.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; use_real_kafka --no-topic; start_targets
create_topic_json=""
write_config 2 1
for kind in producer consumer; do
  code=0
  [[ $kind == producer ]] && binary=$WEBMON_PRODUCER || binary=$WEBMON_CONSUMER
  WEBMON_DB_PASSWORD=webmon timeout 60 "$binary" --config "$work/config.json" >"$work/$kind.log" 2>&1 || code=$?
  ((code == 2)) || fail "$kind exited with $code for a missing topic (expected 2)"
  grep -q "kafka topic \"$topic\" does not exist on $bootstrap" "$work/$kind.log" ||
    fail "$kind did not name the missing topic"
  grep -q -- "kafka-topics.sh --bootstrap-server $bootstrap --create --topic $topic" "$work/$kind.log" ||
    fail "$kind did not say how to create the topic"
  pass "$kind: exit 2, names $topic and the kafka-topics.sh command"
done
kcat -L -b "$bootstrap" | grep -q "topic \"$topic\"" && fail "the topic was created although create_topic is unset"

create_topic_json='"create_topic": {"partitions": 4}'
write_config 2 1
start_service consumer; start_service producer
wait_until 60 rows_above 4 || fail "no rows with create_topic"
stop_service producer
check_exact "$(producer_total probes)"
stop_service consumer
partitions=$(kcat -L -b "$bootstrap" -t "$topic" | grep -c 'replicas: [0-9],[0-9],[0-9],')
((partitions == 4)) || fail "expected 4 partitions of 3 replicas, kcat says: $(kcat -L -b "$bootstrap" -t "$topic")"
cluster describe "$kafka_dir" "$topic" | grep -q 'min.insync.replicas=2' ||
  fail "the created topic lacks min.insync.replicas=2: $(cluster describe "$kafka_dir" "$topic")"
pass "create_topic: $topic made with 4 partitions x 3 replicas and min.insync.replicas=2"
