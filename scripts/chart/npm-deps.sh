#!/usr/bin/env bash
# Installs tools/chart-check's npm dependencies (exactly its package-lock.json) under
# .cache/chart/npm-<lock checksum>/node_modules, once per lockfile, and prints that path.
# Keeping node_modules out of the source tree means a clean clone stays clean and a changed
# lockfile gets a fresh folder instead of a half-updated one.
set -euo pipefail
source "$(dirname "$0")/common.sh"

parent=$(chart_node_modules_parent)
install() {
  [[ -f $parent/.complete ]] && return 0
  command -v npm >/dev/null || { chart_log "npm not found (Node.js is in scripts/packages.txt [test])"; return 1; }
  chart_log "installing tools/chart-check npm dependencies into $parent (once per lockfile)"
  rm -rf "$parent"
  mkdir -p "$parent"
  cp "$chart_check_dir/package.json" "$chart_check_dir/package-lock.json" "$parent/"
  (cd "$parent" && npm ci --silent --no-audit --no-fund --ignore-scripts --cache "$chart_cache/npm-cache")
  touch "$parent/.complete"
}
chart_locked npm install
echo "$parent/node_modules"
