#!/usr/bin/env bash
# The config example of web-monitor's README (the monitor webmon succeeds), verbatim but for
# the two hosts (empty there, to be filled in) and its two snippets in one file: ports as
# strings, Kafka TLS as PEM paths, db.sslmode and sslrootcert, a trailing comma, values left
# "" for the operator to fill in. Both services must accept it as written (--check-config:
# nothing is probed, nothing connects), and still refuse a port that is not one.
source "$(dirname "$0")/checks.sh"

for bin in "$WEBMON_PRODUCER" "$WEBMON_CONSUMER"; do
  name=$(basename "$bin")
  out=$("$bin" --config "$here/web_monitor_config.json" --check-config 2>&1); code=$?
  echo "$out" | sed 's/^/    /'
  check "$name accepts web-monitor's example as written (exit $code)" test "$code" -eq 0
  check "$name reads the string ports and the host + port form" \
    grep -q '^  kafka: 127.0.0.1:19071 topic webmon.reports$' <<<"$out"
  check "$name takes \"\" as the default (topic, db_name, user)" \
    grep -q '^  db: webmon@127.0.0.1:19069/webmon (sslmode require' <<<"$out"
  check "$name has the three URLs" grep -q '^  monitored_urls: 3$' <<<"$out"

  sed 's/"port": "19071"/"port": "19071x"/' "$here/web_monitor_config.json" >"$scratch/bad_port.json"
  out=$("$bin" --config "$scratch/bad_port.json" --check-config 2>&1); code=$?
  check "$name still refuses a port that is not one, by its path (exit $code)" \
    bash -c "[[ $code -eq 2 && \"\$1\" == *'kafka.port: must be a port from 1 to 65535 (a number, or a string of digits), got \"19071x\"'* ]]" _ "$out"
done
finish
