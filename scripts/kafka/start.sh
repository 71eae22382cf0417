#!/usr/bin/env bash
# Starts a single-node Apache Kafka (KRaft, broker+controller in one JVM) on 127.0.0.1 for tests,
# the demo and benchmarks.
#   usage: start.sh [STATE_DIR]     (default: a fresh mktemp -d, removed again by stop.sh)
# Waits until the broker serves metadata, writes STATE_DIR/pid and STATE_DIR/bootstrap, and prints
# the bootstrap address (127.0.0.1:PORT) as the last line of stdout; progress goes to stderr.
# Stop it with stop.sh STATE_DIR.
set -euo pipefail
source "$(dirname "$0")/common.sh"
started_at=$(date +%s%N)
timeout_s=${HOOKD_KAFKA_START_TIMEOUT:-60}

"$kafka_scripts_dir/fetch.sh"
java=$(kafka_java)

if [[ $# -ge 1 && -n $1 ]]; then
  state_dir=$1
  mkdir -p "$state_dir"
else
  state_dir=$(mktemp -d "${TMPDIR:-/tmp}/hookd-kafka.XXXXXX")
  # stop.sh deletes only folders carrying this mark, never one a caller handed in.
  touch "$state_dir/.created-by-start"
fi
state_dir=$(cd "$state_dir" && pwd)

if [[ -f $state_dir/pid ]] && kill -0 "$(cat "$state_dir/pid")" 2>/dev/null; then
  kafka_log "a broker already runs from $state_dir (pid $(cat "$state_dir/pid")); stop.sh it first"
  exit 1
fi
rm -rf "$state_dir/data" "$state_dir/pid" "$state_dir/bootstrap"

# Any failure from here on: no half-started JVM stays behind, and a temp dir nobody knows the
# name of is removed (the error output already showed the log's tail).
clean_up_after_failure() {
  (($? == 0)) && return
  if [[ -f $state_dir/pid ]]; then
    local pid
    pid=$(cat "$state_dir/pid")
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$state_dir/pid"
  fi
  if [[ -f $state_dir/cds-pending ]]; then rm -f "$(head -n 1 "$state_dir/cds-pending")"; fi
  if [[ -f $state_dir/.created-by-start ]]; then rm -rf "$state_dir"; fi
}
trap clean_up_after_failure EXIT

cat >"$state_dir/log4j2.properties" <<PROPS
status=warn
appender.file.type=File
appender.file.name=file
appender.file.fileName=$state_dir/broker.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
# Per-request and per-partition chatter that only hides the lines worth reading.
logger.request.name=kafka.request.logger
logger.request.level=WARN
logger.statechange.name=state.change.logger
logger.statechange.level=WARN
PROPS

# Small heap, serial GC and C1 only: a test broker on a 2-core box starts fastest this way.
# HOOKD_KAFKA_GC=zgc trades that for pauses of well under a millisecond, for latency
# benchmarks: under the e2e benchmark's paced load a serial young collection stops the broker
# for 10-20 ms every second or two, and those stops were its latency tail (docs/benchmarks.md).
# Every collection is logged to STATE_DIR/gc.log either way.
case ${HOOKD_KAFKA_GC:-serial} in
  serial) gc_flags=(-Xms256m -Xmx512m -XX:+UseSerialGC) ;;
  zgc) gc_flags=(-Xms512m -Xmx512m -XX:+UseZGC) ;;
  *) echo "kafka: HOOKD_KAFKA_GC is serial or zgc, not '$HOOKD_KAFKA_GC'" >&2; exit 2 ;;
esac
jvm_flags=("${gc_flags[@]}" -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError
  "-Xlog:gc:file=$state_dir/gc.log:time,uptime"
  -Djava.awt.headless=true "-Dlog4j2.configurationFile=$state_dir/log4j2.properties"
  -cp "$kafka_libs/*")

# Class-data sharing: the first start dumps the classes it loaded into an archive next to the
# jars; later starts map it instead of parsing ~3000 classes again (about a second saved per JVM).
cds_dir=$kafka_home/cds
# Keyed on the JVM build (its libjvm.so) and the jar list; `java -version` would cost a JVM start.
java_home=$(dirname "$(dirname "$(readlink -f "$java")")")
jvm_stamp=$(stat -L -c '%n %s %Y' "$java_home/lib/server/libjvm.so" 2>/dev/null || echo "$java_home")
cds_archive=$cds_dir/kafka-$(sha256sum <<<"$jvm_stamp $(ls "$kafka_libs")" | cut -c1-12).jsa
if [[ ${HOOKD_KAFKA_CDS:-1} == 1 ]]; then
  mkdir -p "$cds_dir"
  if [[ -s $cds_archive ]]; then
    jvm_flags+=("-XX:SharedArchiveFile=$cds_archive" -Xshare:auto)
  else
    # Written at JVM exit, i.e. when stop.sh ends this broker; renamed into place only if complete.
    jvm_flags+=("-XX:ArchiveClassesAtExit=$cds_archive.$$.tmp")
    printf '%s\n' "$cds_archive.$$.tmp" "$cds_archive" >"$state_dir/cds-pending"
  fi
fi

