#!/usr/bin/env bash
# Two producers in two regions (producer.region) probe the same URLs through one broker into
# one consumer: every URL is probed from both places, every row says which region and which
# producer it came from (and the pair never crosses), the reports on the wire (kcat) carry the
# region, and the target server saw exactly as many requests as there are rows.
source "$(dirname "$0")/../support/lib.sh"
start_postgres; start_broker; start_targets
paths=(ok status/200 status/204)
urls=""
for path in "${paths[@]}"; do
  urls+="${urls:+,}{\"url\": \"http://127.0.0.1:$target_port/$path\", \"timeout\": 0.5, \"period\": 1}"
done
config_for() {  # config_for PRODUCER_ID REGION > FILE
  cat <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"], "topic": "$topic"},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [$urls],
  "producer": {"id": "$1", "region": "$2", "metrics_listen": ""},
  "consumer": {"group_id": "$group", "batch_max_wait": 0.2, "metrics_listen": "", "status_listen": ""}
}
JSON
}
config_for probe-eu eu-west >"$work/config.json"
config_for probe-us us-east >"$work/config-us.json"
start_service consumer
start_service producer producer-eu "$work/config.json"
start_service producer producer-us "$work/config-us.json"
wait_until 30 bash -c "(( \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c \"SELECT count(DISTINCT (url, region)) FROM reports\" 2>/dev/null || echo 0) == 6 ))" ||
  fail "not every URL has rows from both regions after 30 s: $(sql "SELECT url, region, count(*) FROM reports GROUP BY 1, 2" 2>&1)"
sleep 4
stop_service producer-eu producer-us
# Everything the producers sent is in: the row count stops moving.
wait_until 20 bash -c "a=\$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports'); sleep 1; b=\$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports'); [[ \$a == \$b ]]"

crossed=$(sql "SELECT count(*) FROM reports WHERE (producer_id, region) NOT IN (('probe-eu', 'eu-west'), ('probe-us', 'us-east')) OR region IS NULL")
[[ $crossed == 0 ]] || fail "$crossed rows without their producer's region: $(sql "SELECT producer_id, region, count(*) FROM reports GROUP BY 1, 2")"
pass "every row carries its producer's region (eu-west from probe-eu, us-east from probe-us)"

for path in "${paths[@]}"; do
  url="http://127.0.0.1:$target_port/$path"
  eu=$(sql "SELECT count(*) FROM reports WHERE url = '$url' AND region = 'eu-west'")
  us=$(sql "SELECT count(*) FROM reports WHERE url = '$url' AND region = 'us-east'")
  ((eu >= 4 && us >= 4)) || fail "$path: $eu rows from eu-west and $us from us-east (expected at least 4 each)"
  # Both producers ran the same seconds at a period of 1 s: within a probe or two of each other.
  ((eu - us <= 2 && us - eu <= 2)) || fail "$path: eu-west probed it $eu times, us-east $us"
  hits=$(curl -sf "http://127.0.0.1:$target_port/hits" | awk -v p="/$path" '$1 == p {print $2}')
  [[ $hits == $((eu + us)) ]] || fail "$path: the target saw $hits requests, the rows say $((eu + us))"
  log "$path: $eu rows from eu-west, $us from us-east, $hits requests at the target"
done
pass "each URL probed from both regions, and the target saw exactly one request per row"

on_wire=$(kcat -C -b "$bootstrap" -t "$topic" -o beginning -e -q -f '%s\n' 2>/dev/null |
  sed -n 's/.*"region":"\([a-z-]*\)".*/\1/p' | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
rows_by_region=$(sql "SELECT string_agg(region || '=' || n, ' ' ORDER BY region) FROM (SELECT region, count(*) AS n FROM reports GROUP BY region) r")
[[ ${on_wire% } == "$rows_by_region" ]] || fail "on the wire: $on_wire; in PostgreSQL: $rows_by_region"
pass "the reports on the wire (kcat) carry the same regions as the rows: $rows_by_region"
stop_service consumer
