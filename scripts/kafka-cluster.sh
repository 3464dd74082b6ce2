#!/usr/bin/env bash
# A real Apache Kafka cluster (KRaft, no ZooKeeper) on loopback, for tests, the benchmark and
# `run-local.sh --real-kafka`. The broker comes from Maven Central as jars (scripts/kafka/pom.xml,
# pinned version; the local Maven repository caches them) and runs with plain `java`.
#
#   kafka-cluster.sh fetch                      download the jars (once per machine); prints lib dir
#   kafka-cluster.sh start DIR [1|3]            format and start N combined broker+controller
#                                               nodes on free ports; writes DIR/bootstrap
#   kafka-cluster.sh prepare DIR [1|3]          only pick ports, write properties and format
#   kafka-cluster.sh run DIR ID                 run one prepared node in the foreground (for a
#                                               process manager: run-local.sh --real-kafka)
#   kafka-cluster.sh ready DIR [SECONDS]        wait until the cluster lists all its brokers
#   kafka-cluster.sh stop DIR                   stop every node (SIGTERM, then SIGKILL after 15 s)
#   kafka-cluster.sh status DIR                 each node: pid, port, running or not
#   kafka-cluster.sh topic DIR NAME PARTITIONS  create a topic (RF 3 and min.insync.replicas=2
#                                               on three nodes, RF 1 on one)
#   kafka-cluster.sh describe DIR TOPIC         the topic's settings that differ from the defaults
#   kafka-cluster.sh leader DIR TOPIC PARTITION the node that leads a partition
#   kafka-cluster.sh node DIR ID kill|term|start|pause|resume
#                                               faults: SIGKILL, controlled stop, start again with
#                                               the same command and log (recovery), SIGSTOP/CONT
#   kafka-cluster.sh heal DIR                   resume paused nodes, start stopped ones, wait
#                                               until the cluster lists them all again
#   kafka-cluster.sh wait-isr DIR TOPIC COUNT [SECONDS]
#                                               until every partition has COUNT in-sync replicas
#
# Needs java (17+) and mvn: `scripts/install-deps.sh --real-kafka` installs both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/scripts/kafka/pom.xml")
lib_dir=${WEBMON_KAFKA_LIB:-${XDG_CACHE_HOME:-$HOME/.cache}/webmon/kafka-$kafka_version/lib}
# Small heaps: three nodes share two cores and the tests' other servers. ExitOnOutOfMemoryError
# turns a heap too small into a visible exit rather than a node that limps on.
java_opts=${WEBMON_KAFKA_JAVA_OPTS:--Xms256m -Xmx512m -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC}
ready_seconds=${WEBMON_KAFKA_READY_SECONDS:-120}

die() { echo "kafka-cluster: $*" >&2; exit 1; }

fetch() {
  if [[ -f $lib_dir/.complete ]]; then return; fi
  command -v mvn >/dev/null || die "mvn not found; run scripts/install-deps.sh --real-kafka"
  command -v java >/dev/null || die "java not found; run scripts/install-deps.sh --real-kafka"
  echo "kafka-cluster: fetching Apache Kafka $kafka_version through Maven into $lib_dir" >&2
  rm -rf "$lib_dir"; mkdir -p "$lib_dir"
  # copy-dependencies, not dependency:get: only the former gives a class path of jars.
  mvn -q -B -f "$root/scripts/kafka/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.7.1:copy-dependencies \
    -DoutputDirectory="$lib_dir" -DincludeScope=runtime >&2 ||
    die "maven could not fetch Kafka $kafka_version (is Maven Central reachable?)"
  touch "$lib_dir/.complete"
}

kafka_tool() {  # kafka_tool MAIN_CLASS ARGS...
  # shellcheck disable=SC2086
  java -Xmx256m $tool_jvm_flags -Dlog4j2.configurationFile="file:$root/scripts/kafka/tools-log4j2.properties" \
    -cp "$lib_dir/*" "$@"
}
tool_jvm_flags="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto"

# A random port below the ephemeral range that nothing listens on and no other node took.
taken_ports=" "
free_port() {
  local port
  for _ in $(seq 100); do
    port=$(shuf -i 20000-32000 -n 1)
    [[ $taken_ports == *" $port "* ]] && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      taken_ports+="$port "; echo "$port"; return
    fi
  done
  die "no free port found"
}

