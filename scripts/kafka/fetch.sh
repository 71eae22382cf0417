#!/usr/bin/env bash
# Copies the Kafka broker's runtime jars (pom.xml beside this script) from Maven Central into
# ${HOOKD_KAFKA_HOME:-<repo>/.cache/kafka}/libs. Idempotent: a marker named after the pom's
# checksum says the jars for exactly this pom are complete, so a second run does nothing.
set -euo pipefail
source "$(dirname "$0")/common.sh"

pom=$kafka_scripts_dir/pom.xml
checksum=$(sha256sum "$pom" | cut -c1-16)
marker=$kafka_libs/.complete-$checksum
[[ -f $marker ]] && exit 0

mkdir -p "$kafka_home"
# Parallel callers (tests started together) must not download into the same folder at once.
exec 9>"$kafka_home/.fetch.lock"
flock 9
[[ -f $marker ]] && exit 0

command -v mvn >/dev/null || { kafka_log "mvn not found: run scripts/setup.sh"; exit 1; }
kafka_log "fetching broker jars into $kafka_libs (once)"
staging=$kafka_home/libs.partial
rm -rf "$staging"
# A half-finished download never looks complete: jars go to a staging folder, renamed at the end.
if ! mvn -B -q -f "$pom" org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
    -DoutputDirectory="$staging" -DincludeScope=runtime >"$kafka_home/fetch.log" 2>&1; then
  tail -n 30 "$kafka_home/fetch.log" >&2
  kafka_log "fetch failed (full log: $kafka_home/fetch.log)"
  exit 1
fi
# The class-data archive and the storage template start.sh makes belong to the old jars.
rm -rf "$kafka_libs" "$kafka_home/cds" "$kafka_home"/storage-template-*
mv "$staging" "$kafka_libs"
touch "$marker"
kafka_log "fetched $(ls "$kafka_libs" | wc -l) jars"
