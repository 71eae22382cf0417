#!/usr/bin/env bash
# The whole test suite: install, build, run ctest (unit, integration, end to end), then the
# sanitizer stage: the unit tests and the shutdown test again, built with AddressSanitizer and
# UBSan (the asan preset; only what it runs is built). Exits non-zero on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
status=0
ctest --preset release -j 2 || status=$?

echo "== sanitizer stage (asan preset) =="
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$(nproc)" --target hookd hookd-kafka hookd_unit_tests hookd_it_shutdown
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  ctest --test-dir build/asan -R '^unit\.|^integration\.shutdown\.' -j 2 --output-on-failure || status=$?
exit "$status"
