#!/usr/bin/env bash
# Runs one of tools/chart-check's scripts with its npm dependencies on NODE_PATH:
#   scripts/chart/node.sh validate-manifests.js ARGS...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
modules=$("$here/npm-deps.sh")
script=$1
shift
NODE_PATH=$modules exec node "$here/../../tools/chart-check/$script" "$@"
