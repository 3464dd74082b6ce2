#!/usr/bin/env bash
# The producer's Kafka TLS settings, against a real TLS server. The development broker has no
# TLS listener, so `openssl s_server` plays the broker's TLS side (it speaks no Kafka, so the
# session ends after the handshake; the handshake is what is under test):
#   - kafka.ssl_cafile with the right CA + a client certificate whose key is encrypted, its
#     passphrase from WEBMON_KAFKA_SSL_KEY_PASSWORD: the handshake completes, the server sees
#     our client certificate (mutual TLS);
#   - the wrong CA: the producer refuses the broker (certificate verify failed);
#   - no client certificate while the broker requires one: the broker refuses us.
# The passphrase appears in no log.
source "$(dirname "$0")/../support/lib.sh"

certs=$work/certs
mkdir -p "$certs"
passphrase='key-Pa55phrase-7c1e'
quiet() { "$@" >/dev/null 2>&1 || fail "$* failed"; }
quiet openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=webmon test CA" \
  -keyout "$certs/ca.key" -out "$certs/ca.pem"
quiet openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
  -keyout "$certs/other-ca.key" -out "$certs/other-ca.pem"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$certs/san.ext"
quiet openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$certs/broker.key" -out "$certs/broker.csr"
quiet openssl x509 -req -in "$certs/broker.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
  -CAcreateserial -days 2 -extfile "$certs/san.ext" -out "$certs/broker.pem"
quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass "pass:$passphrase" \
  -out "$certs/client.key"
quiet openssl req -new -key "$certs/client.key" -passin "pass:$passphrase" -subj "/CN=webmon-client" \
  -out "$certs/client.csr"
quiet openssl x509 -req -in "$certs/client.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
  -CAcreateserial -days 2 -out "$certs/client.pem"
grep -q ENCRYPTED "$certs/client.key" || fail "the client key is not encrypted"

free_port() {
  local port
  for _ in $(seq 50); do
    port=$(shuf -i 20000-32000 -n 1)
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  fail "no free port"
}

# run_case NAME KAFKA_JSON: a TLS "broker" that requires a client certificate from our CA, and
# the producer pointed at it for a few seconds.
run_case() {
  local name=$1 kafka_json=$2 port
  port=$(free_port)
  openssl s_server -accept "127.0.0.1:$port" -cert "$certs/broker.pem" -key "$certs/broker.key" \
    -Verify 1 -CAfile "$certs/ca.pem" -rev </dev/null >"$work/$name.server.log" 2>&1 &
  local server=$!
  helper_pids+=("$server")
  wait_until 5 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null" || fail "s_server did not start"
  cat >"$work/$name.json" <<JSON
{"kafka": {"bootstrap_servers": ["localhost:$port"] $kafka_json},
 "monitored_urls": [{"url": "http://127.0.0.1:1/", "timeout": 0.5, "period": 1}],
 "producer": {"id": "kafka-tls", "metrics_listen": "", "shutdown_timeout": 1}}
JSON
  chmod 600 "$work/$name.json"
  WEBMON_KAFKA_SSL_KEY_PASSWORD=$passphrase timeout -s TERM 5 \
    "$WEBMON_PRODUCER" --config "$work/$name.json" >"$work/$name.producer.log" 2>&1 || true
  kill "$server" 2>/dev/null || true
}

run_case mutual ", \"ssl_cafile\": \"$certs/ca.pem\", \"ssl_certfile\": \"$certs/client.pem\", \"ssl_keyfile\": \"$certs/client.key\""
grep -q 'CONNECTION ESTABLISHED' "$work/mutual.server.log" || fail "mutual: no TLS session was established"
grep -q 'Peer certificate: CN *= *webmon-client' "$work/mutual.server.log" || fail "mutual: the broker did not see our client certificate"
grep -q 'certificate verify failed' "$work/mutual.producer.log" && fail "mutual: the producer rejected the right CA"
log "mutual TLS: $(grep -m1 'Protocol version' "$work/mutual.server.log"), client $(grep -m1 -o 'Peer certificate: .*' "$work/mutual.server.log")"

run_case wrong_ca ", \"ssl_cafile\": \"$certs/other-ca.pem\", \"ssl_certfile\": \"$certs/client.pem\", \"ssl_keyfile\": \"$certs/client.key\""
grep -q 'certificate verify failed' "$work/wrong_ca.producer.log" || fail "wrong_ca: the producer accepted a broker its CA did not sign"
grep -q 'CONNECTION ESTABLISHED' "$work/wrong_ca.server.log" && fail "wrong_ca: a session was established"
log "wrong CA refused: $(grep -m1 -o 'SSL handshake failed: [^(]*' "$work/wrong_ca.producer.log")"

run_case no_client_cert ", \"ssl_cafile\": \"$certs/ca.pem\""
grep -q 'CONNECTION ESTABLISHED' "$work/no_client_cert.server.log" && fail "no_client_cert: the broker accepted a client without a certificate"
grep -q 'peer did not return a certificate' "$work/no_client_cert.server.log" || fail "no_client_cert: the broker did not refuse for the missing certificate"
grep -q 'alert certificate required' "$work/no_client_cert.producer.log" || fail "no_client_cert: the producer log does not say the broker wants a certificate"
log "no client certificate refused: $(grep -m1 -o 'Receive failed: [^(]*' "$work/no_client_cert.producer.log")"

leaks=$( (grep -l -- "$passphrase" "$work"/*.log || true) | wc -l)
((leaks == 0)) || fail "the key passphrase appears in $leaks logs"
echo "mutual_tls=ok wrong_ca=refused no_client_cert=refused passphrase_leaks=$leaks"
pass "kafka TLS: mutual TLS with an encrypted key works, a wrong CA and a missing client certificate are refused"
