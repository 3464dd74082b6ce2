#!/usr/bin/env bash
# Error kind `dns` for http probes goes through the system's resolver (getaddrinfo reads
# /etc/resolv.conf), which must never be asked about a missing name: the query would leave the
# machine. So this runs the resolver tests in a private network namespace (only a loopback)
# and mount namespace, where /etc/resolv.conf names a dnsmasq on 127.0.0.1:53 that knows
# up.test and answers NXDOMAIN for everything else. Needs root (unshare); skipped otherwise.
set -euo pipefail
if [[ $(id -u) -ne 0 ]]; then echo "SKIP: needs root for unshare"; exit 77; fi
: "${WEBMON_RESOLVER_TESTS:?path to webmon_resolver_tests}"
work=$(mktemp -d /tmp/webmon-resolver.XXXXXX)
trap 'rm -rf "$work"' EXIT
printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n' >"$work/resolv.conf"

unshare --net --mount bash -euo pipefail -c '
  work=$1 tests=$2
  ip link set lo up
  mount --bind "$work/resolv.conf" /etc/resolv.conf
  dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
    --listen-address=127.0.0.1 --port=53 --user=root --pid-file= --log-queries \
    --log-facility="$work/dnsmasq.log" --address=/#/ --host-record=up.test,127.0.0.1 &
  dns=$!
  for _ in $(seq 50); do grep -q "started" "$work/dnsmasq.log" 2>/dev/null && break; sleep 0.1; done
  status=0
  WEBMON_ISOLATED_RESOLVER=1 "$tests" || status=$?
  kill "$dns"; wait "$dns" 2>/dev/null || true
  # The http probe really asked our server about the missing name (not a cached or
  # short-circuited failure).
  grep -q "query\[A\] missing.test" "$work/dnsmasq.log" || { echo "FAIL: dnsmasq was never asked"; cat "$work/dnsmasq.log"; exit 1; }
  exit $status
' resolver-test "$work" "$WEBMON_RESOLVER_TESTS"
echo "PASS: dns error class through the system resolver (isolated)"
