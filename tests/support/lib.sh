# Shared by the scripted fault and end-to-end tests (tests/fault, tests/e2e, tests/real_kafka):
# each test gets its own PostgreSQL cluster, target server and config, so it can stop any of them
# without disturbing other tests, and counts rows exactly at the end. Kafka is either a
# development broker of the test's own (start_broker) or the shared three-node Apache Kafka
# cluster of the ctest fixture, with a topic and consumer group of the test's own
# (use_real_kafka).
#
# Needs WEBMON_PRODUCER, WEBMON_CONSUMER, WEBMON_DEV_BROKER, WEBMON_TARGET_SERVER and
# WEBMON_SOURCE_DIR (set by CTest); WEBMON_TEST_ENV_DIR for the real cluster.
set -euo pipefail

work=$(mktemp -d /tmp/webmon-fault.XXXXXX)
chmod 755 "$work"
declare -A service_pids=()
topic=webmon.reports
group=fault-test
create_topic_json=""
helper_pids=()
keep_work=${WEBMON_FAULT_KEEP:-0}

log() { echo "[$(date +%H:%M:%S)] $*"; }
fail() {
  echo "FAIL: $*"
  keep_work=1
  for f in "$work"/*.log; do echo "--- $f (last 40 lines)"; tail -n 40 "$f"; done
  if [[ -n ${kafka_dir:-} && -n ${topic:-} ]]; then
    # A real cluster is shared by the tests and stopped after them: keep what its brokers
    # said about this test's topic, and say whether any of them cut a log short.
    for node in "$kafka_dir"/node*; do
      grep -F "$topic" "$node/server.log" >"$work/kafka-${node##*/}.log" 2>/dev/null || true
    done
    echo "--- truncations of $topic with an effect, by broker (leader changes cut logs short):"
    grep -h 'Truncating to' "$work"/kafka-node*.log 2>/dev/null | grep -v 'has no effect' | tail -n 20 || true
    timeout 20 kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%p %o %T\n' 2>/dev/null |
      awk '{n[$1]++; if (!($1 in first)) first[$1]=$2; last[$1]=$2} END {for (p in n) print "--- partition " p ": offsets " first[p] ".." last[p] ", " n[p] " messages"}' || true
  fi
  exit 1
}
pass() { echo "ok   - $*"; }

cleanup() {
  for pid in "${service_pids[@]}" "${helper_pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$WEBMON_SOURCE_DIR/scripts/pg-throwaway.sh" stop "$work/pg" >/dev/null 2>&1 || true
  if ((keep_work)); then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# wait_until SECONDS COMMAND...: polls every 0.2 s; returns 1 on timeout.
wait_until() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}

start_postgres() {
  "$WEBMON_SOURCE_DIR/scripts/pg-throwaway.sh" start "$work/pg" >/dev/null
  pg_port=$(cat "$work/pg/port")
}
stop_postgres() { "$WEBMON_SOURCE_DIR/scripts/pg-throwaway.sh" stop "$work/pg"; }
restart_postgres() { "$WEBMON_SOURCE_DIR/scripts/pg-throwaway.sh" restart "$work/pg"; }
sql() { PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U webmon -d webmon -v ON_ERROR_STOP=1 -c "$1"; }
sql_file() { PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U webmon -d webmon -v ON_ERROR_STOP=1 -f "$1"; }
rows() { sql "SELECT count(*) FROM reports" 2>/dev/null || echo 0; }
rows_above() { (($(rows) > $1)); }  # wait_until 30 rows_above 20

start_broker() {  # start_broker [PARTITIONS [DEV BROKER OPTIONS...]]
  "$WEBMON_DEV_BROKER" --partitions "${1:-3}" "${@:2}" --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 &
  broker_pid=$!; helper_pids+=("$broker_pid")
  wait_until 10 test -s "$work/bootstrap" || fail "the dev broker did not start"
  bootstrap=$(cat "$work/bootstrap")
}
broker_down() { kill -USR1 "$broker_pid"; }
broker_up() { kill -USR2 "$broker_pid"; }

