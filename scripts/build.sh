#!/usr/bin/env bash
# Installs what is missing, then configures and builds hookd with the release preset.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
