#!/usr/bin/env bash
# Stops a broker started by start.sh: SIGTERM (a clean shutdown), up to 20 s, then SIGKILL.
#   usage: stop.sh STATE_DIR
# Removes STATE_DIR only when start.sh created it (mktemp); a folder the caller named is kept.
set -euo pipefail
source "$(dirname "$0")/common.sh"
state_dir=${1:?usage: stop.sh STATE_DIR}
[[ -d $state_dir ]] || { kafka_log "no state dir $state_dir"; exit 0; }

# The pid must still be this broker's JVM (pid files outlive reboots and pids get reused).
is_our_broker() {
  [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "kafka.Kafka $state_dir/server.properties"
}

clean_exit=1
if [[ -f $state_dir/pid ]]; then
  pid=$(cat "$state_dir/pid")
  state_dir_abs=$(cd "$state_dir" && pwd)
  state_dir=$state_dir_abs
  if is_our_broker "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      is_our_broker "$pid" || break
      sleep 0.2
    done
    if is_our_broker "$pid"; then
      kafka_log "broker $pid ignored SIGTERM for 20 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      clean_exit=0
      while is_our_broker "$pid"; do sleep 0.1; done
    fi
    kafka_log "stopped broker $pid"
  fi
  rm -f "$state_dir/pid"
fi

# start.sh asked the JVM to dump a class-data archive at exit: keep it only after a clean exit.
if [[ -f $state_dir/cds-pending ]]; then
  { read -r tmp_archive; read -r archive; } <"$state_dir/cds-pending"
  if ((clean_exit)) && [[ -s $tmp_archive ]]; then
    mv -f "$tmp_archive" "$archive"
    # Archives of earlier JVM builds or jar sets are never mapped again (~50 MB each).
    find "$(dirname "$archive")" -name 'kafka-*.jsa' ! -name "$(basename "$archive")" -delete
  else
    rm -f "$tmp_archive"
  fi
  rm -f "$state_dir/cds-pending"
fi

if [[ -f $state_dir/.created-by-start ]]; then
  rm -rf "$state_dir"
fi