nodes_of() { cat "$1/nodes"; }
node_dir() { echo "$1/node$2"; }
node_pid() { cat "$(node_dir "$1" "$2")/pid" 2>/dev/null || true; }
node_alive() { local pid; pid=$(node_pid "$1" "$2"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

write_properties() {  # write_properties DIR ID COUNT VOTERS
  local dir=$1 id=$2 count=$3 voters=$4 nd replication=1 min_isr=1
  nd=$(node_dir "$dir" "$id")
  if ((count >= 3)); then replication=3; min_isr=2; fi
  cat >"$nd/server.properties" <<PROPS
# Written by scripts/kafka-cluster.sh: node $id of $count, combined broker and controller.
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(cat "$nd/port"),CONTROLLER://127.0.0.1:$(cat "$nd/controller_port")
advertised.listeners=PLAINTEXT://127.0.0.1:$(cat "$nd/port")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$nd/data
# Durability as a production cluster should have it: nothing acknowledged with acks=all lives
# on fewer than min.insync.replicas nodes, and an out-of-sync replica never becomes leader.
default.replication.factor=$replication
min.insync.replicas=$min_isr
offsets.topic.replication.factor=$replication
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$replication
transaction.state.log.min.isr=$min_isr
unclean.leader.election.enable=false
auto.create.topics.enable=false
num.partitions=3
# Tests: a new group gets its partitions at once, and a dead node is fenced within 3 s.
group.initial.rebalance.delay.ms=0
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
# Two cores for everything.
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
PROPS
}

node_command() {  # node_command DIR ID: sets node_cmd, the java command line of one node
  local nd; nd=$(node_dir "$1" "$2")
  # shellcheck disable=SC2206  # java_opts is a list of options on purpose
  node_cmd=(java $java_opts -Djava.awt.headless=true
    -Dlog4j2.configurationFile="file:$root/scripts/kafka/log4j2.properties"
    -Dkafka.logs.dir="$nd" -cp "$lib_dir/*" kafka.Kafka "$nd/server.properties")
}

start_node() {  # start_node DIR ID: in the background, its own session (kill -9 hits it alone)
  local dir=$1 id=$2 nd
  nd=$(node_dir "$dir" "$id")
  node_alive "$dir" "$id" && die "node $id is already running (pid $(node_pid "$dir" "$id"))"
  # Readiness is judged on the log lines written after this start.
  touch "$nd/server.log"
  wc -l <"$nd/server.log" >"$nd/log_mark"
  node_command "$dir" "$id"
  # A plain command in the background, so $! is java's own pid (setsid does not fork when
  # its caller is not a process-group leader, as a background job of a script is not).
  setsid "${node_cmd[@]}" >>"$nd/stdout.log" 2>&1 </dev/null &
  echo $! >"$nd/pid"
}

run_node() {  # run_node DIR ID: in the foreground, for a process manager
  local dir=$1 id=$2
  [[ -f $dir/nodes ]] || die "no prepared cluster in $dir (kafka-cluster.sh prepare)"
  echo $$ >"$(node_dir "$dir" "$id")/pid"
  node_command "$dir" "$id"
  exec "${node_cmd[@]}"
}

node_started() {  # the node logged "Kafka Server started" since its last start
  local nd; nd=$(node_dir "$1" "$2")
  tail -n +"$(($(cat "$nd/log_mark") + 1))" "$nd/server.log" | grep -q 'Kafka Server started'
}

wait_node() {  # wait_node DIR ID
  local dir=$1 id=$2 deadline=$((SECONDS + ready_seconds))
  until node_started "$dir" "$id"; do
    node_alive "$dir" "$id" || { tail -n 30 "$(node_dir "$dir" "$id")/stdout.log" "$(node_dir "$dir" "$id")/server.log" >&2; die "node $id exited during start-up"; }
    ((SECONDS < deadline)) || die "node $id not ready after ${ready_seconds}s; see $(node_dir "$dir" "$id")/server.log"
    sleep 0.3
  done
}

brokers_listed() {  # how many brokers a metadata request lists
  kcat -L -b "$(cat "$1/bootstrap")" -m 5 2>/dev/null | sed -n 's/^ *\([0-9]*\) brokers:.*/\1/p' | head -n 1
}

prepare() {  # prepare DIR COUNT: ports, properties, formatted storage; writes DIR/bootstrap
  local dir=$1 count=${2:-3} id voters="" cluster_id bootstrap=""
  [[ $count == 1 || $count == 3 ]] || die "a cluster has 1 or 3 nodes, not $count"
  fetch
  [[ -f $dir/nodes ]] && die "$dir already holds a cluster; stop it and remove the directory first"
  mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
  for ((id = 1; id <= count; id++)); do
    mkdir -p "$(node_dir "$dir" "$id")"
    free_port >"$(node_dir "$dir" "$id")/port"
    free_port >"$(node_dir "$dir" "$id")/controller_port"
    voters+="${voters:+,}$id@127.0.0.1:$(cat "$(node_dir "$dir" "$id")/controller_port")"
  done
  for ((id = 1; id <= count; id++)); do
    write_properties "$dir" "$id" "$count" "$voters"
    bootstrap+="${bootstrap:+,}127.0.0.1:$(cat "$(node_dir "$dir" "$id")/port")"
  done
  # A cluster id is 16 random bytes in URL-safe base64 without padding (Kafka's Uuid);
  # making it here saves a JVM start. It must not begin with '-' (a command-line flag).
  cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  while [[ $cluster_id == -* ]]; do
    cluster_id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
  done
  for ((id = 1; id <= count; id++)); do
    kafka_tool kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$(node_dir "$dir" "$id")/server.properties" >"$(node_dir "$dir" "$id")/format.log" 2>&1 &
  done
  wait || die "formatting storage failed; see $dir/node*/format.log"
  echo "$cluster_id" >"$dir/cluster_id"
  echo "$bootstrap" >"$dir/bootstrap"
  echo "$count" >"$dir/nodes"  # last: a directory with this file holds a usable cluster
}

ready() {  # ready DIR [SECONDS]: until a metadata request lists every broker
  local dir=$1 deadline=$((SECONDS + ${2:-$ready_seconds}))
  until [[ $(brokers_listed "$dir") == "$(nodes_of "$dir")" ]]; do
    ((SECONDS < deadline)) || die "the cluster in $dir does not list its $(nodes_of "$dir") brokers"
    sleep 0.3
  done
}

start() {
  local dir=$1 count=${2:-3} id
  prepare "$dir" "$count"
  dir=$(cd "$dir" && pwd)
  for ((id = 1; id <= count; id++)); do start_node "$dir" "$id"; done
  for ((id = 1; id <= count; id++)); do wait_node "$dir" "$id"; done
  ready "$dir"
  echo "kafka-cluster: Apache Kafka $kafka_version, $count node(s) at $(cat "$dir/bootstrap") (data in $dir)"
}

stop() {
  local dir=$1 id pid deadline
  [[ -f $dir/nodes ]] || return 0
  for ((id = 1; id <= $(nodes_of "$dir"); id++)); do
    pid=$(node_pid "$dir" "$id")
    [[ -n $pid ]] || continue
    kill -CONT "$pid" 2>/dev/null || true  # a paused node cannot stop
    kill -TERM "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + 15))
  for ((id = 1; id <= $(nodes_of "$dir"); id++)); do
    while node_alive "$dir" "$id" && ((SECONDS < deadline)); do sleep 0.2; done
    # The last nodes of a cluster stopping together may wait on a quorum that is gone.
    node_alive "$dir" "$id" && kill -9 "$(node_pid "$dir" "$id")" 2>/dev/null || true
    rm -f "$(node_dir "$dir" "$id")/pid"
  done
}

status() {
  local dir=$1 id state
  [[ -f $dir/nodes ]] || die "no cluster in $dir"
  echo "bootstrap $(cat "$dir/bootstrap" 2>/dev/null || echo '(not ready)')"
  for ((id = 1; id <= $(nodes_of "$dir"); id++)); do
    node_alive "$dir" "$id" && state=running || state=stopped
    echo "node $id: $state pid=$(node_pid "$dir" "$id") port=$(cat "$(node_dir "$dir" "$id")/port")"
  done
}

create_topic() {  # create_topic DIR NAME PARTITIONS
  local dir=$1 name=$2 partitions=$3 replication=1 args=()
  (($(nodes_of "$dir") >= 3)) && replication=3 && args+=(--config min.insync.replicas=2)
  kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(cat "$dir/bootstrap")" \
    --create --topic "$name" --partitions "$partitions" --replication-factor "$replication" "${args[@]}" >/dev/null
  # Created means every partition has a leader that answers metadata requests.
  local deadline=$((SECONDS + 30))
  until [[ $(kcat -L -b "$(cat "$dir/bootstrap")" -t "$name" -m 5 2>/dev/null | grep -c 'leader [0-9]') == "$partitions" ]]; do
    ((SECONDS < deadline)) || die "topic $name has no leaders after 30 s"
    sleep 0.2
  done
}

describe() {  # describe DIR TOPIC
  kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$(cat "$1/bootstrap")" --describe \
    --entity-type topics --entity-name "$2"
}

leader() {  # leader DIR TOPIC PARTITION
  kcat -L -b "$(cat "$1/bootstrap")" -t "$2" -m 5 2>/dev/null |
    sed -n "s/^ *partition $3, leader \([0-9-]*\),.*/\1/p" | head -n 1
}

wait_isr() {  # wait_isr DIR TOPIC COUNT [SECONDS]
  local dir=$1 topic=$2 want=$3 deadline=$((SECONDS + ${4:-60})) short
  while :; do
    short=$(kcat -L -b "$(cat "$dir/bootstrap")" -t "$topic" -m 5 2>/dev/null |
      sed -n 's/.*isrs: \([0-9,]*\).*/\1/p' | awk -F, -v want="$want" 'NF < want' | wc -l)
    [[ $short == 0 ]] && return 0
    ((SECONDS < deadline)) || die "topic $topic: $short partition(s) with fewer than $want in-sync replicas"
    sleep 0.3
  done
}

node_action() {  # node_action DIR ID kill|term|start|pause|resume
  local dir=$1 id=$2 pid
  pid=$(node_pid "$dir" "$id")
  case "$3" in
    kill) kill -9 "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done ;;
    term)
      kill -TERM "$pid"
      local deadline=$((SECONDS + 60))
      while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || die "node $id did not stop within 60 s of SIGTERM"
        sleep 0.2
      done ;;
    start) start_node "$dir" "$id"; wait_node "$dir" "$id" ;;
    pause) kill -STOP "$pid" ;;
    resume) kill -CONT "$pid" ;;
    *) die "unknown node action $3 (kill, term, start, pause, resume)" ;;
  esac
}

