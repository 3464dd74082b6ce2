#!/usr/bin/env bash
# Installs every Debian package webmon needs to build, test and run locally.
# Safe to run repeatedly: apt-get skips what is already installed.
#
#   scripts/install-deps.sh               build, tests on the development broker, the local run
#   scripts/install-deps.sh --real-kafka  also Java and Maven, for the real Apache Kafka broker
#                                         (scripts/kafka-cluster.sh: the tests, the benchmark,
#                                         run-local.sh --real-kafka)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake pkg-config clang-format
  # libraries the services link (see README "Dependencies")
  librdkafka-dev libpqxx-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libcli11-dev libcpp-httplib-dev libpcre2-dev libc-ares-dev
  # tests
  libgtest-dev libgmock-dev
  # servers and tools the tests and the local run start
  postgresql postgresql-client kcat supervisor procps openssl curl
  # a local DNS server for the dns probe tests, and the namespaces that keep their queries
  # on this machine
  dnsmasq-base iproute2 util-linux
  # promtool (Prometheus's own exposition parser) for the /metrics test; systemd-analyze
  # to verify the unit files
  prometheus systemd
  # the Debian package (scripts/build-deb.sh): man pages from --help, and its checker
  help2man lintian
  # a local SMTP server (STARTTLS, AUTH) for the email receiver's test
  python3-aiosmtpd
  # the status page in a real browser, and the API checked against docs/openapi.yaml
  chromium python3-yaml python3-jsonschema
)
if [[ ${1:-} == --real-kafka ]]; then
  # Debian packages no Kafka broker: its jars come from Maven Central (scripts/kafka/pom.xml).
  packages+=(openjdk-17-jre-headless maven)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
