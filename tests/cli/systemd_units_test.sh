#!/usr/bin/env bash
# configs/systemd/*.service.in as systemd itself reads them (systemd-analyze verify,
# offline): valid directives, executables that exist (pointed at this build), and a hardening
# score of at most 2.5 ("OK") from `systemd-analyze security`. The installed units, as the
# Debian package ships them, are checked by package.deb.
set -euo pipefail
command -v systemd-analyze >/dev/null ||
  { echo "FAIL: systemd-analyze not found (Debian package systemd; scripts/install-deps.sh installs it)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for service in producer consumer; do
  binary=$([[ $service == producer ]] && echo "$WEBMON_PRODUCER" || echo "$WEBMON_CONSUMER")
  sed -e "s|@WEBMON_BINDIR@/webmon-$service|$binary|g" -e "s|@WEBMON_CONFIG_FILE@|/etc/webmon/config.json|g" \
    -e "s|@WEBMON_SYSCONFDIR@|/etc/webmon|g" -e "s|@WEBMON_DOCDIR@|/usr/share/doc/webmon|g" \
    "$WEBMON_SOURCE_DIR/configs/systemd/webmon-$service.service.in" >"$work/webmon-$service.service"
  ! grep -n '@[A-Z_]*@' "$work/webmon-$service.service" || { echo "FAIL: a placeholder the test does not fill"; exit 1; }
  grep -q "^ExecStart=$binary " "$work/webmon-$service.service" || { echo "FAIL: no ExecStart for $service"; exit 1; }
done
(cd "$work" && systemd-analyze verify --man=no ./webmon-producer.service ./webmon-consumer.service) ||
  { echo "FAIL: systemd-analyze verify rejects the units"; exit 1; }
for service in producer consumer; do
  score=$(cd "$work" && systemd-analyze security --offline=yes "./webmon-$service.service" 2>&1 |
    sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
  [[ -n $score ]] || { echo "FAIL: no exposure score for $service"; exit 1; }
  awk -v s="$score" 'BEGIN {exit !(s <= 2.5)}' ||
    { echo "FAIL: webmon-$service.service exposure $score > 2.5"; exit 1; }
  echo "webmon-$service.service: verify ok, exposure $score"
done
grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$WEBMON_SOURCE_DIR/configs/systemd/webmon-producer.service.in" ||
  { echo "FAIL: the producer unit cannot be reloaded"; exit 1; }
echo "ok   - systemd units verify and are hardened"
