#!/usr/bin/env bash
# Builds the Debian package webmon_<version>_amd64.deb: a Release build with Debian's own
# hardening flags (dpkg-buildflags), installed under /usr, packed by cpack -G DEB.
#
#   scripts/build-deb.sh [BUILD_DIR]     default build-deb; prints the .deb's path last
#
# Install it with `apt-get install ./webmon_<version>_amd64.deb` (README "Install").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build-deb}")
cd "$root"
scripts/install-deps.sh >&2

# The flags a Debian maintainer build gets (-O2, -fstack-protector-strong,
# -D_FORTIFY_SOURCE=2, relro and now, PIE): lintian checks the binaries for them.
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS=$(dpkg-buildflags --get CFLAGS)
CXXFLAGS=$(dpkg-buildflags --get CXXFLAGS)
CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)
LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS="$CFLAGS $CPPFLAGS" CXXFLAGS="$CXXFLAGS $CPPFLAGS" LDFLAGS

cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DWEBMON_BUILD_TESTS=OFF -DWEBMON_WERROR=ON >&2
cmake --build "$build" -j2 >&2
(cd "$build" && cpack -G DEB >&2)
deb=$(ls "$build"/webmon_*_*.deb)
echo "$deb"
