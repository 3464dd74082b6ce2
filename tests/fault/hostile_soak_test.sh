#!/usr/bin/env bash
# Soak: the producer probes badly behaved targets (never answers, headers one byte a second,
# endless body, 100 MB body, closed mid-response, redirect loop) for WEBMON_SOAK_SECONDS
# (default 600). Every probe must be reported, and the producer's memory must stay flat.
source "$(dirname "$0")/../support/lib.sh"
duration=${WEBMON_SOAK_SECONDS:-600}

start_broker
"$WEBMON_TARGET_SERVER" --port-file "$work/target.port" --hostile-port-file "$work/hostile.port" \
  >"$work/target.log" 2>&1 &
helper_pids+=($!)
wait_until 10 test -s "$work/hostile.port" || fail "the target server did not start"
hostile=$(cat "$work/hostile.port")
urls=""
for path in silent drip-headers endless close-mid redirect-loop; do
  for copy in 1 2 3 4; do
    urls+="${urls:+,}{\"url\": \"http://127.0.0.1:$hostile/$path?copy=$copy\", \"timeout\": 2, \"period\": 3, \"follow_redirects\": true}"
  done
done
urls+=",{\"url\": \"http://127.0.0.1:$hostile/huge\", \"timeout\": 2, \"period\": 3}"
cat >"$work/config.json" <<JSON
{"kafka": {"bootstrap_servers": ["$bootstrap"]}, "monitored_urls": [$urls], "producer": {"id": "soak", "metrics_listen": "127.0.0.1:0"}}
JSON
start_service producer
log "soaking for $duration s against 21 hostile targets"
samples=()
for ((t = 0; t < duration; t += 10)); do
  sleep 10
  service_alive producer || fail "the producer died"
  samples+=("$(awk '/VmRSS/ {print $2}' "/proc/${service_pids[producer]}/status")")
done
stop_service producer
probes=$(producer_total probes); delivered=$(producer_total delivered)
log "RSS samples (kB, every 10 s): ${samples[*]}"
# After a minute of warm-up (allocator pools, librdkafka buffers), memory must be flat.
warm=("${samples[@]:6}")
min=$(printf '%s\n' "${warm[@]}" | sort -n | head -n 1)
max=$(printf '%s\n' "${warm[@]}" | sort -n | tail -n 1)
((probes > 0 && delivered == probes)) || fail "probes=$probes delivered=$delivered"
((max - min < 8192)) || fail "RSS grew by $((max - min)) kB after warm-up"
pass "soak ${duration}s: $probes probes of hostile targets, all delivered; RSS after warm-up ${min}..${max} kB"
