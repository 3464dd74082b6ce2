#!/usr/bin/env bash
# The Debian package as an operator meets it: scripts/build-deb.sh builds it, `apt-get
# install ./webmon_<version>_amd64.deb` installs it on this machine, the installed programs
# run (--version, --check-config of the shipped config, as the webmon user), the installed
# units pass systemd-analyze verify, lintian finds nothing that is not overridden with a
# reason, and after `apt-get purge` nothing of it is left on the machine.
set -euo pipefail
[[ $(id -u) -eq 0 ]] || { echo "FAIL: needs root (installs a package)"; exit 1; }
known_to_dpkg() { dpkg-query -W -f='${Status}' webmon 2>/dev/null | grep -qE ' (installed|config-files|half-installed|unpacked|half-configured)$'; }
if known_to_dpkg; then
  echo "FAIL: a webmon package is already installed here; this test would replace it"; exit 1
fi
work=$(mktemp -d)
installed=0
cleanup() {
  if ((installed)); then apt-get purge -y -qq webmon >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# What on the machine mentions webmon before, so "nothing left" compares like with like.
webmon_paths() {
  find /etc /usr /var /opt -xdev \( -path /var/lib/dpkg -o -path /var/cache -o -path /var/log/apt \
    -o -path /var/lib/apt -o -path /var/tmp \) -prune -o -iname '*webmon*' -print 2>/dev/null | sort
}
webmon_paths >"$work/before"
user_before=$(getent passwd webmon || true)

# WEBMON_PACKAGE_BUILD: a build directory to reuse (incremental) instead of a fresh one.
deb=$("$WEBMON_SOURCE_DIR/scripts/build-deb.sh" "${WEBMON_PACKAGE_BUILD:-$work/build}" | tail -n1)
[[ $(basename "$deb") =~ ^webmon_[0-9.]+_amd64\.deb$ ]] || { echo "FAIL: package named $(basename "$deb")"; exit 1; }
echo "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

echo "== what the package declares"
dpkg-deb --field "$deb" Package Version Depends Section
depends=$(dpkg-deb --field "$deb" Depends)
for lib in librdkafka1 libpqxx-6.4 libcurl4 adduser; do
  grep -q "\b$lib\b" <<<"$depends" || { echo "FAIL: no dependency on $lib"; exit 1; }
done
! grep -q -- '-dev\b' <<<"$depends" || { echo "FAIL: depends on a -dev package: $depends"; exit 1; }
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/webmon/config.json ||
  { echo "FAIL: /etc/webmon/config.json is not a conffile"; exit 1; }

echo "== lintian"
# The overrides ship in the package (/usr/share/lintian/overrides/webmon), each with its
# reason; anything else at the info level or above fails the test.
lintian_status=0
lintian --fail-on error,warning,info --display-info "$deb" >"$work/lintian" 2>&1 || lintian_status=$?
grep -v 'root privileges' "$work/lintian" || true
((lintian_status == 0)) || { echo "FAIL: lintian reports the tags above (exit $lintian_status)"; exit 1; }
overridden=$( (lintian --display-info --show-overrides "$deb" 2>/dev/null || true) | grep -c '^O:' || true)
echo "lintian: nothing reported at the info level or above; $overridden tags overridden, each with its reason"

echo "== install"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt-install" 2>&1 ||
  { cat "$work/apt-install"; echo "FAIL: apt-get install"; exit 1; }
for path in /usr/bin/webmon-producer /usr/bin/webmon-consumer /etc/webmon/config.json \
  /lib/systemd/system/webmon-producer.service /lib/systemd/system/webmon-consumer.service \
  /usr/share/webmon/sql/migrations/001_initial.sql /usr/share/webmon/sql/reports/uptime.sql \
  /usr/share/man/man1/webmon-producer.1.gz /usr/share/man/man1/webmon-consumer.1.gz \
  /usr/share/doc/webmon/copyright; do
  [[ -e $path ]] || { echo "FAIL: $path not installed"; exit 1; }
done
version=$(webmon-producer --version)
[[ $version == "webmon-producer $(dpkg-deb --field "$deb" Version)" ]] ||
  { echo "FAIL: webmon-producer --version says '$version'"; exit 1; }
echo "$version; $(webmon-consumer --version)"
getent passwd webmon | grep -q ':/nonexistent:' || { echo "FAIL: no webmon system user"; exit 1; }
[[ $(stat -c '%U:%G %a' /etc/webmon/config.json) == "root:webmon 640" ]] ||
  { echo "FAIL: /etc/webmon/config.json is $(stat -c '%U:%G %a' /etc/webmon/config.json)"; exit 1; }
# As the units run them: the service user can read the shipped config, and it is valid.
for program in webmon-producer webmon-consumer; do
  runuser -u webmon -- "$program" --config /etc/webmon/config.json --check-config >"$work/check" 2>&1 ||
    { cat "$work/check"; echo "FAIL: $program --check-config on the installed config"; exit 1; }
  head -n1 "$work/check"
done
man -l /usr/share/man/man1/webmon-consumer.1.gz 2>/dev/null | grep -q -- '--migrate' ||
  zcat /usr/share/man/man1/webmon-consumer.1.gz | grep -q 'migrate' ||
  { echo "FAIL: the consumer's man page does not list --migrate"; exit 1; }
(cd /lib/systemd/system && systemd-analyze verify --man=no webmon-producer.service webmon-consumer.service) ||
  { echo "FAIL: systemd-analyze verify rejects the installed units"; exit 1; }
grep -q '^ExecStart=/usr/bin/webmon-producer --config /etc/webmon/config.json$' \
  /lib/systemd/system/webmon-producer.service || { echo "FAIL: the unit starts something else"; exit 1; }
echo "installed units verify"

echo "== an operator's edit survives a reinstall (conffile)"
sed -i 's/"client_id": "webmon"/"client_id": "webmon-edited"/' /etc/webmon/config.json
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confold "$deb" \
  >"$work/apt-reinstall" 2>&1 || { cat "$work/apt-reinstall"; echo "FAIL: reinstall"; exit 1; }
grep -q '"client_id": "webmon-edited"' /etc/webmon/config.json || { echo "FAIL: the edit was overwritten"; exit 1; }

echo "== purge"
echo "WEBMON_DB_PASSWORD=x" >/etc/webmon/secrets.env
mkdir -p /var/log/webmon
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq webmon >"$work/apt-purge" 2>&1 ||
  { cat "$work/apt-purge"; echo "FAIL: apt-get purge"; exit 1; }
installed=0
webmon_paths >"$work/after"
left=$(comm -13 "$work/before" "$work/after")
[[ -z $left ]] || { echo "FAIL: left after purge:"; echo "$left"; exit 1; }
[[ $(getent passwd webmon || true) == "$user_before" ]] || { echo "FAIL: the webmon user is left"; exit 1; }
[[ -n $user_before ]] || ! getent group webmon >/dev/null || { echo "FAIL: the webmon group is left"; exit 1; }
! dpkg-statoverride --list /etc/webmon/config.json >/dev/null || { echo "FAIL: the statoverride is left"; exit 1; }
! known_to_dpkg ||
  { echo "FAIL: dpkg still knows webmon"; exit 1; }
echo "ok   - webmon package: built, lintian clean, installed, verified, purged without a trace"
