#!/usr/bin/env bash
# The benchmark, one command: installs what it needs (webmon's build dependencies, nginx as the
# neutral target server, wrk as the yardstick, python3 for the harness), builds an optimised
# webmon, and runs every scenario against servers on 127.0.0.1 only, inside a private network
# namespace whose own dnsmasq answers the host-name scenarios' names.
#
#   bench/run.sh                 full run (about 15 minutes)
#   bench/run.sh --quick         short windows (generated histories still take minutes)
#   bench/run.sh --only ingest   one or more scenarios (see bench/bench.py --help)
#   bench/run.sh --real-kafka    also ingest and end to end on one real Apache Kafka node, beside
#                                the development broker's figures (installs Java and Maven)
#
# The results table is printed at the end and written to build-bench/results.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if [[ " $* " == *" --real-kafka "* ]]; then
  "$root/scripts/install-deps.sh" --real-kafka
  "$root/scripts/kafka-cluster.sh" fetch >/dev/null
else
  "$root/scripts/install-deps.sh"
fi
missing=()
for p in nginx wrk python3; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "bench: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "bench: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "== build build-bench (Release)"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWEBMON_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench -j2 >build-bench/build.log 2>&1 || { tail -n 40 build-bench/build.log; exit 1; }

# Many fresh connections: make sure this shell may open them.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# Everything runs in a private network namespace with a DNS server of its own
# (bench/private_network.sh), so the host-name scenarios resolve h<i>.webmon.test locally and
# no packet of any scenario can leave the machine. That needs root.
if [[ $(id -u) -eq 0 ]]; then
  exec bench/private_network.sh python3 -B bench/bench.py --build build-bench \
    --output build-bench/results.md "$@"
fi
echo "bench: not root, so no private network: the host-name scenarios will fail" >&2
exec python3 -B bench/bench.py --build build-bench --output build-bench/results.md "$@"
