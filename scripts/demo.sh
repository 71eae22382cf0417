#!/usr/bin/env bash
# The main job on an embedded default: a local Kafka, hookd, and a local HTTPS receiver that
# prints every delivery with its signatures verified. Ctrl-C stops everything it started.
#
#   scripts/demo.sh                    interactive: runs until Ctrl-C
#   scripts/demo.sh --non-interactive  exits 0 once the sample deliveries arrived verified
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-interactive}
bin=${HOOKD_BUILD_DIR:-$root/build/release}

[[ "${HOOKD_SKIP_BUILD:-0}" == 1 ]] || "$root/scripts/build.sh" >&2

work=$(mktemp -d /tmp/hookd-demo.XXXXXX)
pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  "$root/scripts/kafka/stop.sh" "$work/kafka" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: starting Kafka" >&2
bootstrap=$(HOOKD_KAFKA_CLI="$bin/tools/kafka-cli/hookd-kafka" "$root/scripts/kafka/start.sh" "$work/kafka" | tail -n 1)
kcli=("$bin/tools/kafka-cli/hookd-kafka")
"${kcli[@]}" create-topic blue.events --bootstrap "$bootstrap" --partitions 3 --replication 1 >&2
"${kcli[@]}" create-topic blue.webhooks --bootstrap "$bootstrap" --partitions 1 --replication 1 \
  --config cleanup.policy=compact >&2

secret="whsec_$(head -c 24 /dev/urandom | base64)"
expect=3  # evt_demo_0001, 0002 and 0005: the comment, and the other tenant's todo, are not for this webhook
receiver_args=(--state-dir "$work/receiver" --secret "$secret")
[[ "$mode" == --non-interactive ]] && receiver_args+=(--expect "$expect" --timeout-s 120)
"$bin/tools/receiver/hookd-receiver" "${receiver_args[@]}" &
receiver_pid=$!
pids+=("$receiver_pid")
for _ in $(seq 100); do [[ -s "$work/receiver/url" ]] && break; sleep 0.1; done
url=$(cat "$work/receiver/url")

cat >"$work/hookd.yaml" <<YAML
kafka: {bootstrap_servers: "$bootstrap", group_id: hookd-demo}
topics: {events: [blue.events], subscriptions: blue.webhooks, partitions: 3, replication_factor: 1}
delivery: {allow_private_networks: true, ca_file: "$work/receiver/ca.pem"}
admin: {listen: "127.0.0.1:0"}
YAML
# The webhook goes in before hookd starts, so it is in the table hookd loads before it consumes
# any event. Published after the start, it could arrive once hookd had read the table's start
# and the events matched nothing (a subscription added live applies to events read after it).
sed -e "s#__URL__#$url#" -e "s#__SECRET__#$secret#" "$root/scripts/demo/webhook.json" >"$work/webhook.json"
"${kcli[@]}" produce --bootstrap "$bootstrap" --topic blue.webhooks --key clb4qaopy0000vt24mlp28v03 \
  --value-file "$work/webhook.json" >&2

echo "demo: starting hookd" >&2
"$bin/app/hookd" --config "$work/hookd.yaml" 2>"$work/hookd.log" &
pids+=("$!")

now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
sed -e "s#__NOW__#$now#g" "$root/scripts/demo/events.jsonl" >"$work/events.tsv"
"${kcli[@]}" produce --bootstrap "$bootstrap" --topic blue.events --lines "$work/events.tsv" >&2
echo "demo: published the seed's webhook and $(wc -l <"$work/events.tsv") events; waiting for deliveries" >&2

if [[ "$mode" == --non-interactive ]]; then
  if wait "$receiver_pid"; then
    echo "demo: OK, $expect deliveries received with verified signatures" >&2
    exit 0
  fi
  echo "demo: FAILED; hookd's log:" >&2
  tail -n 40 "$work/hookd.log" >&2
  exit 1
fi
echo "demo: press Ctrl-C to stop (hookd's log: $work/hookd.log)" >&2
wait "$receiver_pid"
