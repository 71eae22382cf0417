# Shared by fetch.sh, start.sh and stop.sh (sourced, never run).
kafka_scripts_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kafka_repo_root=$(cd "$kafka_scripts_dir/../.." && pwd)
kafka_home=${HOOKD_KAFKA_HOME:-$kafka_repo_root/.cache/kafka}
kafka_libs=$kafka_home/libs

# Debian's Java 17 is what setup.sh installs; other JVMs on PATH are only a fallback.
kafka_java() {
  local debian=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
  if [[ -x $debian ]]; then echo "$debian"; else command -v java; fi
}

kafka_log() { echo "kafka: $*" >&2; }
