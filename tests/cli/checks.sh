# Shared by the command-line tests (tests/cli/*_test.sh): a scratch directory, and checks that
# each print ok or FAIL and are counted, so one run reports every failure at once.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
failures=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
check() {  # check DESCRIPTION CONDITION...
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; failures=$((failures + 1)); fi
}
finish() {  # the exit status of the test: 1 if any check failed
  if ((failures > 0)); then echo "$failures check(s) failed"; exit 1; fi
  echo "all checks passed"
}
