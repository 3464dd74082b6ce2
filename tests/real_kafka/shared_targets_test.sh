#!/usr/bin/env bash
# Real cluster: three producers in one group (producer.group) share 300 URLs probed every 2 s.
# The target server logs when each URL was requested (--hit-log), so the schedule is checked
# where it matters, at the target:
#   steady:    every URL is probed exactly once per period (each gap between two probes of a
#              URL is one period), by one member, and the URLs are spread over all three;
#   kill -9:   the dead member's URLs are probed again within session timeout + one period;
#   rejoin and rolling restart (clean stops): every URL keeps being probed, with at most one
#              period skipped at a handover;
#   all along: no URL is ever probed twice within half a period (no two owners at once).
source "$(dirname "$0")/../support/lib.sh"

period_ms=2000
session_s=6
count=300
start_postgres; use_real_kafka; start_targets --hit-log "$work/hits.log"
urls=""
for ((i = 0; i < count; i++)); do
  urls+="${urls:+,}{\"url\": \"http://127.0.0.1:$target_port/ok/t$i\", \"timeout\": 1.5, \"period\": $((period_ms / 1000))}"
done
config_for() {  # config_for PRODUCER_ID > FILE
  cat <<JSON
{
  "kafka": {"bootstrap_servers": [$(bootstrap_json)], "topic": "$topic", $create_topic_json},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [$urls],
  "producer": {"id": "$1", "group": "shared", "group_topic": "$topic.members", "group_partitions": 30,
               "group_session_timeout": $session_s, "metrics_listen": "", "stats_interval": 5},
  "consumer": {"status_listen": "", "group_id": "$group", "batch_max_wait": 0.2, "metrics_listen": ""}
}
JSON
}
members=(p1 p2 p3)
for m in "${members[@]}"; do config_for "$m" >"$work/$m.json"; done
cp "$work/p1.json" "$work/config.json"  # the consumer's
now_ms() { date +%s%3N; }
# The URLs a member said it probes in its last "probing N of M" line, since its log line L.
owned_by() { tail -n +"${2:-1}" "$work/$1.log" | sed -n 's/.*shared targets: probing \([0-9]*\) of.*/\1/p' | tail -n 1; }
all_share() {
  local m n sum=0
  for m in "${members[@]}"; do
    n=$(owned_by "$m"); [[ -n $n && $n -gt 0 ]] || return 1
    sum=$((sum + n))
  done
  ((sum == count))
}
# gaps FROM_MS TO_MS: per URL probed in the window, "path probes min_gap max_gap" (ms).
gaps() {
  awk -v from="$1" -v to="$2" '$1 >= from && $1 < to && $2 ~ /^\/ok\/t/ {print $2, $1}' "$work/hits.log" |
    sort -k1,1 -k2,2n |
    awk '{ if ($1 != path) { if (path != "") print path, n, min, max; path = $1; n = 0; min = 1e12; max = 0 }
           else { g = $2 - last; if (g < min) min = g; if (g > max) max = g }
           last = $2; n++ }
         END { if (path != "") print path, n, min, max }'
}

start_service consumer
for m in "${members[@]}"; do start_service producer "$m" "$work/$m.json"; done
wait_until 90 all_share || fail "the three members never shared the $count URLs: $(for m in "${members[@]}"; do echo "$m=$(owned_by "$m")"; done)"
shares="p1=$(owned_by p1) p2=$(owned_by p2) p3=$(owned_by p3)"
log "the group shares the URLs: $shares"
sleep 3  # the last rebalance's first probes are in
steady_from=$(now_ms); sleep 16; steady_to=$(now_ms)

gaps "$steady_from" "$steady_to" >"$work/steady.gaps"
probed=$(wc -l <"$work/steady.gaps")
((probed == count)) || fail "only $probed of $count URLs were probed in the steady 16 s"
# Once per period: every gap between two probes of a URL is one period (give or take the
# probe's own latency), so none was probed twice and none skipped.
bad=$(awk -v p="$period_ms" '$3 < p * 0.75 || $4 > p * 1.25' "$work/steady.gaps" | wc -l)
((bad == 0)) || fail "$bad URLs not probed once per period: $(awk -v p="$period_ms" '$3 < p * 0.75 || $4 > p * 1.25' "$work/steady.gaps" | head -3 | tr '\n' ';')"
total=$(awk '{s += $2} END {print s}' "$work/steady.gaps")
pass "steady: each of the $count URLs probed once per ${period_ms} ms ($total probes in 16 s), shared $shares"

# Which member probed which URL, as the rows say (producer_id): one owner per URL.
wait_until 20 bash -c "(( \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c \"SELECT count(DISTINCT url) FROM reports WHERE checked_at >= to_timestamp($steady_from / 1000.0) AND checked_at < to_timestamp($steady_to / 1000.0)\") == $count ))" ||
  fail "the rows of the steady window do not cover every URL"
