#!/usr/bin/env bash
# Extracts promtool from Debian's prometheus package into .cache/chart/prometheus (once) and
# prints its path. `dpkg -x` unpacks without installing, so no service is ever started.
set -euo pipefail
source "$(dirname "$0")/common.sh"

fetch() {
  [[ -x $promtool_bin ]] && return 0
  local work
  work=$(mktemp -d "$chart_cache/prometheus.XXXXXX")
  chart_log "fetching Debian's prometheus package for promtool (once)"
  # apt-get download needs the package lists; a fresh machine may never have read them.
  if ! (cd "$work" && apt-get download -qq prometheus 2>/dev/null); then
    apt-get update -qq
    (cd "$work" && apt-get download -qq prometheus)
  fi
  dpkg -x "$work"/prometheus_*.deb "$work/root"
  "$work/root/usr/bin/promtool" --version >/dev/null
  rm -rf "$promtool_dir"
  mv "$work/root" "$promtool_dir"
  rm -rf "$work"
}
chart_locked promtool fetch
echo "$promtool_bin"
