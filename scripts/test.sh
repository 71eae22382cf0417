#!/usr/bin/env bash
# The whole test suite (the README's test command; .ci/run runs it on a clean clone). Stages, each
# a CMake preset that builds only the targets its tests run (docs/architecture.md, "Sanitizers
# and fuzzing"):
#   release     install, build, then every test: unit, integration on a real Kafka, end to end
#   asan-ubsan  AddressSanitizer + UBSan (g++): the unit tests and the shutdown-with-the-broker-gone test
#   fuzz        the libFuzzer targets (fuzz/: clang++-14, AddressSanitizer + UBSan), each a short
#               run that starts by running every input of its seed corpus
#   tsan        ThreadSanitizer: the unit tests and the integration tests that run the whole worker
# Every stage runs even when an earlier one failed; exits non-zero on any failure. The last lines
# printed say how each stage ended and name the tests that failed, so the tail of a long log
# is enough to tell which stage to look at.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
status=0
summary=()

# Records how a stage's tests ended (ctest's exit code), with the names of those that failed.
record_tests() {
  local preset=$1 code=$2
  if [ "$code" -eq 0 ]; then
    summary+=("$preset: tests passed")
    return
  fi
  status=$code
  summary+=("$preset: tests FAILED (ctest exit $code)")
  local failed=build/$preset/Testing/Temporary/LastTestsFailed.log
  if [ -f "$failed" ]; then
    while IFS= read -r line; do summary+=("  failed: $line"); done <"$failed"
  fi
}

code=0
ctest --preset release -j 2 || code=$?
record_tests release "$code"

# A sanitizer report fails the stage even when its test passed: the test presets point log_path
# at build/<preset>/sanitizer-reports, which also catches what a hookd or a tool started by an
# integration test reports (their stderr goes to a log file the test deletes).
sanitizer_stage() {
  local preset=$1 reports=build/$1/sanitizer-reports
  echo "== $preset stage =="
  cmake --preset "$preset" >/dev/null
  if ! cmake --build --preset "$preset" -j "$(nproc)"; then
    status=1
    summary+=("$preset: build FAILED")
    return
  fi
  rm -rf "$reports" && mkdir -p "$reports"
  local code=0
  ctest --preset "$preset" || code=$?
  record_tests "$preset" "$code"
  if compgen -G "$reports/*" >/dev/null; then
    echo "== $preset: sanitizer reports =="
    cat "$reports"/*
    status=1
    summary+=("$preset: sanitizer reports FAILED the stage: $(ls "$reports" | tr '\n' ' ')")
  fi
}
sanitizer_stage asan-ubsan
sanitizer_stage fuzz
sanitizer_stage tsan

echo "== summary =="
for line in "${summary[@]}"; do echo "$line"; done
exit "$status"