# Two free ports (client, controller): the kernel picks them, the sockets are closed right after
# (so another process may grab one before the broker binds it: see the retry below).
pick_ports_and_configure() {
  read -r port controller_port cluster_id < <(python3 - <<'PY'
import base64, socket, uuid
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
ports = [s.getsockname()[1] for s in socks]
for s in socks:
    s.close()
# Like Kafka's Uuid.randomUuid: never an id that starts with "-", which the storage tool's
# argument parser would read as an option (1 start in 64 failed before this).
cluster_id = "-"
while cluster_id.startswith("-"):
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
print(ports[0], ports[1], cluster_id)
PY
  )
  bootstrap=127.0.0.1:$port

  cat >"$state_dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://$bootstrap
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$state_dir/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=1000
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
PROPS
}

# Formatting costs a JVM start of its own, and its output (meta.properties, bootstrap.checkpoint)
# depends only on the jars and the node's identity, not on ports or paths: format once, keep the
# result as a template, and copy it for every later broker (they all share one cluster id, which
# is harmless for brokers that never meet).
storage_template=$kafka_home/storage-template-$(cat "$kafka_scripts_dir/start.sh" <(ls "$kafka_libs") | sha256sum | cut -c1-12)
prepare_storage() {
  rm -rf "$state_dir/data"
  if [[ -f $storage_template/meta.properties ]]; then
    cp -r "$storage_template" "$state_dir/data"
    return
  fi
  kafka_log "formatting storage in $state_dir/data"
  if ! "$java" "${jvm_flags[@]/-XX:ArchiveClassesAtExit=*/-Xshare:auto}" kafka.tools.StorageTool format \
      -t "$cluster_id" -c "$state_dir/server.properties" >"$state_dir/format.log" 2>&1; then
    cat "$state_dir/format.log" >&2
    kafka_log "storage format failed"
    exit 1
  fi
  # Staged then renamed, so a concurrent start never copies a half-written template.
  local staged
  staged=$(mktemp -d "$kafka_home/storage-template.XXXXXX")
  cp -r "$state_dir/data/." "$staged/"
  mv -T "$staged" "$storage_template" 2>/dev/null || rm -rf "$staged"
  # Templates of earlier versions of this script or of other jars are never copied again.
  find "$kafka_home" -maxdepth 1 -name 'storage-template-*' ! -path "$storage_template" -exec rm -rf {} +
}

launch() {
  kafka_log "starting broker on $bootstrap (controller 127.0.0.1:$controller_port)"
  rm -f "$state_dir/pid" "$state_dir/broker.log"
  # setsid + closed stdio: the broker outlives this script and never holds the caller's pipes
  # (bootstrap=$(start.sh) returns at once). bash writes its own pid, then becomes the JVM.
  setsid bash -c 'echo $$ >"$1/pid"; shift; exec "$@"' _ "$state_dir" \
    "$java" "${jvm_flags[@]}" kafka.Kafka "$state_dir/server.properties" \
    </dev/null >"$state_dir/stdout.log" 2>&1 &
  disown $!  # not this shell's job: no "Killed" notices, no waiting for it at exit
  # The pid file is the only handle on the JVM: have it before judging whether the JVM lives.
  for _ in $(seq 100); do
    [[ -s $state_dir/pid ]] && break
    sleep 0.05
  done
}

find_cli() {
  local candidate
  for candidate in "${HOOKD_KAFKA_CLI:-}" "$(command -v hookd-kafka || true)" \
      "$kafka_repo_root/build/release/tools/kafka-cli/hookd-kafka" \
      $(ls -t "$kafka_repo_root"/build/*/tools/kafka-cli/hookd-kafka 2>/dev/null); do
    [[ -n $candidate && -x $candidate ]] && { echo "$candidate"; return 0; }
  done
  return 0
}
cli=$(find_cli)

fail() {
  kafka_log "$1; last lines of $state_dir/broker.log:"
  tail -n 40 "$state_dir/broker.log" >&2 2>/dev/null || true
  tail -n 20 "$state_dir/stdout.log" >&2 2>/dev/null || true
  exit 1
}

# A KRaft broker opens its client port only once it is caught up and unfenced, so a cheap
# connect probe comes first; the metadata request then proves it answers.
ready() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 1
  if [[ -n $cli ]]; then
    "$cli" metadata --bootstrap "$bootstrap" --timeout-ms 2000 >/dev/null 2>&1
  else
    grep -q 'Kafka Server started' "$state_dir/broker.log" 2>/dev/null
  fi
}

# Returns 0 once ready, 1 if the JVM died; gives up (exit) at the deadline.
wait_until_ready() {
  until ready; do
    if [[ ! -f $state_dir/pid ]] || ! kill -0 "$(cat "$state_dir/pid")" 2>/dev/null; then
      return 1
    fi
    ((SECONDS < deadline)) || fail "broker not serving metadata after ${timeout_s}s"
    sleep 0.1
  done
}

deadline=$((SECONDS + timeout_s))
for attempt in 1 2 3; do
  pick_ports_and_configure
  prepare_storage
  launch
  wait_until_ready && break
  if ((attempt < 3)) && grep -qs 'Address already in use' "$state_dir/broker.log" "$state_dir/stdout.log"; then
    kafka_log "a port was taken before the broker bound it: trying two other ports"
    continue
  fi
  fail "broker exited during start-up"
done

echo "$bootstrap" >"$state_dir/bootstrap"
elapsed_ms=$((($(date +%s%N) - started_at) / 1000000))
how="log line + open port"
[[ -n $cli ]] && how="hookd-kafka metadata"
kafka_log "ready in ${elapsed_ms} ms (pid $(cat "$state_dir/pid"), checked with $how; state $state_dir)"
echo "$bootstrap"
