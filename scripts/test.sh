#!/usr/bin/env bash
# README command 2: installs what it needs, builds, and runs the whole test suite with CTest:
# unit, integration (real throwaway PostgreSQL + development Kafka broker), command-line,
# end-to-end and fault tests, and the pipeline and its faults on a real three-node Apache Kafka
# cluster (label real_kafka), first in a normal build and then in an ASan/UBSan build.
#
#   scripts/test.sh              everything (what CI runs)
#   scripts/test.sh --quick      skip the sanitizer build
#   scripts/test.sh -- -L unit   extra arguments after -- go to ctest
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

sanitize=1
ctest_args=()
while (($#)); do
  case "$1" in
    --quick) sanitize=0 ;;
    --) shift; ctest_args=("$@"); break ;;
    *) echo "usage: scripts/test.sh [--quick] [-- ctest arguments]" >&2; exit 2 ;;
  esac
  shift
done

scripts/install-deps.sh --real-kafka
# The Kafka broker's jars, before any test runs (once per machine; Maven caches them), so a
# slow download is not counted against a test's time-out.
scripts/kafka-cluster.sh fetch >/dev/null

echo "== format check (clang-format)"
git ls-files '*.h' '*.cpp' | xargs clang-format --dry-run --Werror

run_suite() {  # run_suite BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  echo "== build $dir"
  cmake -S . -B "$dir" -DWEBMON_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j2
  echo "== test $dir"
  # Tests share one PostgreSQL and one broker but use their own databases and topics,
  # so two can run at once.
  local status=0
  (cd "$dir" && ctest --output-on-failure -j2 "${ctest_args[@]}") || status=$?
  # The scripted tests' own verdicts, with their exact counts (lost=0 duplicated=0 ...), which
  # ctest does not show for passing tests.
  echo "== counts reported by the scripted tests in $dir"
  grep -ah -E '^(ok   - |expected=)' "$dir/Testing/Temporary/LastTest.log" | sed 's/^/   /' || true
  return $status
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if ((sanitize)); then
  # detect_leaks: librdkafka and libcurl free everything at exit when shut down properly, so
  # a leak report is a real finding.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
  export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/lsan.supp:print_suppressions=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
  # The soak measures memory, which means little under ASan, the fuzz targets carry their
  # own sanitizers, and the package test makes its own release build; everything else runs
  # here too.
  ctest_args=(-LE 'soak|fuzz|package' "${ctest_args[@]}")
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DWEBMON_SANITIZE=ON
fi
echo "== all test suites passed"
