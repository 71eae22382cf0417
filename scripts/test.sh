#!/usr/bin/env bash
# The whole test suite: install, build, run ctest (unit, integration, end to end).
# Exits non-zero on any failure; ctest's own summary is the last thing printed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
exec ctest --preset release -j 2
