#!/usr/bin/env bash
# HTTPS targets served by `openssl s_server` with certificates this test makes: one
# self-signed, and three signed by a test CA the producer is told to trust (ca_file): valid,
# expired, and valid for another host only. The good one must be up; each bad one down with
# error kind "tls" and a message that names the certificate problem. Reports are read back
# from the topic with kcat.
set -euo pipefail
work=$(mktemp -d /tmp/webmon-tls.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; for f in "$work"/*.log; do echo "--- $f"; tail -n 20 "$f"; done; exit 1; }
cd "$work"

openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout self.key -out self.pem 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=webmon test CA" \
  -keyout ca.key -out ca.pem 2>/dev/null
cat >ca.cnf <<'CNF'
[ ca ]
default_ca = test_ca
[ test_ca ]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
[ any ]
commonName = supplied
CNF
: >index.txt; echo 01 >serial
sign() {  # sign NAME SUBJECT_ALT_NAME START END
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -addext "subjectAltName=$2" \
    -keyout "$1.key" -out "$1.csr" 2>/dev/null
  openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" \
    -startdate "$3" -enddate "$4" -out "$1.pem" >/dev/null 2>&1 || fail "could not sign $1"
}
sign good IP:127.0.0.1 20200101000000Z 20991231000000Z
sign expired IP:127.0.0.1 20200101000000Z 20200102000000Z
sign other DNS:other.example 20200101000000Z 20991231000000Z
sign soon IP:127.0.0.1 20200101000000Z "$(date -u -d '+10 days 1 hour' +%Y%m%d%H%M%SZ)"

serve() {  # serve NAME: an HTTPS server with NAME.pem/NAME.key on a free port -> $port
  local name=$1
  for _ in $(seq 20); do
    port=$(shuf -i 20000-32000 -n 1)
    openssl s_server -accept "127.0.0.1:$port" -cert "$name.pem" -key "$name.key" -www -quiet \
      >"$name.log" 2>&1 &
    pids+=($!)
    sleep 0.3
    kill -0 "${pids[-1]}" 2>/dev/null && return 0
  done
  fail "could not start the $name server"
}
serve self; self_port=$port
serve good; good_port=$port
serve expired; expired_port=$port
serve other; other_port=$port
serve soon; soon_port=$port

"$WEBMON_DEV_BROKER" --partitions 1 --bootstrap-file bootstrap >broker.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s bootstrap ]] && break; sleep 0.1; done
bootstrap=$(cat bootstrap)
cat >config.json <<JSON
{"kafka": {"bootstrap_servers": ["$bootstrap"]},
 "monitored_urls": [
   {"url": "https://127.0.0.1:$self_port/", "name": "self-signed", "timeout": 2, "period": 3},
   {"url": "https://127.0.0.1:$good_port/", "name": "good", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem"},
   {"url": "https://127.0.0.1:$expired_port/", "name": "expired", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem"},
   {"url": "https://127.0.0.1:$other_port/", "name": "wrong-host", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem"},
   {"url": "https://127.0.0.1:$soon_port/", "name": "soon", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem"},
   {"url": "https://127.0.0.1:$expired_port/?unverified", "name": "expired-unverified", "timeout": 2, "period": 3, "verify_tls": false},
   {"type": "tls", "url": "tls://127.0.0.1:$good_port", "name": "tls-good", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem"},
   {"type": "tls", "url": "tls://127.0.0.1:$soon_port", "name": "tls-soon", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem", "min_cert_days": 14},
   {"type": "tls", "url": "tls://127.0.0.1:$expired_port", "name": "tls-expired", "timeout": 2, "period": 3, "ca_file": "$work/ca.pem"},
   {"type": "tls", "url": "tls://127.0.0.1:$self_port", "name": "tls-exchange", "timeout": 2, "period": 3, "verify_tls": false,
    "send": "GET / HTTP/1.0\r\n\r\n", "regexp": "^HTTP/1[.]0 200 ok"},
   {"type": "tcp", "url": "tcp://127.0.0.1:$self_port", "name": "tcp-open", "timeout": 2, "period": 3}],
 "producer": {"id": "tls-test", "metrics_listen": "127.0.0.1:0"}}
JSON
"$WEBMON_PRODUCER" --config config.json >producer.log 2>&1 &
producer=$!
sleep 7
kill -TERM "$producer"
wait "$producer" || fail "producer exited with $?"

kcat -C -b "$bootstrap" -t webmon.reports -o beginning -e -q -f '%s\n' >reports.json
messages() {  # the error messages of NAME's reports, one per line ("-" when up)
  grep "\"name\":\"$1\"" reports.json |
    sed -e 's/.*"error":null.*/-/' -e 's/.*"message":"\([^"]*\)".*/\1/'
}
check_down() {  # check_down NAME MESSAGE_PATTERN
  local lines kinds
  lines=$(messages "$1")
  [[ -n $lines ]] || fail "no report for $1"
  kinds=$(grep "\"name\":\"$1\"" reports.json | grep -c '"kind":"tls"' || true)
  [[ $kinds -eq $(wc -l <<<"$lines") ]] || fail "$1: not every report has error kind tls"
  grep -Evq "$2" <<<"$lines" && fail "$1: a message does not match '$2': $lines"
  echo "ok   - $1: $(wc -l <<<"$lines") reports, all down with kind tls: $(head -n 1 <<<"$lines")"
}
good=$(messages good)
[[ -n $good && $(sort -u <<<"$good") == "-" ]] || fail "the valid certificate was not reported up: $good"
echo "ok   - good: $(wc -l <<<"$good") reports, all up (verified against ca_file)"
# check_certificate NAME EXPIRES_AT_PATTERN MIN_DAYS MAX_DAYS: every report of NAME is up and
# carries the certificate's expiry and the days left.
check_certificate() {
  local lines bad
  lines=$(grep "\"name\":\"$1\"" reports.json)
  [[ -n $lines ]] || fail "no report for $1"
  bad=$(grep -v '"error":null' <<<"$lines" || true)
  [[ -z $bad ]] || fail "$1: not every report is up: $bad"
  grep -v "\"cert_expires_at\":\"$2" <<<"$lines" && fail "$1: a report lacks cert_expires_at $2"
  while read -r days; do
    ((days >= $3 && days <= $4)) || fail "$1: cert_days_left $days not in [$3, $4]"
  done < <(sed -n 's/.*"cert_days_left":\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$lines")
  echo "ok   - $1: $(wc -l <<<"$lines") reports up, certificate expires $2…, days left $(sed -n 's/.*"cert_days_left":\(-\{0,1\}[0-9]*\).*/\1/p' <<<"$lines" | sort -u | tr '\n' ' ')"
}
check_certificate good 2099-12-31T00:00:00 25000 30000
check_certificate soon "$(date -u -d '+10 days 1 hour' +%Y-%m-%dT)" 10 10
check_certificate expired-unverified 2020-01-02T00:00:00 -3000 -2000
# Probe types tls and tcp: a handshake (verified, with the certificate's expiry) or a connect.
tls_good=$(grep '"name":"tls-good"' reports.json)
[[ -n $tls_good ]] || fail "no report for tls-good"
grep -v '"type":"tls","url":"tls://127.0.0.1:'"$good_port"'"' <<<"$tls_good" && fail "tls-good: wrong type or url"
grep -v '"status":"up"' <<<"$tls_good" && fail "tls-good: not up"
grep -v '"cert_expires_at":"2099-12-31T00:00:00.000Z"' <<<"$tls_good" && fail "tls-good: no certificate expiry"
grep -v '"http_status":null' <<<"$tls_good" && fail "tls-good: a tls probe sends no request"
echo "ok   - tls-good: $(wc -l <<<"$tls_good") handshakes verified, up, certificate until 2099-12-31"
tls_soon=$(grep '"name":"tls-soon"' reports.json)
[[ -n $tls_soon ]] || fail "no report for tls-soon"
grep -v '"status":"degraded"' <<<"$tls_soon" && fail "tls-soon: a certificate 10 days from expiry with min_cert_days 14 is not degraded"
echo "ok   - tls-soon: $(wc -l <<<"$tls_soon") reports degraded (certificate expires in 10 days, min_cert_days 14)"
# A request over a TLS connection (self-signed: verify_tls false), and the regexp found in s_server's reply.
tls_exchange=$(grep '"name":"tls-exchange"' reports.json)
[[ -n $tls_exchange ]] || fail "no report for tls-exchange"
grep -v '"status":"up"' <<<"$tls_exchange" && fail "tls-exchange: not up"
grep -v '"regexp_found":true' <<<"$tls_exchange" && fail "tls-exchange: the reply did not match"
echo "ok   - tls-exchange: $(wc -l <<<"$tls_exchange") requests over TLS, the reply matched ^HTTP/1.0 200 ok"
tcp_open=$(grep '"name":"tcp-open"' reports.json)
[[ -n $tcp_open ]] || fail "no report for tcp-open"
grep -v '"status":"up"' <<<"$tcp_open" && fail "tcp-open: not up"
grep -v '"type":"tcp"' <<<"$tcp_open" && fail "tcp-open: not a tcp report"
echo "ok   - tcp-open: $(wc -l <<<"$tcp_open") connects, up"
check_down tls-expired 'certificate has expired'
check_down self-signed 'self[- ]signed certificate'
check_down expired 'certificate has expired'
check_down wrong-host "no alternative certificate subject name matches|does not match"
