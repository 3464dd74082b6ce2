#!/usr/bin/env bash
# Both services under supervisord, with the supervisord config run-local.sh uses
# (configs/supervisord.local.conf): SIGKILL one, then the other; supervisord restarts each and
# the pipeline carries on. `supervisorctl stop` then stops both gracefully (exit 0, the last
# batch committed), and PostgreSQL holds every report that reached the topic, once.
source "$(dirname "$0")/../support/lib.sh"
command -v supervisord >/dev/null || fail "supervisord not found (Debian package supervisor)"

export WEBMON_RUN_DIR=$work WEBMON_ROOT=$WEBMON_SOURCE_DIR
export WEBMON_BIN_DIR
WEBMON_BIN_DIR=$(dirname "$(dirname "$WEBMON_PRODUCER")")
supervisor_conf=$WEBMON_SOURCE_DIR/configs/supervisord.local.conf
ctl() { supervisorctl -c "$supervisor_conf" "$@"; }
trap 'ctl shutdown >/dev/null 2>&1 || true; cleanup' EXIT

start_postgres
supervisord -c "$supervisor_conf"
wait_until 10 bash -c "supervisorctl -c '$supervisor_conf' pid >/dev/null 2>&1" || fail "supervisord did not start"
ctl start dev-broker target-server >/dev/null
wait_until 10 test -s "$work/broker.bootstrap" || fail "the dev broker did not start"
wait_until 10 test -s "$work/target.port" || fail "the target server did not start"
bootstrap=$(cat "$work/broker.bootstrap"); target_port=$(cat "$work/target.port")
write_config 20 1
ctl start consumer producer >/dev/null
pid_of() { ctl pid "$1"; }
rows_above() {  # rows_above N SECONDS: wait until PostgreSQL holds more than N rows
  wait_until "$2" bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports' 2>/dev/null || echo 0) -gt $1 ]]"
}
rows_above 40 30 || fail "no rows arrived under supervisord"

for victim in consumer producer; do
  old=$(pid_of $victim)
  ((old > 0)) || fail "$victim is not running"
  kill -9 "$old"
  log "SIGKILL $victim (pid $old)"
  wait_until 20 bash -c "p=\$(supervisorctl -c '$supervisor_conf' pid $victim); ((p > 0 && p != $old))" ||
    fail "supervisord did not restart $victim"
  log "$victim restarted as pid $(pid_of $victim)"
  before=$(rows)
  # A restarted consumer waits for its old group membership to expire (session timeout 6 s).
  rows_above $((before + 20)) 40 || fail "the pipeline did not recover after $victim was killed"
  log "rows grew from $before to $(rows) after the restart"
done

ctl stop producer consumer >/dev/null
for service in producer consumer; do
  grep -q "stopped: $service (exit status 0)" "$work/supervisord.log" ||
    fail "supervisorctl stop: $service did not exit 0 ($(grep "$service" "$work/supervisord.log" | tail -n 2))"
done
grep -q 'stopped: batches=' "$work/consumer.log" || fail "the consumer did not stop cleanly"
unique_on_topic=$(topic_ids | sort -u | wc -l)
check_exact "$unique_on_topic"
restarts=$(grep -c "spawned: '\(producer\|consumer\)'" "$work/supervisord.log")
echo "spawns=$restarts sigkills=2 unique_reports_on_topic=$unique_on_topic"
pass "supervisord: both services restarted after SIGKILL, stopped with exit 0; $unique_on_topic reports, each stored once"