heal() {
  local dir=$1 id started=() count
  [[ -s $dir/bootstrap ]] || die "no running cluster in $dir"
  count=$(nodes_of "$dir")
  for ((id = 1; id <= count; id++)); do
    if node_alive "$dir" "$id"; then
      kill -CONT "$(node_pid "$dir" "$id")"
    else
      start_node "$dir" "$id"; started+=("$id")
    fi
  done
  for id in "${started[@]}"; do wait_node "$dir" "$id"; done
  ready "$dir"
}

usage="usage: kafka-cluster.sh fetch | start DIR [1|3] | prepare DIR [1|3] | run DIR ID | ready DIR [SECONDS] | stop DIR | status DIR | heal DIR | topic DIR NAME PARTITIONS | describe DIR TOPIC | leader DIR TOPIC PARTITION | node DIR ID kill|term|start|pause|resume | wait-isr DIR TOPIC COUNT [SECONDS]"
case "${1:-}" in
  fetch) fetch; echo "$lib_dir" ;;
  start) start "${2:?$usage}" "${3:-3}" ;;
  prepare) prepare "${2:?$usage}" "${3:-3}" ;;
  run) run_node "${2:?$usage}" "${3:?$usage}" ;;
  ready) ready "${2:?$usage}" "${3:-$ready_seconds}" ;;
  stop) stop "${2:?$usage}" ;;
  status) status "${2:?$usage}" ;;
  heal) heal "${2:?$usage}" ;;
  topic) create_topic "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" ;;
  describe) describe "${2:?$usage}" "${3:?$usage}" ;;
  leader) leader "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" ;;
  node) node_action "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" ;;
  wait-isr) wait_isr "${2:?$usage}" "${3:?$usage}" "${4:?$usage}" "${5:-60}" ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
