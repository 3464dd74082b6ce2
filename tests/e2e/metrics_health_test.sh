#!/usr/bin/env bash
# /metrics and /healthz of both services, scraped while the pipeline runs and while its parts
# fail: every exposition passes `promtool check metrics` (Prometheus's own parser and linter),
# the numbers move with what happens (probes by result, rows, lag, reloads, Kafka state,
# transaction failures), /healthz turns 503 with the reason when Kafka or PostgreSQL stays
# unreachable past the grace period and 200 again after, and no secret appears anywhere.
source "$(dirname "$0")/../support/lib.sh"
command -v promtool >/dev/null || fail "promtool not found (Debian package prometheus; scripts/install-deps.sh installs it)"

secret='S3cret-never-shown-9f2c'
start_postgres; start_broker; start_targets
url_json() { echo "{\"url\": \"$1\", \"timeout\": 0.5, \"period\": 1}"; }
write_urls() {  # write_urls URL...
  local urls=() u
  for u in "$@"; do urls+=("$(url_json "$u")"); done
  cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"], "properties": {"sasl.password": "$secret"}},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [$(IFS=,; echo "${urls[*]}")],
  "producer": {"id": "metrics-test", "metrics_listen": "127.0.0.1:0", "health_grace": 2},
  "consumer": {"status_listen": "", "group_id": "metrics-test", "session_timeout": 6, "batch_max_wait": 0.2,
               "metrics_listen": "127.0.0.1:0", "health_grace": 2}
}
JSON
}
ok_url="http://127.0.0.1:$target_port/ok"
write_urls "$ok_url" "http://127.0.0.1:$target_port/status/500" "http://127.0.0.1:1/"
start_service consumer; start_service producer

wait_until 10 bash -c "grep -q 'serving /metrics' '$work/producer.log' && grep -q 'serving /metrics' '$work/consumer.log'" ||
  fail "the services did not say where they serve /metrics"
producer_url=$(endpoint_of producer); consumer_url=$(endpoint_of consumer)
log "producer at $producer_url, consumer at $consumer_url"

scrapes=0
scrape() {  # scrape SERVICE_URL NAME: saves the exposition, checks it with promtool
  local file="$work/scrape.$((++scrapes)).txt"
  curl -sf "$1/metrics" >"$file" || fail "GET $1/metrics failed"
  promtool check metrics <"$file" >"$file.promtool" 2>&1 ||
    { cat "$file.promtool"; fail "promtool rejects the exposition of $1 (scrape $scrapes)"; }
  cp "$file" "$work/last.$2.txt"
}
value() {  # value NAME SERIES: one series' value from the last scrape of NAME
  awk -v series="$2" '$1 == series {print $2}' "$work/last.$1.txt"
}
health() { curl -s -o "$work/health.body" -w '%{http_code}' "$1/healthz"; }
wait_health() {  # wait_health URL CODE SECONDS
  wait_until "$3" bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$1/healthz') == $2 ]]" ||
    fail "$1/healthz did not become $2 within $3 s (body: $(curl -s "$1/healthz"))"
}
gt() { awk -v a="$1" -v b="$2" 'BEGIN {exit !(a + 0 > b + 0)}'; }

sleep 5
scrape "$producer_url" producer; scrape "$consumer_url" consumer
ok1=$(value producer 'webmon_probes_total{result="ok"}')
rows1=$(value consumer webmon_rows_inserted_total)
gt "$ok1" 2 || fail "probes ok: $ok1"
gt "$(value producer 'webmon_probes_total{result="http"}')" 2 || fail "no probes counted as http errors"
gt "$(value producer 'webmon_probes_total{result="connect"}')" 2 || fail "no probes counted as connect errors"
gt "$rows1" 5 || fail "rows inserted: $rows1"
[[ $(value producer webmon_kafka_up) == 1 ]] || fail "webmon_kafka_up is not 1"
[[ $(value producer webmon_monitored_urls) == 3 ]] || fail "webmon_monitored_urls is not 3"
grep -q '^webmon_consumer_lag{partition="[0-9]*"} [0-9]' "$work/last.consumer.txt" || fail "no per-partition lag"
grep -q '^webmon_probe_duration_seconds_bucket{le="+Inf"}' "$work/last.producer.txt" || fail "no probe duration histogram"
[[ $(health "$producer_url") == 200 && $(health "$consumer_url") == 200 ]] || fail "not healthy while everything runs"
sleep 3
scrape "$producer_url" producer; scrape "$consumer_url" consumer
gt "$(value producer 'webmon_probes_total{result="ok"}')" "$ok1" || fail "probes ok did not grow"
gt "$(value consumer webmon_rows_inserted_total)" "$rows1" || fail "rows inserted did not grow"
pass "metrics move with the pipeline; promtool accepts both expositions"

