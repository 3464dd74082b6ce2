#!/usr/bin/env bash
# The binaries' command line as an operator meets it: --version, --help, --check-config, and a
# config with five mistakes that must produce five path-named errors and exit code 2.
source "$(dirname "$0")/checks.sh"

for bin in "$WEBMON_PRODUCER" "$WEBMON_CONSUMER"; do
  name=$(basename "$bin")

  out=$("$bin" --version 2>&1); code=$?
  check "$name --version exits 0 and names itself" test "$code" -eq 0 -a "${out%% *}" = "$name"

  out=$("$bin" --help 2>&1); code=$?
  check "$name --help exits 0 and documents --check-config" \
    bash -c "[[ $code -eq 0 && \"\$1\" == *--check-config* && \"\$1\" == *--config* ]]" _ "$out"

  "$bin" --no-such-flag >/dev/null 2>&1; code=$?
  check "$name rejects an unknown flag with exit 2" test "$code" -eq 2

  out=$("$bin" --config "$here/five_mistakes.json" 2>&1); code=$?
  check "$name exits 2 on an invalid config" test "$code" -eq 2
  problems=$(grep -c '^  ' <<<"$out")
  check "$name reports all five problems at once (got $problems)" test "$problems" -eq 5
  check "$name names kafka.bootstrap_servers[0]" grep -q '^  kafka.bootstrap_servers\[0\]: must be host:port, got "localhost"$' <<<"$out"
  check "$name names db.port" grep -q '^  db.port: must be between 1 and 65535, got 0$' <<<"$out"
  check "$name names monitored_urls[0].period" grep -q '^  monitored_urls\[0\].period: must be greater than timeout (10), got 5$' <<<"$out"
  check "$name names monitored_urls[1].url" grep -q '^  monitored_urls\[1\].url: must start with http:// or https://, got "gopher://example.com/"$' <<<"$out"
  check "$name names monitored_urls[2].timout" grep -q '^  monitored_urls\[2\].timout: unknown key (allowed here: url, ' <<<"$out"

  printf '{"kafka": {"bootstrap_servers": ["127.0.0.1:9"], "properties": {"linger.mss": 5}}, "monitored_urls": []}' \
    >"$scratch/bad_property.json"
  out=$("$bin" --config "$scratch/bad_property.json" --check-config 2>&1); code=$?
  check "$name --check-config asks librdkafka about kafka.properties (exit 2, names the property)" \
    bash -c "[[ $code -eq 2 && \"\$1\" == *'kafka: property \"linger.mss\" refused by librdkafka'* ]]" _ "$out"

  out=$("$bin" --config /nonexistent/webmon.json 2>&1); code=$?
  check "$name exits 2 and says so when the config file is missing" \
    bash -c "[[ $code -eq 2 && \"\$1\" == *'cannot open the configuration file'* ]]" _ "$out"

  out=$(WEBMON_DB_PASSWORD=s3cr3t-from-env "$bin" --config "$WEBMON_SOURCE_DIR/configs/config.example.json" --check-config 2>&1); code=$?
  check "$name --check-config accepts the example config" test "$code" -eq 0
  check "$name --check-config does not print the password" bash -c "[[ \"\$1\" != *s3cr3t* ]]" _ "$out"
done

finish
