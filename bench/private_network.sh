#!/usr/bin/env bash
# Runs a command in a private network and mount namespace, so that probes of host names meet a
# resolver of our own and nothing leaves the machine:
#   - the network namespace has only a loopback interface (no route anywhere else);
#   - /etc/resolv.conf (bind-mounted, seen only inside) names 127.0.0.1, where a dnsmasq
#     answers every name under webmon.test with 127.0.0.1 and NXDOMAIN for anything else.
#
#   bench/private_network.sh COMMAND [ARGS...]
#
# WEBMON_BENCH_DNS_TTL sets the TTL of the answers (default 300 s, a common value for web
# sites; dnsmasq's own default for local answers is 0, which no resolver caches). Needs root.
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "private_network.sh: needs root (unshare, port 53)" >&2; exit 1; }
(($#)) || { echo "usage: bench/private_network.sh COMMAND [ARGS...]" >&2; exit 2; }
command -v dnsmasq >/dev/null || { echo "private_network.sh: dnsmasq not found (dnsmasq-base)" >&2; exit 1; }

dir=$(mktemp -d /tmp/webmon-netns.XXXXXX)
trap 'rm -rf "$dir"' EXIT
printf 'nameserver 127.0.0.1\noptions attempts:2 timeout:2\n' >"$dir/resolv.conf"
export WEBMON_BENCH_DNS_TTL=${WEBMON_BENCH_DNS_TTL:-300}

unshare --net --mount -- bash -euo pipefail -c '
  dir=$1; shift
  ip link set lo up
  mount --bind "$dir/resolv.conf" /etc/resolv.conf
  # --address=/webmon.test/…: every name below it; /#/: NXDOMAIN for the rest. No upstream
  # (--no-resolv), no /etc/hosts, no query log (it would cost more than the answers).
  dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
    --listen-address=127.0.0.1 --port=53 --user=root --pid-file= \
    --log-facility="$dir/dnsmasq.log" --local-ttl="$WEBMON_BENCH_DNS_TTL" \
    --address=/webmon.test/127.0.0.1 --address=/#/ &
  dns=$!
  for _ in $(seq 50); do grep -q started "$dir/dnsmasq.log" 2>/dev/null && break; sleep 0.1; done
  grep -q started "$dir/dnsmasq.log" || { cat "$dir/dnsmasq.log" >&2; exit 1; }
  export WEBMON_BENCH_DNSMASQ_PID=$dns
  status=0
  "$@" || status=$?
  kill "$dns" 2>/dev/null; wait "$dns" 2>/dev/null || true
  exit $status
' private-network "$dir" "$@"
