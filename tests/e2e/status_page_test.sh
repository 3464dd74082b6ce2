#!/usr/bin/env bash
# The status page and API served by a running consumer, fed by a running producer: the API
# answers as docs/openapi.yaml says (every documented endpoint, its errors too), the history
# equals the rows, headless Chromium renders the page and shows each target in its group with
# its state (a screenshot is kept in test-artifacts/), fits a phone's screen without sideways
# scrolling (a second screenshot at 390 px), and with PostgreSQL stopped the API
# answers 503 and the page says it cannot show the status instead of showing stale data.
source "$(dirname "$0")/../support/lib.sh"
chromium=$(command -v chromium || true)
[[ -n $chromium ]] || fail "chromium not found (Debian package chromium; scripts/install-deps.sh installs it)"
python3 -c 'import jsonschema, yaml' 2>/dev/null ||
  fail "python3-jsonschema and python3-yaml are needed (scripts/install-deps.sh installs them)"
artifacts=${WEBMON_ARTIFACT_DIR:-$PWD/test-artifacts}
mkdir -p "$artifacts"

start_postgres; start_broker; start_targets
home="http://127.0.0.1:$target_port/ok"
checkout="http://127.0.0.1:$target_port/status/500"
closed="http://127.0.0.1:1/"
cat >"$work/config.json" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"], "topic": "$topic"},
  "db": {"host": "127.0.0.1", "port": $pg_port, "db_name": "webmon", "user": "webmon", "sslmode": "disable"},
  "alerts": {"confirm_down": 2},
  "monitored_urls": [
    {"url": "$home", "name": "Home page", "group": "Web shop", "timeout": 0.5, "period": 1},
    {"url": "$checkout", "name": "Checkout", "group": "Web shop", "timeout": 0.5, "period": 1},
    {"url": "$closed", "name": "Closed port", "group": "Internal", "timeout": 0.5, "period": 1}
  ],
  "producer": {"id": "status-test", "metrics_listen": ""},
  "consumer": {"group_id": "status-test", "batch_max_wait": 0.2, "metrics_listen": "",
               "status_listen": "127.0.0.1:0"}
}
JSON
start_service consumer; start_service producer
wait_until 20 grep -q 'serving the status page and API on' "$work/consumer.log" ||
  fail "the consumer did not say where it serves the status page"
base=$(sed -n 's|.*serving the status page and API on \(http://[0-9.:]*\)/.*|\1|p' "$work/consumer.log" | tail -n 1)
log "status page at $base"

status_of() {  # status_of URL: its status in /api/v1/status
  curl -sf "$base/api/v1/status" | python3 -c "import json,sys; print(next(u['status'] for u in json.load(sys.stdin) if u['url'] == sys.argv[1]))" "$1"
}
wait_until 30 bash -c "[[ \$(curl -sf '$base/api/v1/status' | python3 -c \"import json,sys; print(' '.join(u['status'] for u in json.load(sys.stdin)))\") == 'up down down' ]]" ||
  fail "the API did not show home up, checkout and the closed port down: $(curl -s "$base/api/v1/status")"
pass "the API follows the probes: home up, checkout and the closed port down"

# The rows stop changing once the producer is stopped and the consumer has caught up.
wait_until 30 bash -c "(( \$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c \"SELECT count(*) FROM reports WHERE url = '$checkout'\") >= 10 ))" ||
  fail "fewer than 10 rows of checkout after 30 s"
stop_service producer
wait_until 20 bash -c "a=\$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports'); sleep 1; b=\$(PGPASSWORD=webmon psql -X -q -A -t -h 127.0.0.1 -p $pg_port -U webmon -d webmon -c 'SELECT count(*) FROM reports'); [[ \$a == \$b ]]"
expected=$(sql "SELECT string_agg(to_char(checked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || ' ' || status || ' ' || coalesce(http_status::text, '-'), E'\n' ORDER BY checked_at DESC) FROM (SELECT * FROM reports WHERE url = '$checkout' ORDER BY checked_at DESC LIMIT 7) newest")
got=$(curl -sf "$base/api/v1/history?url=$checkout&limit=7" | python3 -c "import json,sys; print('\n'.join(f\"{r['checked_at']} {r['status']} {r['http_status'] if r['http_status'] is not None else '-'}\" for r in json.load(sys.stdin)))")
[[ $got == "$expected" ]] || fail "history differs from the rows:
--- API
$got
--- rows
$expected"
[[ $(echo "$got" | wc -l) == 7 ]] || fail "history did not keep to limit=7"
pass "/api/v1/history is the newest 7 rows, newest first"

