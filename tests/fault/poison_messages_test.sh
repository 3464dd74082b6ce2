#!/usr/bin/env bash
# Scenario: poison messages produced into the topic with kcat between good reports: not JSON,
# JSON of the wrong shape, wrong types, a 4 MB message, invalid UTF-8, a NUL inside a string,
# a redelivered report and a different report reusing an id. Every good report lands once,
# every bad message lands in rejected_reports with a reason, and the consumer never stops.
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker
target_port=9  # no producer in this test; the config still needs a URL
write_config 1 60
start_service consumer

good() {  # good ID URL_SUFFIX
  printf '{"schema_version":1,"id":"%s","url":"http://127.0.0.1/%s","name":"n","checked_at":"2026-11-24T10:00:00.000Z","ok":true,"http_status":200,"response_time_ms":1.5,"error":null,"producer_id":"kcat"}\n' "$1" "$2"
}
new_id() { cat /proc/sys/kernel/random/uuid; }
# Everything goes to partition 0 so the consumer sees it in the order written: the three
# messages that share an id must arrive original, redelivery, clash. Spread over partitions
# (kcat picks one at random for an unkeyed message) the clash could be stored first, and the
# original and its redelivery would then be the ones rejected.
# Messages go out in three kcat calls: lines before the big message, the big message (a whole
# file is one message; kcat's line mode cannot carry a line that long), and lines after it.
# 4,000,000 bytes: the development broker stops serving a partition that holds a message over
# about 4 MiB (kcat sees the same stall), so 5 MB cannot be tested against it.
big_size=4000000
input=$work/input.1
: >"$work/input.1"; : >"$work/input.2"
expected_reasons=()
reused_id=$(new_id)
for ((i = 0; i < 30; i++)); do
  if ((i == 0)); then good "$reused_id" first >>"$input"; else good "$(new_id)" "$i" >>"$input"; fi
  case $i in
    3) echo 'this is not json' >>"$input"; expected_reasons+=("not valid JSON") ;;
    6) echo '{"hello": "world"}' >>"$input"; expected_reasons+=('missing field "schema_version"') ;;
    9) good "$(new_id)" x | sed 's/"ok":true/"ok":"yes"/' >>"$input"; expected_reasons+=('field "ok" must be true or false') ;;
    12) head -c "$big_size" /dev/zero | tr '\0' 'x' >"$work/big"; input=$work/input.2; expected_reasons+=("not valid JSON") ;;
    15) printf '{"url": "\xff\xfe\xfd"}\n' >>"$input"; expected_reasons+=("not valid JSON") ;;
    18) good "$(new_id)" 'a\u0000b' >>"$input"; expected_reasons+=('field "url" contains a NUL character') ;;
    21) good "$reused_id" first >>"$input" ;;  # the same report again: a redelivery, not an error
    24) good "$reused_id" clash >>"$input"; expected_reasons+=("duplicate id $reused_id") ;;
  esac
done
bad=${#expected_reasons[@]}
kcat -P -b "$bootstrap" -t webmon.reports -p 0 -l "$work/input.1" 2>"$work/kcat.log" &&
  kcat -P -b "$bootstrap" -t webmon.reports -p 0 -X message.max.bytes=10000000 "$work/big" 2>>"$work/kcat.log" &&
  kcat -P -b "$bootstrap" -t webmon.reports -p 0 -l "$work/input.2" 2>>"$work/kcat.log" ||
  fail "kcat could not produce the input: $(cat "$work/kcat.log")"
on_topic=$(kcat -C -b "$bootstrap" -t webmon.reports -o beginning -e -q -f 'x\n' | wc -l)
((on_topic == 31 + bad)) || fail "kcat put $on_topic messages on the topic, expected $((31 + bad))"
log "produced 31 report messages (30 distinct + 1 redelivery) and $bad bad messages"

wait_until 60 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT (SELECT count(*) FROM reports) + (SELECT count(*) FROM rejected_reports)') -ge $((30 + bad)) ]]" ||
  fail "not everything arrived: $(rows) reports, $(sql 'SELECT count(*) FROM rejected_reports') rejected"
service_alive consumer || fail "the consumer stopped"
[[ $(rows) -eq 30 ]] || fail "expected 30 reports, found $(rows)"
[[ $(sql "SELECT count(*) FROM rejected_reports") -eq $bad ]] || fail "expected $bad rejected messages"
for reason in "${expected_reasons[@]}"; do
  [[ $(sql "SELECT count(*) FROM rejected_reports WHERE position(\$\$$reason\$\$ in reason) > 0") -ge 1 ]] ||
    fail "no rejected message with reason: $reason"
done
[[ $(sql "SELECT max(length(raw)) FROM rejected_reports") -eq $big_size ]] || fail "the big message was not kept whole"
sql "SELECT kafka_partition || '@' || kafka_offset || ' ' || length(raw) || ' bytes: ' || left(reason, 90) FROM rejected_reports ORDER BY 1" | sed 's/^/  rejected /'

# The consumer goes on: later good reports still land.
for ((i = 0; i < 5; i++)); do good "$(new_id)" "after-$i"; done | kcat -P -b "$bootstrap" -t webmon.reports
wait_until 30 bash -c "[[ \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports') -eq 35 ]]" ||
  fail "good reports after the poison did not land"
stop_service consumer
pass "poison: 35 good reports stored once, $bad bad messages rejected with reasons, consumer kept going"
