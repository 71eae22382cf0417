#!/usr/bin/env bash
# Runs a real hookd against the test broker, makes it count something in every metric family
# (a delivery to a closed port: attempt + retry; an invalid event: dead letter; an invalid
# subscription record), saves its /metrics to OUT/metrics.txt and lints that with
# `promtool check metrics`. ctest chart.metrics.live (fixture kafka); chart.metrics.names then
# checks the dashboard's and the rules' metric names against the saved file.
#
# Traffic is needed because prometheus-cpp prints nothing, not even # HELP/# TYPE, for a labelled
# family without children (hookd_consumer_lag until librdkafka's first statistics; families with
# fixed label words start at 0): an idle hookd's output would not show every family the dashboard
# and the rules use.
#   live-metrics.sh HOOKD HOOKD_KAFKA OUT_DIR        (HOOKD_TEST_KAFKA_STATE names the broker)
set -euo pipefail
source "$(dirname "$0")/common.sh"
hookd=${1:?hookd binary}
kcli=${2:?hookd-kafka binary}
out=${3:?output dir}
state=${HOOKD_TEST_KAFKA_STATE:?the kafka fixture sets HOOKD_TEST_KAFKA_STATE}
bootstrap=$(cat "$state/bootstrap")
promtool=$("$chart_scripts_dir/fetch-promtool.sh")

mkdir -p "$out"
rm -f "$out/metrics.txt"
work=$(mktemp -d "$out/run.XXXXXX")
hookd_pid=
finish() {
  if [[ -n $hookd_pid ]]; then
    kill -TERM "$hookd_pid" 2>/dev/null || true
    wait "$hookd_pid" 2>/dev/null || true
  fi
}
trap finish EXIT
fail() {
  echo "live-metrics: $*" >&2
  echo "--- hookd log (last 30 lines)" >&2
  tail -n 30 "$work/hookd.log" >&2 || true
  exit 1
}

# Topics and groups of this run only, so reruns and other tests on the broker never mix.
run=chart$(date +%s)$$
events=$run.events
webhooks=$run.webhooks
"$kcli" create-topic "$events" --bootstrap "$bootstrap" --partitions 1 --replication 1 >/dev/null
"$kcli" create-topic "$webhooks" --bootstrap "$bootstrap" --partitions 1 --replication 1 \
  --config cleanup.policy=compact >/dev/null

# A receiver URL nobody listens on: every attempt fails with connect_error and is retried.
closed_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
demo=$chart_repo_root/scripts/demo
sed -e "s#__URL__#http://127.0.0.1:$closed_port/hook#" -e "s#__SECRET__#whsec_$(head -c 24 /dev/urandom | base64)#" \
  "$demo/webhook.json" >"$work/webhook.json"
"$kcli" produce --bootstrap "$bootstrap" --topic "$webhooks" --key clb4qaopy0000vt24mlp28v03 \
  --value-file "$work/webhook.json" >/dev/null 2>&1
"$kcli" produce --bootstrap "$bootstrap" --topic "$webhooks" --key not-a-webhook --value 'not json' >/dev/null 2>&1
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
{
  head -n 1 "$demo/events.jsonl" | sed -e "s#__NOW__#$now#g"
  printf 'broken\t{"id": "evt_broken", "event": \n'
} >"$work/events.tsv"
"$kcli" produce --bootstrap "$bootstrap" --topic "$events" --lines "$work/events.tsv" >/dev/null 2>&1

cat >"$work/hookd.yaml" <<YAML
kafka: {bootstrap_servers: "$bootstrap", group_id: $run}
topics: {events: [$events], subscriptions: $webhooks, retry_prefix: $run.retry, dead_letter: $run.dlq,
         partitions: 1, replication_factor: 1}
retry: {group_id: $run-retry}
delivery: {allow_private_networks: true, connect_timeout: 1s, timeout: 2s}
shutdown: {grace_period: 2s}
admin: {listen: "127.0.0.1:0"}
YAML
: >"$work/hookd.log"
"$hookd" --config "$work/hookd.yaml" 2>>"$work/hookd.log" &
hookd_pid=$!

port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*"admin server listening".*"port":\([0-9]*\).*/\1/p' "$work/hookd.log" | head -n 1)
  [[ -n $port ]] && break
  kill -0 "$hookd_pid" 2>/dev/null || fail "hookd exited before its admin server listened"
  sleep 0.1
done
[[ -n $port ]] || fail "no \"admin server listening\" line with a port"
admin=http://127.0.0.1:$port

for _ in $(seq 600); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "$admin/readyz") == 200 ]] && break
  kill -0 "$hookd_pid" 2>/dev/null || fail "hookd exited before /readyz answered 200"
  sleep 0.1
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$admin/readyz") == 200 ]] || fail "/readyz never answered 200"
echo "hookd ready on $admin"

# Until every family has counted something (consumer lag comes with librdkafka's statistics,
# every 5 s).
has() { grep -Eq "$1" "$work/metrics.txt"; }
for _ in $(seq 300); do
  curl -sf "$admin/metrics" >"$work/metrics.txt" || fail "GET /metrics failed"
  if has '^hookd_delivery_attempts_total\{result="connect_error"\} [1-9]' && has '^hookd_consumer_lag\{' &&
     has '^hookd_events_invalid_total\{' && has '^hookd_subscriptions_invalid_total\{' &&
     has '^hookd_dead_letters_total\{reason="invalid_json"|^hookd_dead_letters_total\{reason="[a-z_]+"\} [1-9]'; then
    break
  fi
  sleep 0.1
done
mv "$work/metrics.txt" "$out/metrics.txt"
echo "saved $(grep -vc '^#' "$out/metrics.txt") samples to $out/metrics.txt"
for family in hookd_delivery_attempts_total hookd_consumer_lag hookd_events_invalid_total hookd_subscriptions_invalid_total; do
  grep -q "^$family{" "$out/metrics.txt" || fail "$family never showed a sample"
done

"$promtool" check metrics <"$out/metrics.txt"
echo "promtool check metrics: clean"
rm -rf "$work"
