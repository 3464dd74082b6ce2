#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a while.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     default 300 (5 minutes each)
# Corpora live in tests/fuzz/corpus/<target>/ (small, checked in); new inputs found during a
# run go to build-fuzz/corpus/<target>/, crashes to build-fuzz/crashes/. Exit code 1 on a crash.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-300}
out=$root/build-fuzz
"$root/scripts/install-deps.sh"
if ! command -v clang++ >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  [[ $(id -u) -eq 0 ]] || { echo "fuzz: needs clang and libclang-rt-dev (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev >/dev/null
fi
mkdir -p "$out/crashes"
flags=(-std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -I"$root" -I"$out/generated")
mkdir -p "$out/generated/common"
sed 's/@PROJECT_VERSION@/fuzz/' "$root/common/version.h.in" >"$out/generated/common/version.h"

build() {  # build TARGET SOURCES...
  local target=$1; shift
  echo "fuzz: building $target"
  clang++ "${flags[@]}" "$@" -o "$out/$target" -lcurl -lpcre2-8
}
# Each target with the sources of what it exercises (the libraries' other parts need libraries
# the fuzzers do not; when a file is split, its parts go here).
build report_decoder "$root/tests/fuzz/report_decoder_fuzz.cpp" "$root/common/probe_report.cpp" \
  "$root/common/report_fields.cpp" "$root/common/json_field.cpp" "$root/common/copy_row.cpp" \
  "$root/common/utf8.cpp" -lfmt
# The config reader is every common/config*.cpp (one file per section, more to come).
build config_loader "$root/tests/fuzz/config_loader_fuzz.cpp" "$root"/common/config*.cpp \
  "$root/common/probe_url.cpp" "$root/common/url_credentials.cpp" "$root/common/utf8.cpp" \
  "$root/common/json_tolerance.cpp" "$root/common/regexp.cpp"
build dns_answer "$root/tests/fuzz/dns_answer_fuzz.cpp" "$root/producer/dns_answers.cpp" \
  "$root/common/utf8.cpp" -lcares

status=0
for target in report_decoder config_loader dns_answer; do
  corpus=${target%%_*}
  mkdir -p "$out/corpus/$target"
  echo "fuzz: running $target for $seconds s"
  (cd "$out/crashes" && "$out/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
     -print_final_stats=1 "$out/corpus/$target" "$root/tests/fuzz/corpus/$corpus" 2>"$out/$target.log") ||
    { status=1; echo "fuzz: $target FOUND A PROBLEM; see $out/$target.log and $out/crashes/"; }
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE' "$out/$target.log" | sed "s/^/fuzz: $target: /" || true
done
exit $status