owners=$(sql "SELECT count(*) FROM (SELECT url FROM reports WHERE checked_at >= to_timestamp($steady_from / 1000.0) AND checked_at < to_timestamp($steady_to / 1000.0) GROUP BY url HAVING count(DISTINCT producer_id) > 1) s")
((owners == 0)) || fail "$owners URLs were probed by more than one member in the steady window"
sql "SELECT url FROM reports WHERE producer_id = 'p2' AND checked_at >= to_timestamp($steady_from / 1000.0) GROUP BY url ORDER BY url" |
  sed 's|.*/ok/|/ok/|' >"$work/p2.urls"
p2_urls=$(wc -l <"$work/p2.urls")
((p2_urls > 0)) || fail "p2 probed nothing"
pass "one member per URL in the rows; p2 owned $p2_urls URLs"

log "kill -9 p2"
kill9_service p2
killed_at=$(now_ms)
sleep $((session_s + 8))
after_kill=$(now_ms)
# Each of p2's URLs: its first probe after the kill, by a survivor, within session + period.
awk -v k="$killed_at" 'NR == FNR {mine[$1] = 1; next} $1 >= k && ($2 in mine) && !($2 in first) {first[$2] = $1 - k}
     END {n = 0; max = 0; for (u in mine) { if (!(u in first)) missing++; else if (first[u] > max) max = first[u] }
          print missing + 0, max}' "$work/p2.urls" "$work/hits.log" >"$work/takeover"
read -r missing slowest <"$work/takeover"
limit=$((session_s * 1000 + period_ms + 3000))  # + a heartbeat and a rebalance's round trips
((missing == 0)) || fail "$missing of p2's URLs were not probed again after it died"
((slowest <= limit)) || fail "p2's URLs were taken over after $slowest ms (limit $limit)"
pass "kill -9: p2's $p2_urls URLs probed again by the survivors within $slowest ms (limit: session ${session_s} s + period + 3 s)"

log "p2 starts again and joins"
p2_line=$(($(wc -l <"$work/p2.log") + 1))
start_service producer p2 "$work/p2.json"
wait_until 60 bash -c "tail -n +$p2_line '$work/p2.log' | grep -q 'shared targets: probing [1-9]'" || fail "p2 never got URLs back"
sleep 4
log "rolling restart: each member stopped (SIGTERM) and started again in turn"
rolling_from=$(now_ms)
for m in "${members[@]}"; do
  from_line=$(($(wc -l <"$work/$m.log") + 1))
  stop_service "$m"
  start_service producer "$m" "$work/$m.json"
  wait_until 60 bash -c "tail -n +$from_line '$work/$m.log' | grep -q 'shared targets: probing [1-9]'" ||
    fail "$m got no URLs after its restart"
  sleep 3
done
sleep 4
rolling_to=$(now_ms)
gaps "$rolling_from" "$rolling_to" >"$work/rolling.gaps"
probed=$(wc -l <"$work/rolling.gaps")
((probed == count)) || fail "only $probed of $count URLs were probed during the rolling restart"
worst=$(awk 'BEGIN {m = 0} $4 > m {m = $4} END {print m}' "$work/rolling.gaps")
((worst <= 2 * period_ms + 500)) || fail "a URL went $worst ms unprobed during the rolling restart (more than one period skipped)"
skipped=$(awk -v p="$period_ms" '$4 > p * 1.25' "$work/rolling.gaps" | wc -l)
pass "rolling restart: every URL kept being probed; longest gap $worst ms; $skipped of $count URLs skipped one period at a handover"

# The whole run: never two probes of a URL within half a period (two owners at once).
gaps 0 "$(now_ms)" >"$work/all.gaps"
doubled=$(awk -v p="$period_ms" '$3 < p / 2' "$work/all.gaps" | wc -l)
((doubled == 0)) || fail "$doubled URLs were probed twice within half a period: $(awk -v p="$period_ms" '$3 < p / 2' "$work/all.gaps" | head -3 | tr '\n' ';')"
pass "in the whole run no URL was probed twice within half a period"

stop_service p1 p2 p3
sleep 3
stop_service consumer
duplicated=$(sql "SELECT count(*) - count(DISTINCT id) FROM reports")
((duplicated == 0)) || fail "$duplicated duplicate rows"
hits=$(awk '$2 ~ /^\/ok\/t/' "$work/hits.log" | wc -l)
stored=$(rows)
answered=$(sql "SELECT count(*) FROM reports WHERE http_status IS NOT NULL")
failed=$(sql "SELECT coalesce(string_agg(error_kind || '=' || n, ' '), 'none') FROM (SELECT error_kind, count(*) AS n FROM reports WHERE NOT ok GROUP BY 1) f")
# Every answered probe is a request the target saw; the target saw no request that is not a
# row, but for what p2 had not yet delivered when it was killed (one period of its URLs at most).
((answered <= hits)) || fail "$answered rows have an HTTP status, the target saw only $hits requests"
((hits <= stored + p2_urls)) || fail "the target saw $hits probes, the table holds only $stored rows"
pass "$hits probes at the target, $stored rows ($answered answered; failed: $failed), none duplicated"
