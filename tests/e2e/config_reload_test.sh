#!/usr/bin/env bash
# Live config edits under a running producer, checked against the rows in PostgreSQL:
#   1. a new file renamed over the config (how editors and deploy tools save): an added URL is
#      probed within a second, a removed one stops, a changed period takes effect, and an
#      unchanged URL keeps its 2 s rhythm through every reload (no extra probe, no gap);
#   2. a broken edit written in place is rejected as a whole, with the path-named error, and
#      the running set stays as it was;
#   3. the file fixed in place is applied;
#   4. SIGHUP to both services: the producer reloads (nothing changed), the consumer ignores it.
# Finally every probe the target server answered is one row, exactly.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets

url_json() {  # url_json NAME PERIOD
  echo "{\"url\": \"http://127.0.0.1:$target_port/ok?t=$1\", \"name\": \"$1\", \"timeout\": 0.5, \"period\": $2}"
}
config_json() {  # config_json URL_JSON...
  local urls
  urls=$(IFS=,; echo "$*")
  cat <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"]},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [$urls],
  "producer": {"id": "reload-test", "metrics_listen": "127.0.0.1:0"},
  "consumer": {"status_listen": "", "group_id": "reload-test", "session_timeout": 6, "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0"}
}
JSON
}
now_ms() { date +%s%3N; }
reloads_logged() { grep -c "$1" "$work/producer.log" || true; }
wait_for_log() {  # wait_for_log COUNT PATTERN: until PATTERN appears COUNT times
  wait_until 5 bash -c "(( \$(grep -c '$2' '$work/producer.log') >= $1 ))" ||
    fail "the producer did not log '$2' (expected $1 times)"
}
# Epoch milliseconds of every probe of NAME, in order.
probe_times() {
  sql "SELECT (extract(epoch FROM checked_at) * 1000)::bigint FROM reports WHERE name = '$1' ORDER BY checked_at"
}

config_json "$(url_json steady 2)" "$(url_json removed 1)" "$(url_json changed 4)" >"$work/config.json"
start_service consumer; start_service producer
sleep 6

log "edit 1: rename a new file over the config (add 'added', remove 'removed', 'changed' 4 s -> 1 s)"
config_json "$(url_json steady 2)" "$(url_json changed 1)" "$(url_json added 2)" >"$work/.config.json.new"
edit1=$(now_ms)
mv "$work/.config.json.new" "$work/config.json"
wait_for_log 1 "config reloaded (file changed): 3 urls: 1 added, 1 removed, 1 changed, 1 unchanged"
sleep 6

log "edit 2: a broken edit written in place ('changed' period below its timeout, plus a new url)"
config_json "$(url_json steady 2)" "$(url_json changed 0.2)" "$(url_json added 2)" "$(url_json never 2)" >"$work/config.json"
wait_for_log 1 "config reload (file changed) rejected"
grep -q "monitored_urls\[1\].period: must be greater than timeout" "$work/producer.log" ||
  fail "the rejection does not name monitored_urls[1].period and the rule"
sleep 4

log "edit 3: the file fixed in place (adds 'fixed')"
edit3=$(now_ms)
config_json "$(url_json steady 2)" "$(url_json changed 1)" "$(url_json added 2)" "$(url_json fixed 2)" >"$work/config.json"
wait_for_log 1 "config reloaded (file changed): 4 urls: 1 added, 0 removed, 0 changed, 3 unchanged"
sleep 4

log "SIGHUP to both services"
kill -HUP "${service_pids[producer]}" "${service_pids[consumer]}"
wait_for_log 1 "config reloaded (SIGHUP): 4 urls: 0 added, 0 removed, 0 changed, 4 unchanged"
sleep 3
service_alive producer || fail "the producer died on SIGHUP"
service_alive consumer || fail "the consumer died on SIGHUP"
stop_service producer
delivered=$(producer_total delivered)
check_exact "$delivered"
stop_service consumer
end=$(now_ms)

log "checking the probe times in PostgreSQL"
mapfile -t removed < <(probe_times removed)
mapfile -t added < <(probe_times added)
mapfile -t fixed < <(probe_times fixed)
mapfile -t changed < <(probe_times changed)
mapfile -t steady < <(probe_times steady)
never=$(sql "SELECT count(*) FROM reports WHERE name = 'never'")
((${#removed[@]} >= 4)) || fail "'removed' was probed only ${#removed[@]} times before the edit"
last_removed=$((${removed[-1]} - edit1))
((last_removed < 500)) || fail "'removed' was still probed $last_removed ms after the edit"
((${#added[@]} > 0)) && ((${#fixed[@]} > 0)) || fail "an added url was never probed"
first_added=$((${added[0]} - edit1))
first_fixed=$((${fixed[0]} - edit3))
((first_added > 0 && first_added <= 1000)) || fail "'added' first probed $first_added ms after the edit (limit 1000)"
((first_fixed > 0 && first_fixed <= 1000)) || fail "'fixed' first probed $first_fixed ms after the edit (limit 1000)"
((never == 0)) || fail "'never' from the rejected edit was probed $never times"
# 'changed': every 4 s before edit 1, every 1 s after it (including through the broken edit).
fast=0
for ((i = 1; i < ${#changed[@]}; i++)); do
  gap=$((changed[i] - changed[i - 1]))
  if ((changed[i - 1] > edit1 + 1000)); then
    ((gap >= 900 && gap <= 1100)) || fail "'changed' probed ${gap} ms apart after its period became 1 s"
    ((++fast))
  fi
done
((fast >= 15)) || fail "'changed' ran only $fast times at its new 1 s period"
# 'steady' never changed: 2 s apart from start to end, across three reloads and a rejection.
worst=0
for ((i = 1; i < ${#steady[@]}; i++)); do
  gap=$((steady[i] - steady[i - 1]))
  off=$((gap > 2000 ? gap - 2000 : 2000 - gap))
  ((off > worst)) && worst=$off
done
((worst <= 150)) || fail "'steady' drifted: consecutive probes were up to $worst ms off its 2 s period"
((${#steady[@]} >= 10)) || fail "'steady' was probed only ${#steady[@]} times"
hits=$(curl -s "http://127.0.0.1:$target_port/hits" | awk '$1 == "/ok" {print $2}')
rows_total=$(rows)
((hits == rows_total)) || fail "the target server answered $hits probes but PostgreSQL holds $rows_total rows"
echo "removed_last_probe_after_edit_ms=$last_removed added_first_probe_ms=$first_added" \
  "fixed_first_probe_ms=$first_fixed changed_runs_at_1s=$fast steady_runs=${#steady[@]}" \
  "steady_worst_offset_ms=$worst never_probed=$never target_hits=$hits rows=$rows_total"
pass "config reload: adds within a second, removes, changes, rejects a broken edit, keeps unchanged schedules; $rows_total probes = rows"