# The real three-node cluster the ctest fixture runs (fixture.kafka.start), brought back to
# health first (a failed test may have left a node stopped), with a topic and group of this
# test's own. The topic is created here, as the README tells operators to, and every replica
# is in sync before the services start (create_topic stays set, and finds it there), unless
# the test says --no-topic (missing_topic tests the services creating it).
cluster() { "$WEBMON_SOURCE_DIR/scripts/kafka-cluster.sh" "$@"; }
use_real_kafka() {  # use_real_kafka [--no-topic]
  kafka_dir=$WEBMON_TEST_ENV_DIR/kafka
  [[ -s $kafka_dir/bootstrap ]] || fail "no real Kafka cluster in $kafka_dir (fixture.kafka.start)"
  cluster heal "$kafka_dir" || fail "the real Kafka cluster cannot be brought back to health"
  bootstrap=$(cat "$kafka_dir/bootstrap")
  topic=webmon.test.${work##*.}
  group=webmon-test-${work##*.}
  create_topic_json='"create_topic": {"partitions": 3, "replication_factor": 3}'
  [[ ${1:-} == --no-topic ]] || {
    cluster topic "$kafka_dir" "$topic" 3 || fail "cannot create topic $topic"
    cluster wait-isr "$kafka_dir" "$topic" 3 60 || fail "topic $topic: replicas not in sync"
  }
  log "real Kafka cluster at $bootstrap, topic $topic"
}
# The JSON list the config wants from a comma-separated bootstrap string.
bootstrap_json() { echo "\"${bootstrap//,/\",\"}\""; }

start_targets() {  # start_targets [TARGET SERVER OPTIONS...] (--hit-log FILE, say)
  "$WEBMON_TARGET_SERVER" --port-file "$work/target.port" "$@" >"$work/target.log" 2>&1 &
  helper_pids+=($!)
  wait_until 10 test -s "$work/target.port" || fail "the target server did not start"
  target_port=$(cat "$work/target.port")
}

# The notification receiver (tests/support/notification_receiver.cpp): what it is sent goes to
# $work/received.jsonl; receiver_control fail?seconds=N | hang?seconds=N | ok.
start_receiver() {
  "$WEBMON_TEST_RECEIVER" --port-file "$work/receiver.port" --record "$work/received.jsonl" \
    >"$work/receiver.log" 2>&1 &
  helper_pids+=($!)
  wait_until 10 test -s "$work/receiver.port" || fail "the notification receiver did not start"
  receiver_port=$(cat "$work/receiver.port")
}
receiver_control() { curl -fsS -d "" "http://127.0.0.1:$receiver_port/control/$1" >/dev/null; }

# A local SMTP server (tests/support/smtp_receiver.py on aiosmtpd) requiring STARTTLS and
# AUTH as user webmon / password $smtp_password, with a CA and certificate made here
# ($work/smtp-ca.pem); it records every message in $work/mails.jsonl and refuses them (451)
# while $work/smtp.fail exists.
start_smtp_receiver() {
  smtp_password="smtp-secret-$RANDOM"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=webmon test mail CA" \
    -keyout "$work/smtp-ca.key" -out "$work/smtp-ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$work/smtp.key" \
    -out "$work/smtp.csr" 2>/dev/null
  openssl x509 -req -in "$work/smtp.csr" -CA "$work/smtp-ca.pem" -CAkey "$work/smtp-ca.key" \
    -CAcreateserial -days 2 -extfile <(printf "subjectAltName=IP:127.0.0.1") \
    -out "$work/smtp.pem" 2>/dev/null
  # Debian's python3, which has the aiosmtpd package (not one first on PATH).
  /usr/bin/python3 "$WEBMON_SOURCE_DIR/tests/support/smtp_receiver.py" --port-file "$work/smtp.port" \
    --record "$work/mails.jsonl" --cert "$work/smtp.pem" --key "$work/smtp.key" \
    --user webmon --password "$smtp_password" --fail-file "$work/smtp.fail" \
    >"$work/smtp.log" 2>&1 &
  helper_pids+=($!)
  wait_until 20 test -s "$work/smtp.port" || fail "the SMTP receiver did not start"
  smtp_port=$(cat "$work/smtp.port")
}

# write_config URL_COUNT PERIOD_SECONDS PRODUCER_JSON CONSUMER_JSON
write_config() {
  local count=$1 period=$2 urls="" i
  for ((i = 0; i < count; i++)); do
    urls+="${urls:+,}{\"url\": \"http://127.0.0.1:$target_port/ok?target=$i\", \"timeout\": 0.5, \"period\": $period}"
  done
  cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": [$(bootstrap_json)], "topic": "$topic" ${create_topic_json:+, $create_topic_json}},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [$urls],
  "producer": {"id": "fault-test", "metrics_listen": "127.0.0.1:0" ${3:+, $3}},
  "consumer": {"status_listen": "", "group_id": "$group", "session_timeout": 6, "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0" ${4:+, $4}}
}
JSON
}

# start_service producer|consumer [INSTANCE [CONFIG]]: logs go to $work/<INSTANCE>.log
# (appended); the config is $work/config.json unless CONFIG names another.
start_service() {
  local kind=$1 name=${2:-$1} config=${3:-$work/config.json} binary
  [[ $kind == producer ]] && binary=$WEBMON_PRODUCER || binary=$WEBMON_CONSUMER
  WEBMON_DB_PASSWORD=webmon "$binary" --config "$config" >>"$work/$name.log" 2>&1 &
  service_pids[$name]=$!
}
# stop_service NAME...: SIGTERM to all of them at once; each must exit 0.
stop_service() {
  local name code
  for name in "$@"; do kill -TERM "${service_pids[$name]}"; done
  for name in "$@"; do
    code=0
    wait "${service_pids[$name]}" || code=$?
    unset "service_pids[$name]"
    ((code == 0)) || fail "$name exited with $code after SIGTERM (expected 0)"
  done
}
kill9_service() {
  local name=$1 pid=${service_pids[$1]}
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  unset "service_pids[$name]"
}
service_alive() { kill -0 "${service_pids[$1]}" 2>/dev/null; }

endpoint_of() {  # endpoint_of INSTANCE: where its log says it serves /metrics (port 0 in the config)
  sed -n 's|.*serving /metrics and /healthz on \(http://[0-9.:]*\).*|\1|p' "$work/$1.log" | tail -n 1
}
metric() {  # metric INSTANCE SERIES: the value of one series, scraped now
  curl -s "$(endpoint_of "$1")/metrics" | awk -v series="$2" '$1 == series {print $2}'
}

# The producer's own accounting, from the last "stopped:" line of its log.
producer_total() {  # producer_total FIELD [LOG]
  grep 'stopped: probes=' "$work/${2:-producer}.log" | tail -n 1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}
sum_producer_totals() {  # sum over every "stopped:" line (restarts)
  grep 'stopped: probes=' "$work/${2:-producer}.log" | sed -n "s/.* $1=\([0-9]*\).*/\1/p" |
    awk '{s += $1} END {print s + 0}'
}

# Report ids as they went over the wire, read independently with kcat.
topic_ids() {
  kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%s\n' 2>/dev/null |
    sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | sort
}

# check_exact EXPECTED: rows == EXPECTED and every id on the topic is in PostgreSQL once.
check_exact() {
  local expected=$1 stored distinct on_topic unique_on_topic missing rolled_up rollup_mismatches
  wait_until 60 bash -c "[[ \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports' 2>/dev/null || echo 0) -ge $expected ]]" || true
  topic_ids >"$work/topic_ids"
  sql "SELECT id::text FROM reports ORDER BY 1" >"$work/row_ids"
  stored=$(wc -l <"$work/row_ids")
  distinct=$(sort -u "$work/row_ids" | wc -l)
  on_topic=$(wc -l <"$work/topic_ids")
  unique_on_topic=$(sort -u "$work/topic_ids" | wc -l)
  missing=$(comm -23 <(sort -u "$work/topic_ids") "$work/row_ids" | wc -l)
  # The rollups count every stored row once, whatever the fault (tests/support/rollups_vs_raw.sql
  # compares each (url, hour) and (url, day) with the raw rows).
  rolled_up=$(sql "SELECT coalesce(sum(probes), 0) FROM reports_hourly")
  rollup_mismatches=$(sql_file "$WEBMON_SOURCE_DIR/tests/support/rollups_vs_raw.sql")
  echo "expected=$expected rows=$stored lost=$((expected - stored)) duplicated=$((stored - distinct))" \
    "topic_messages=$on_topic topic_unique_ids=$unique_on_topic on_topic_not_in_db=$missing" \
    "rolled_up=$rolled_up rollup_mismatches=$rollup_mismatches"
  ((stored == expected)) || fail "expected exactly $expected rows, found $stored"
  ((stored == distinct)) || fail "duplicate rows"
  ((missing == 0)) || fail "$missing reports on the topic never reached PostgreSQL"
  ((rolled_up == stored)) || fail "the hourly rollups count $rolled_up probes, the table holds $stored rows"
  ((rollup_mismatches == 0)) || fail "$rollup_mismatches rollup rows disagree with the raw rows"
  check_stored_offsets
}

# Every message on the topic was stored once (as a report or set aside), so the offsets stored
# with the rows (consumer_offsets) are each partition's end: one past its last message, as
# kcat reads the topic. Waits a little: a rejected message may be in the last batch.
stored_offsets() {
  sql "SELECT kafka_partition || ' ' || next_offset FROM consumer_offsets WHERE kafka_topic = '$topic'" | sort
}
stored_offsets_are_topic_ends() { stored_offsets | diff -q "$work/topic_ends" - >/dev/null; }
check_stored_offsets() {
  kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%p %o\n' 2>/dev/null |
    awk '$2 + 1 > end[$1] {end[$1] = $2 + 1} END {for (p in end) print p, end[p]}' | sort >"$work/topic_ends"
  wait_until 30 stored_offsets_are_topic_ends ||
    fail "stored offsets ($(stored_offsets | tr '\n' ',')) are not the topic's ends ($(tr '\n' ',' <"$work/topic_ends"))"
  echo "stored_offsets=$(tr '\n' ',' <"$work/topic_ends")"
}