log "kafka DOWN"
broker_down
wait_health "$producer_url" 503 15
body=$(curl -s "$producer_url/healthz")
[[ $body == *"kafka unreachable"* ]] || fail "the producer's /healthz does not say kafka is unreachable: $body"
wait_health "$consumer_url" 503 15
body=$(curl -s "$consumer_url/healthz")
[[ $body == *"kafka unreachable"* ]] || fail "the consumer's /healthz does not say kafka is unreachable: $body"
scrape "$producer_url" producer; scrape "$consumer_url" consumer
[[ $(value producer webmon_kafka_up) == 0 ]] || fail "webmon_kafka_up is not 0 while the broker is down"
[[ $(value consumer webmon_consumer_kafka_up) == 0 ]] || fail "webmon_consumer_kafka_up is not 0 while the broker is down"
gt "$(value producer webmon_report_queue_depth)" 0 || fail "no reports buffered while kafka is down"
broker_up; log "kafka UP"
wait_health "$producer_url" 200 30
scrape "$producer_url" producer
[[ $(value producer webmon_kafka_up) == 1 ]] || fail "webmon_kafka_up is not back to 1"
pass "/healthz of both: 503 with the reason while kafka is down, 200 after"
# Let the consumer catch up with the broker (its group coordinator comes back too) before the
# next fault, so the next 503 has one cause.
rows_now=$(rows)
wait_until 30 bash -c "(( \$(PGPASSWORD=webmon psql -X -qAt -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports') > $rows_now + 5 ))" ||
  fail "the consumer did not resume after kafka came back"
wait_health "$consumer_url" 200 30

log "postgres DOWN"
stop_postgres >/dev/null
wait_health "$consumer_url" 503 20
body=$(curl -s "$consumer_url/healthz")
[[ $body == *"postgres "* ]] || fail "the consumer's /healthz does not name postgres: $body"
scrape "$consumer_url" consumer
gt "$(value consumer webmon_transaction_failures_total)" 0 || fail "no transaction failures counted"
restart_postgres >/dev/null; log "postgres UP"
wait_health "$consumer_url" 200 40
pass "consumer /healthz: 503 with the reason while postgres is down, 200 after"

log "config edit: one more url"
write_urls "$ok_url" "http://127.0.0.1:$target_port/status/500" "http://127.0.0.1:1/" "$ok_url?added=1"
wait_until 5 bash -c "curl -s '$producer_url/metrics' | grep -q '^webmon_monitored_urls 4'" ||
  fail "webmon_monitored_urls did not become 4 after the edit"
scrape "$producer_url" producer
[[ $(value producer 'webmon_config_reloads_total{result="applied"}') == 1 ]] || fail "the reload was not counted"

sleep 2
stop_service producer
check_exact "$(producer_total delivered)"
scrape "$consumer_url" consumer
stop_service consumer
leaks=$( (grep -l -- "$secret" "$work"/*.log "$work"/scrape.* "$work/health.body" 2>/dev/null || true) | wc -l)
((leaks == 0)) || fail "the secret appears in $leaks log or scrape files"
echo "scrapes=$scrapes promtool_failures=0 secret_leaks=$leaks"
pass "metrics and health: $scrapes scrapes valid, health follows kafka and postgres, no secret shown"
