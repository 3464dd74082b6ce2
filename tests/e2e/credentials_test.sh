#!/usr/bin/env bash
# A target's password never leaves the producer. Three URLs of the target server's /private
# (HTTP basic authentication; 401 without): the credentials written into the URL, basic_auth
# with password_env, basic_auth with password_file; and one without credentials, which must
# be down with 401. The config file is world-readable, so the producer warns, naming the key
# but not the password. Then the password is looked for, as a plain string and URL-encoded,
# everywhere the data and the diagnostics go: every message on the topic, keys included
# (kcat), every row of every table (pg_dump), both services' logs at debug level, and both
# services' /metrics and /healthz. It is in none of them.
# Runs on tests/support/lib.sh: its own PostgreSQL, broker and target server.
source "$WEBMON_SOURCE_DIR/tests/support/lib.sh"
run_seconds=${WEBMON_E2E_SECONDS:-8}
user=ops
password=webmon-test-password-7f3a  # the target server's --basic-auth default
start_postgres
start_broker 2
start_targets
private="http://127.0.0.1:$target_port/private"
printf '%s\n' "$password" >"$work/target.password"
chmod 600 "$work/target.password"
export WEBMON_TEST_TARGET_PASSWORD=$password

cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"]},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "monitored_urls": [
    {"url": "http://$user:$password@127.0.0.1:$target_port/private?in=url", "timeout": 0.5, "period": 1},
    {"url": "$private?in=env", "basic_auth": {"user": "$user", "password_env": "WEBMON_TEST_TARGET_PASSWORD"}, "timeout": 0.5, "period": 1},
    {"url": "$private?in=file", "basic_auth": {"user": "$user", "password_file": "$work/target.password"}, "timeout": 0.5, "period": 1},
    {"url": "$private?in=none", "timeout": 0.5, "period": 1}
  ],
  "logging": {"level": "debug"},
  "producer": {"id": "credentials", "metrics_listen": "127.0.0.1:0"},
  "consumer": {"status_listen": "", "group_id": "credentials", "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0"}
}
JSON
chmod 644 "$work/config.json"
start_service consumer
start_service producer
sleep "$run_seconds"
for service in producer consumer; do
  curl -s "$(endpoint_of $service)/metrics" >"$work/$service.metrics"
  curl -s "$(endpoint_of $service)/healthz" >"$work/$service.healthz"
  [[ -s $work/$service.metrics ]] || fail "no /metrics from the $service"
done
stop_service producer
check_exact "$(producer_total delivered)"
stop_service consumer

grep -q "holds a secret (monitored_urls\[0\].url)" "$work/producer.log" ||
  fail "no warning naming monitored_urls[0].url for the world-readable file"
psql_db() { PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p "$pg_port" -U webmon -d webmon -v ON_ERROR_STOP=1 "$@"; }
psql_db -F ' ' -c "SELECT url, status, http_status, count(*) FROM reports GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" |
  tee "$work/by_url"
for how in url env file; do
  grep -q "in=$how up 200" "$work/by_url" || fail "the target with its credentials in $how is not up"
  ! grep "in=$how" "$work/by_url" | grep -qv " up 200 " || fail "the target with its credentials in $how was not always up"
done
grep -q "^$private?in=none down 401 " "$work/by_url" || fail "the target without credentials was not down with 401"
grep -q "^http://$user:\*\*\*@127.0.0.1:$target_port/private?in=url " "$work/by_url" ||
  fail "the URL with credentials is not stored with its password masked"

kcat -C -b "$bootstrap" -t webmon.reports -o beginning -e -q -f '%k %s\n' 2>/dev/null >"$work/topic.txt"
[[ -s $work/topic.txt ]] || fail "nothing on the topic"
PGPASSWORD=webmon pg_dump -h 127.0.0.1 -p "$pg_port" -U webmon --data-only webmon >"$work/dump.sql"
[[ -s $work/dump.sql ]] || fail "pg_dump wrote nothing"
grep -q "probe url=" "$work/producer.log" || fail "the producer did not log at debug level"
leaks=0
for place in topic.txt dump.sql producer.log consumer.log producer.metrics consumer.metrics \
  producer.healthz consumer.healthz; do
  if grep -q -e "$password" -e "${password//-/%2D}" "$work/$place"; then
    log "the password is in $place:"; grep -m 3 -e "$password" "$work/$place"
    leaks=$((leaks + 1))
  fi
done
((leaks == 0)) || fail "the target's password leaked into $leaks places"
pass "credentials: basic auth from the url, the environment and a file all up, none without; the password in no message, row, log line or metric"
