#!/usr/bin/env bash
# Installs everything hookd needs to build and test on Debian bookworm (run as root).
# Idempotent: packages already present are skipped, the Kafka jars are fetched once.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

sections=${HOOKD_PACKAGE_SECTIONS:-"build runtime test"}
wanted=()
for section in $sections; do
  while IFS= read -r pkg; do wanted+=("$pkg"); done < <(
    awk -v s="[$section]" '/^\[/{on=($0==s); next} on && NF && $1 !~ /^#/ {print $1}' "$here/packages.txt")
done

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ " $sections " == *" test "* ]]; then
  "$root/scripts/kafka/fetch.sh"
fi
