#!/usr/bin/env bash
# targets_dir under a running producer, checked against the rows: URLs from the config and
# from target files are probed, each row names its source; a file added (renamed in, as deploy
# tools write) is probed within a couple of seconds; a broken file is rejected with its name
# and changes nothing; a file removed stops its URLs. The source is on the wire too (kcat).
source "$(dirname "$0")/../support/lib.sh"

start_postgres; start_broker; start_targets
mkdir -p "$work/targets.d"
target() {  # target PATH: one entry of a target file
  echo "{\"url\": \"http://127.0.0.1:$target_port/$1\", \"timeout\": 0.5, \"period\": 1}"
}
put_file() {  # put_file NAME JSON: written beside, then renamed in
  echo "$2" >"$work/targets.d/.$1.tmp"
  mv "$work/targets.d/.$1.tmp" "$work/targets.d/$1"
}
cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"], "topic": "$topic"},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [$(target ok)],
  "targets_dir": "targets.d",
  "producer": {"id": "files-test", "metrics_listen": ""},
  "consumer": {"group_id": "$group", "batch_max_wait": 0.2, "metrics_listen": "", "status_listen": ""}
}
JSON
put_file shop.json "[$(target status/200)]"
sources() { sql "SELECT string_agg(DISTINCT split_part(url, '/', 4) || ' ' || source, ', ' ORDER BY split_part(url, '/', 4) || ' ' || source) FROM reports"; }
url_rows() { sql "SELECT count(*) FROM reports WHERE url = 'http://127.0.0.1:$target_port/$1'"; }

start_service consumer; start_service producer
wait_until 20 bash -c "[[ \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c \"SELECT count(DISTINCT url) FROM reports\") == 2 ]]" ||
  fail "the config's URL and the target file's were not both probed: $(sources)"
[[ $(sources) == "ok config, status file:shop.json" ]] || fail "rows name the wrong sources: $(sources)"
pass "the config's URL and the target file's are probed; rows say config and file:shop.json"

added_at=$(date +%s%3N)
put_file blog.json "[$(target status/204)]"
wait_until 5 bash -c "(( \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c \"SELECT count(*) FROM reports WHERE source = 'file:blog.json'\") > 0 ))" ||
  fail "a target file renamed into targets.d was not probed within 5 s"
first=$(sql "SELECT (extract(epoch FROM min(checked_at)) * 1000)::bigint FROM reports WHERE source = 'file:blog.json'")
grep -q 'config reloaded (target file changed)' "$work/producer.log" || fail "the producer did not log the reload"
pass "blog.json added: probed $((first - added_at)) ms after it appeared"

echo '[{"url": "http://127.0.0.1:1/", "period": "soon"}]' >"$work/targets.d/broken.json"
wait_until 5 grep -q 'targets.d/broken.json\[0\].period' "$work/producer.log" ||
  fail "a broken target file was not rejected with its name: $(tail -n 5 "$work/producer.log")"
before=$(url_rows status/204)
sleep 2.5
(($(url_rows status/204) >= before + 2)) || fail "after a broken target file blog.json's URL was no longer probed"
pass "a broken target file is rejected with its name and path, the running URLs stay"

rm "$work/targets.d/broken.json" "$work/targets.d/shop.json"
wait_until 5 bash -c "(( \$(grep -c 'config reloaded (target file changed)' '$work/producer.log') >= 2 ))" ||
  fail "removing target files did not reload"
sleep 1.5  # a probe that had started may still land
stopped=$(url_rows status/200)
sleep 2.5
[[ $(url_rows status/200) == "$stopped" ]] || fail "shop.json was removed but its URL is still probed"
(($(url_rows status/204) > 0 && $(url_rows ok) > 0)) || fail "the other URLs stopped too"
pass "shop.json removed: its URL is no longer probed, the others are"

stop_service producer
wait_until 10 bash -c "[[ \$(kcat -C -b '$bootstrap' -t '$topic' -o beginning -e -q 2>/dev/null | wc -l) == \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports') ]]" ||
  fail "the consumer did not store every report"
on_wire=$(kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q 2>/dev/null |
  sed -n 's/.*"source":"\([^"]*\)".*/\1/p' | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
in_rows=$(sql "SELECT string_agg(source || '=' || n, ' ' ORDER BY source) FROM (SELECT source, count(*) AS n FROM reports GROUP BY source) s")
[[ ${on_wire% } == "$in_rows" ]] || fail "sources on the wire: $on_wire; in the rows: $in_rows"
pass "the reports on the wire name the same sources as the rows: $in_rows"
stop_service consumer