python3 "$WEBMON_SOURCE_DIR/tests/support/openapi_check.py" "$WEBMON_SOURCE_DIR/docs/openapi.yaml" "$base" "$checkout" >"$work/openapi.log" 2>&1 ||
  { cat "$work/openapi.log"; fail "the API disagrees with docs/openapi.yaml"; }
tail -n 1 "$work/openapi.log"
pass "every documented endpoint answers as docs/openapi.yaml says"

# Chromium as root needs --no-sandbox; the other switches keep it from calling anywhere but
# the page it is given (no updates, no sync, no safe-browsing lookups).
browse() {  # browse ARGS... URL; a fresh profile each time, so nothing comes from its cache
  rm -rf "$work/chromium"
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run \
    --user-data-dir="$work/chromium" --disable-background-networking --disable-component-update \
    --disable-sync --disable-default-apps --disable-extensions --metrics-recording-only \
    --safebrowsing-disable-auto-update --window-size=1100,1400 "$@" 2>>"$work/chromium.log"
}
browse --dump-dom "$base/" >"$work/page.html" || fail "chromium could not load $base/"
grep -q '<h2>Web shop</h2>' "$work/page.html" || fail "the page has no Web shop group heading"
grep -q '<h2>Internal</h2>' "$work/page.html" || fail "the page has no Internal group heading"
grep -q "data-url=\"$home\" data-status=\"up\"" "$work/page.html" || fail "the page does not show home up"
grep -q "data-url=\"$checkout\" data-status=\"down\"" "$work/page.html" || fail "the page does not show checkout down"
grep -q '2 targets are down' "$work/page.html" || fail "the page's banner does not say 2 targets are down"
grep -q '100% (24 h)' "$work/page.html" || fail "the page does not show home's 100% uptime over 24 h"
[[ $(grep -o '<rect class="[a-z]*" x=' "$work/page.html" | wc -l) == 270 ]] || fail "the page does not draw 90 days for each of 3 targets"
pass "Chromium renders the page: groups, each target's state, 90-day bars"
rm -f "$artifacts/status-page.png"
(cd "$work" && browse --screenshot="$artifacts/status-page.png" "$base/") >/dev/null || fail "chromium took no screenshot"
[[ -s $artifacts/status-page.png ]] || fail "no screenshot in $artifacts"
pass "screenshot kept: $artifacts/status-page.png ($(stat -c %s "$artifacts/status-page.png") bytes)"
rm -rf "$work/chromium"
timeout 120 python3 "$WEBMON_SOURCE_DIR/tests/support/phone_layout_check.py" "$chromium" "$base/" \
  "$artifacts/status-page-phone.png" "$work/chromium" || fail "the page does not fit a phone's screen"
pass "on a 390 px phone the page needs no sideways scrolling (screenshot: $artifacts/status-page-phone.png)"

stop_postgres
code=$(curl -s -o "$work/api503.json" -w '%{http_code}' "$base/api/v1/status")
[[ $code == 503 ]] || fail "with PostgreSQL stopped /api/v1/status answered $code (expected 503)"
grep -q 'cannot reach postgres' "$work/api503.json" || fail "the 503 does not say why: $(cat "$work/api503.json")"
browse --dump-dom "$base/" >"$work/page503.html" || true
grep -q 'cannot be shown' "$work/page503.html" || fail "with PostgreSQL stopped the page does not say it cannot show the status"
grep -q 'data-status' "$work/page503.html" && fail "with PostgreSQL stopped the page still shows targets"
pass "PostgreSQL stopped: the API answers 503 with the reason, the page says so and shows no stale state"
restart_postgres
wait_until 20 bash -c "[[ \$(curl -s -o /dev/null -w '%{http_code}' '$base/api/v1/status') == 200 ]]" ||
  fail "the API did not answer 200 again after PostgreSQL came back"
pass "PostgreSQL back: the API answers 200 again"
stop_service consumer
