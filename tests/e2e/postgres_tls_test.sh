#!/usr/bin/env bash
# The consumer and PostgreSQL over TLS. The throwaway cluster runs with ssl=on and a server
# certificate from a CA this test makes with openssl:
#   - sslmode verify-full with the right CA and host name: reports flow, over TLS (pg_stat_ssl);
#   - the wrong CA, or a host name the certificate does not name: the consumer refuses to
#     connect, exits non-zero from --migrate with a message that says what failed and what to
#     check, and never prints the password.
source "$(dirname "$0")/../support/lib.sh"

certs=$work/certs
mkdir -p "$certs"
openssl_quiet() { openssl "$@" >/dev/null 2>&1 || fail "openssl $1 failed"; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=webmon test CA" \
  -keyout "$certs/ca.key" -out "$certs/ca.pem"
openssl_quiet req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=some other CA" \
  -keyout "$certs/other-ca.key" -out "$certs/other-ca.pem"
openssl_quiet req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$certs/server.key" -out "$certs/server.csr"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$certs/san.ext"
openssl_quiet x509 -req -in "$certs/server.csr" -CA "$certs/ca.pem" -CAkey "$certs/ca.key" \
  -CAcreateserial -days 2 -extfile "$certs/san.ext" -out "$certs/server.pem"
chown postgres:postgres "$certs/server.key" "$certs/server.pem"
chmod 600 "$certs/server.key"

start_postgres
stop_postgres
cat >>"$work/pg/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$certs/server.pem'
ssl_key_file = '$certs/server.key'
CONF
restart_postgres >/dev/null
start_broker; start_targets

password='tls-test-Pa55'
sql "ALTER ROLE webmon PASSWORD '$password'" >/dev/null
db_json() {  # db_json HOST SSLROOTCERT
  echo "{\"host\": \"$1\", \"port\": $pg_port, \"db_name\": \"webmon\", \"user\": \"webmon\", \"password\": \"$password\", \"sslmode\": \"verify-full\", \"sslrootcert\": \"$2\"}"
}
config_with_db() {  # config_with_db DB_JSON FILE
  cat >"$2" <<JSON
{
  "kafka": {"bootstrap_servers": ["$bootstrap"]},
  "db": $1,
  "monitored_urls": [{"url": "http://127.0.0.1:$target_port/ok", "timeout": 0.5, "period": 1}],
  "producer": {"id": "tls-test", "metrics_listen": "127.0.0.1:0"},
  "consumer": {"status_listen": "", "group_id": "tls-test", "session_timeout": 6, "batch_max_wait": 0.2, "metrics_listen": "127.0.0.1:0"}
}
JSON
  chmod 600 "$2"
}

# Refusals first: the wrong CA, then a host name the certificate does not cover.
expect_refusal() {  # expect_refusal NAME DB_JSON EXPECTED_TEXT
  local file="$work/$1.json" code=0
  config_with_db "$2" "$file"
  "$WEBMON_CONSUMER" --config "$file" --migrate >"$work/$1.out" 2>&1 || code=$?
  ((code != 0)) || fail "$1: the consumer connected although it should not have"
  grep -q "$3" "$work/$1.out" || { cat "$work/$1.out"; fail "$1: the message does not say '$3'"; }
  grep -q "$password" "$work/$1.out" && fail "$1: the password appears in the error"
  log "$1 refused (exit $code): $(grep -o 'postgres.*' "$work/$1.out" | head -c 300)"
}
expect_refusal wrong_ca "$(db_json localhost "$certs/other-ca.pem")" "certificate verify failed (db.sslrootcert must be the CA"
wrong_host_dsn="host=webmon-wrong-name hostaddr=127.0.0.1 port=$pg_port dbname=webmon user=webmon password=$password sslmode=verify-full sslrootcert=$certs/ca.pem"
expect_refusal wrong_host "{\"dsn\": \"$wrong_host_dsn\"}" "does not match host name .*db.host must be a name"

# Then the real thing: verify-full against localhost with the right CA.
config_with_db "$(db_json localhost "$certs/ca.pem")" "$work/config.json"
start_service consumer; start_service producer
wait_until 30 bash -c "(( \$(PGPASSWORD=$password psql -X -qAt 'host=127.0.0.1 port=$pg_port user=webmon dbname=webmon sslmode=disable' -c 'SELECT count(*) FROM reports' 2>/dev/null || echo 0) > 5 ))" ||
  fail "no rows arrived over TLS"
tls_sessions=$(sql "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                    WHERE a.usename = 'webmon' AND s.ssl AND a.pid <> pg_backend_pid()")
((tls_sessions >= 1)) || fail "the consumer's connection is not encrypted (pg_stat_ssl)"
plain_sessions=$(sql "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                      WHERE a.usename = 'webmon' AND NOT s.ssl AND a.pid <> pg_backend_pid()")
((plain_sessions == 0)) || fail "$plain_sessions unencrypted connections from the consumer"
version=$(sql "SELECT s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
               WHERE a.usename = 'webmon' AND s.ssl AND a.pid <> pg_backend_pid() LIMIT 1")
stop_service producer
check_exact "$(producer_total delivered)"
stop_service consumer
grep -q "$password" "$work"/*.log && fail "the password appears in a log"
echo "tls_sessions=$tls_sessions plain_sessions=$plain_sessions tls_version=$version"
pass "postgres over TLS: verify-full works ($version), wrong CA and wrong host name refused with a clear message"
