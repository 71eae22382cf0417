#!/usr/bin/env bash
# The offline checks of the Helm chart, the dashboard and the alert rules; ctest runs each step
# as one entry (tests/chart/CMakeLists.txt, label chart). No cluster, no Grafana, no Prometheus
# server: helm, promtool and node do the checking.
#   check.sh tools                     fetch helm, promtool and the npm dependencies (once)
#   check.sh lint                      helm lint --strict, default and full values
#   check.sh template OUT              render default, full (all APIs), hpa, tls and keda-tls values into OUT; assert on them
#   check.sh typos                     every helm/tests/typos/*.yaml must fail, with its message
#   check.sh manifests OUT             validate OUT/*.yaml against the Kubernetes/KEDA/operator models
#   check.sh config OUT HOOKD          hookd --check-config on each rendered hookd.yaml
#   check.sh values-schema             values.schema.json's config part matches schemas/config.schema.json
#   check.sh rules                     rules file in step with the chart; promtool check rules + test rules
#   check.sh rules-write               regenerate helm/hookd/rules/hookd.rules.yaml from the chart
#   check.sh dashboard OUT             dashboard JSON, variables and scope of every query; expressions as recording rules, parsed by promtool
#   check.sh metric-names METRICS      every metric of the dashboard and the rules is in METRICS
#   check.sh dockerfile HOOKD          the Dockerfile's shape, base digests and OCI labels; every library HOOKD links is in [runtime]
set -euo pipefail
source "$(dirname "$0")/common.sh"
chart=$chart_repo_root/helm/hookd
tests=$chart_repo_root/helm/tests
apis=(--api-versions monitoring.coreos.com/v1 --api-versions keda.sh/v1alpha1)

helm() { "$helm_bin" "$@"; }
promtool() { "$promtool_bin" "$@"; }
node_script() { "$chart_scripts_dir/node.sh" "$@"; }
# The chart's PrometheusRule as rules/hookd.rules.yaml holds it: default values, release hookd
# in namespace webhooks (job="hookd"), an example runbook base.
render_rules() {
  helm template hookd "$chart" --namespace webhooks --api-versions monitoring.coreos.com/v1 \
    --set prometheusRule.enabled=true --set prometheusRule.runbookBaseUrl=https://runbooks.example/hookd/operations.md \
    --show-only templates/prometheusrule.yaml
}

step=${1:?usage: check.sh STEP [ARGS]}
shift
case $step in
  tools)
    "$chart_scripts_dir/fetch-helm.sh" >/dev/null
    "$chart_scripts_dir/fetch-promtool.sh" >/dev/null
    "$chart_scripts_dir/npm-deps.sh" >/dev/null
    helm version --short
    promtool --version | head -n 1
    ;;
  lint)
    helm lint --strict "$chart"
    # helm lint has no --api-versions: the full values are linted with the CRD kinds off
    # (chart.template renders them with the APIs, chart.manifests validates them).
    helm lint --strict "$chart" -f "$tests/values-full.yaml" \
      --set serviceMonitor.enabled=false,prometheusRule.enabled=false,scaling.mode=none
    helm lint --strict "$chart" -f "$tests/values-hpa.yaml"
    ;;
  template)
    out=${1:?OUT dir}
    mkdir -p "$out"
    helm template hookd "$chart" --namespace webhooks >"$out/default.yaml"
    helm template hookd-prod "$chart" --namespace webhooks -f "$tests/values-full.yaml" "${apis[@]}" >"$out/full.yaml"
    helm template hookd "$chart" --namespace webhooks -f "$tests/values-hpa.yaml" >"$out/hpa.yaml"
    helm template hookd "$chart" --namespace webhooks -f "$tests/values-tls.yaml" >"$out/tls.yaml"
    for f in "$out"/{default,full,hpa,tls}.yaml; do echo "$(basename "$f"): $(grep -c '^kind:' "$f") objects"; done
    fail() { echo "FAIL $*"; exit 1; }
    has() { grep -Eq -- "$2" "$out/$1" || fail "$1: no line matching $2"; }
    hasnt() { ! grep -Eq -- "$2" "$out/$1" || fail "$1: a line matching $2"; }
    # Autoscalers stop at the partition count (values-full: maxReplicas 48, partitions 24;
    # values-hpa: 30 and 12).
    grep -q '^  maxReplicaCount: 24$' "$out/full.yaml" || { echo "FAIL KEDA maxReplicaCount not capped at 24"; exit 1; }
    grep -q '^  maxReplicas: 12$' "$out/hpa.yaml" || { echo "FAIL HPA maxReplicas not capped at 12"; exit 1; }
    # A config change changes the pod template (checksum annotation), so the pods roll.
    checksum() { sed -n 's/^ *checksum\/config: //p' "$1"; }
    helm template hookd "$chart" --namespace webhooks --set config.log.level=debug >"$out/changed.yaml.txt"
    [[ -n $(checksum "$out/default.yaml") && $(checksum "$out/default.yaml") != $(checksum "$out/changed.yaml.txt") ]] \
      || { echo "FAIL checksum/config does not follow the config"; exit 1; }
    echo "ok   autoscalers capped at the partition count; checksum/config follows the config"

    # Kafka TLS: the Secrets' keys become fixed files, and hookd.yaml points librdkafka at them.
    has tls.yaml '^ +security\.protocol: SSL$'
    has tls.yaml '^ +ssl\.ca\.location: /etc/hookd/kafka-tls/ca\.crt$'
    has tls.yaml '^ +ssl\.certificate\.location: /etc/hookd/kafka-tls/client\.crt$'
    has tls.yaml '^ +ssl\.key\.location: /etc/hookd/kafka-tls/client\.key$'
    has tls.yaml '^ +ssl\.key\.password: \$\{HOOKD_KAFKA_KEY_PASSWORD\}$'
    has tls.yaml '^ +- key: user\.crt$'
    has tls.yaml '^ +path: client\.key$'
    has full.yaml '^ +security\.protocol: SASL_SSL$'
    has full.yaml '^ +ssl\.ca\.location: /etc/hookd/kafka-tls/ca\.crt$'
    hasnt full.yaml 'ssl\.certificate\.location'
    hasnt default.yaml 'kafka-tls|security\.protocol'
    has full.yaml '^ +- configMapRef:'
    has full.yaml '^ +- mountPath: /var/spool/hookd$'
    has full.yaml '^ +secret\.reloader\.stakater\.com/reload: '
    echo "ok   kafkaTls: Secrets mounted as ca.crt, client.crt, client.key and set as ssl.*.location; envFrom, extra volumes"

    # A rotation rolls the pods when the operator bumps rollOnSecretChange: checksum/secrets
    # changes, checksum/config does not. Helm never reads the Secret itself.
    secrets() { sed -n 's/^ *checksum\/secrets: //p' "$1"; }
    helm template hookd "$chart" --namespace webhooks -f "$tests/values-tls.yaml" --set rollOnSecretChange=2024-07-01 >"$out/rotated.yaml.txt"
    [[ -n $(secrets "$out/tls.yaml") && $(secrets "$out/tls.yaml") != $(secrets "$out/rotated.yaml.txt") ]] \
      || fail "checksum/secrets does not follow rollOnSecretChange"
    [[ $(checksum "$out/tls.yaml") == $(checksum "$out/rotated.yaml.txt") ]] || fail "rollOnSecretChange changed checksum/config"
    echo "ok   rollOnSecretChange rolls the pods (checksum/secrets), the config checksum stays"

    # Placement and isolation: soft spread by default, replaced by values; the PDB lets unready
    # pods go; a NetworkPolicy only on request.
    has default.yaml '^ +preferredDuringSchedulingIgnoredDuringExecution:$'
    has default.yaml '^ +topologyKey: kubernetes\.io/hostname$'
    has default.yaml '^ +topologyKey: topology\.kubernetes\.io/zone$'
    has default.yaml '^ +whenUnsatisfiable: ScheduleAnyway$'
    hasnt default.yaml 'requiredDuringScheduling|DoNotSchedule'
    has default.yaml '^  unhealthyPodEvictionPolicy: AlwaysAllow$'
    hasnt default.yaml '^kind: NetworkPolicy$'
    has full.yaml '^kind: NetworkPolicy$'
    has tls.yaml '^kind: NetworkPolicy$'
    helm template hookd "$chart" --namespace webhooks --set placement.spreadNodes=false,placement.spreadZones=false >"$out/unplaced.yaml.txt"
    hasnt unplaced.yaml.txt 'podAntiAffinity|topologySpreadConstraints'
    echo "ok   soft anti-affinity and zone spread by default; PDB AlwaysAllow; NetworkPolicy on request"

    # Rules: values tune and disable alerts; every rule selects the release's job (the Service
    # name, also under nameOverride) and namespace.
    has full.yaml 'hookd:consumer_lag:sum_by_topic\{job="hookd-prod",namespace="webhooks"\} > 2000000$'
    has full.yaml '^ +team: receivers$'
    has full.yaml '^ +severity: info$'
    has full.yaml '^ +runbook_url: https://git\.example\.com/blue/hookd/-/blob/v0\.1\.0/docs/operations\.md#hookdabsent$'
    hasnt full.yaml 'HookdManyWebhooksUnhealthy'
    helm template hookd "$chart" --namespace payments --set nameOverride=webhooks-out "${apis[@]}" \
      --set prometheusRule.enabled=true,prometheusRule.runbookBaseUrl=https://runbooks.example/ops.md >"$out/renamed.yaml.txt"
    has renamed.yaml.txt '^  name: hookd-webhooks-out$'
    has renamed.yaml.txt 'absent\(up\{job="hookd-webhooks-out",namespace="payments"\} == 1\)'
    hasnt renamed.yaml.txt 'job="hookd"'
    echo "ok   alerts tuned and disabled by values; rules select the release's job and namespace"

    # Autoscaling that behaves. One rendered object, flattened to a line (toYaml sorts keys):
    # flat FILE KIND.
    flat() { awk -v k="$2" 'BEGIN { RS = "\n---\n" } $0 ~ ("(^|\n)kind: " k "\n") { print }' "$out/$1" | tr -s ' \n' ' '; }
    hasin() { flat "$1" "$2" | grep -Eq -- "$3" || fail "$1 $2: nothing matching $3"; }
    hasntin() { ! flat "$1" "$2" | grep -Eq -- "$3" || fail "$1 $2: something matching $3"; }
    # Scale-down is limited per period after a stabilization window, for the HPA and for KEDA's
    # (cooldownPeriod does nothing while minReplicas >= 1): never 12 -> 2 in one step.
    has_scale_down='scaleDown: stabilizationWindowSeconds: 600 selectPolicy: Min policies: - type: Pods value: 1 periodSeconds: 120'
    hasin hpa.yaml HorizontalPodAutoscaler "$has_scale_down"
    hasntin hpa.yaml HorizontalPodAutoscaler 'type: Percent'
    hasin full.yaml ScaledObject 'advanced: horizontalPodAutoscalerConfig: behavior: scaleDown: stabilizationWindowSeconds: 300 selectPolicy: Min policies: - type: Pods value: 2 periodSeconds: 60 - type: Percent value: 10 periodSeconds: 60 '
    # A fallback while the scaler fails, held at the autoscaler's maximum (30 asked, 24 cap).
    hasin full.yaml ScaledObject 'fallback: failureThreshold: 5 replicas: 24 '
    # SASL: KEDA logs in with the Secret the pods use (SCRAM-SHA-512 over TLS, the CA from
    # kafkaTls), the username from the container's environment.
    hasin full.yaml ScaledObject 'sasl: "scram_sha512" tls: "enable" authenticationRef: name: hookd-prod-kafka '
    hasin full.yaml TriggerAuthentication 'secretTargetRef: - key: password name: hookd-kafka parameter: password - key: ca\.crt name: kafka-cluster-ca-cert parameter: ca '
    hasin full.yaml TriggerAuthentication 'env: - containerName: hookd name: HOOKD_KAFKA_USERNAME parameter: username'
    hasin full.yaml Deployment '- name: HOOKD_KAFKA_USERNAME value: "hookd" '
    # mTLS (the Strimzi values under KEDA): CA, client certificate, key and its password.
    helm template hookd "$chart" --namespace webhooks -f "$tests/values-tls.yaml" --set scaling.mode=keda "${apis[@]}" >"$out/keda-tls.yaml"
    hasin keda-tls.yaml ScaledObject 'offsetResetPolicy: earliest tls: "enable" authenticationRef: name: hookd-kafka '
    hasntin keda-tls.yaml ScaledObject 'sasl:'
    hasin keda-tls.yaml TriggerAuthentication 'secretTargetRef: - key: ca\.crt name: kafka-cluster-ca-cert parameter: ca - key: user\.crt name: hookd parameter: cert - key: user\.key name: hookd parameter: key - key: user\.password name: hookd parameter: keyPassword '
    hasntin keda-tls.yaml TriggerAuthentication 'env:'
    # The operator's own TriggerAuthentication: referenced, nothing rendered, sasl and tls left
    # to it (KEDA refuses them in both places).
    helm template hookd-prod "$chart" --namespace webhooks -f "$tests/values-full.yaml" "${apis[@]}" \
      --set scaling.keda.triggerAuthenticationRef=kafka-admin >"$out/keda-own-auth.yaml.txt"
    hasnt keda-own-auth.yaml.txt '^kind: TriggerAuthentication$|HOOKD_KAFKA_USERNAME|^ +sasl: '
    hasin keda-own-auth.yaml.txt ScaledObject 'offsetResetPolicy: earliest authenticationRef: name: kafka-admin '
    # A plaintext Kafka: no authentication at all, the defaults' fallback and scale-down.
    helm template hookd "$chart" --namespace webhooks --set scaling.mode=keda "${apis[@]}" >"$out/keda-plain.yaml.txt"
    hasnt keda-plain.yaml.txt '^kind: TriggerAuthentication$|authenticationRef|^ +(sasl|tls): '
    hasin keda-plain.yaml.txt ScaledObject 'fallback: failureThreshold: 3 replicas: 12 '
    hasin keda-plain.yaml.txt ScaledObject "$has_scale_down"
    # The dashboard's failure panels link to docs/operations.md where operators read it.
    has full.yaml '^ +"query": "https://git\.example\.com/blue/hookd/-/blob/v0\.1\.0/docs/operations\.md",$'
    has default.yaml '^ +"query": "docs/operations\.md",$'
    echo "ok   KEDA and HPA scale down stepwise; KEDA's fallback; TriggerAuthentication from the pods' Secrets (SASL, mTLS), or the operator's own"
    ;;
  typos)
    failed=0
    for values in "$tests"/typos/*.yaml; do
      expect=$(sed -n 's/^# expect: //p' "$values")
      [[ -n $expect ]] || { echo "FAIL $(basename "$values"): no '# expect:' line"; failed=1; continue; }
      extra=("${apis[@]}")
      grep -q '^# no-api-versions' "$values" && extra=()
      if output=$(helm template t "$chart" -f "$values" "${extra[@]}" 2>&1 >/dev/null); then
        echo "FAIL $(basename "$values"): rendered, but must fail with: $expect"
        failed=1
      elif [[ $output != *"$expect"* ]]; then
        echo "FAIL $(basename "$values"): failed, but without \"$expect\":"
        echo "$output" | sed 's/^/    /'
        failed=1
      else
        echo "ok   $(basename "$values"): $expect"
      fi
    done
    exit $failed
    ;;
  manifests)
    out=${1:?OUT dir}
    node_script validate-manifests.js "$out/default.yaml" "$out/full.yaml" "$out/hpa.yaml" "$out/tls.yaml" "$out/keda-tls.yaml"
    ;;
  config)
    out=${1:?OUT dir}
    hookd=${2:?hookd binary}
    mkdir -p "$out/config"
    node_script extract-config.js "$out/config" "$out/default.yaml" "$out/full.yaml" "$out/hpa.yaml" "$out/tls.yaml"
    # The values read ${HOOKD_KAFKA_PASSWORD}, ${HOOKD_KAFKA_KEY_PASSWORD} and ${HOOKD_LOG_LEVEL}
    # as in the pod, and mount files at delivery.ca_file and under /etc/hookd/kafka-tls: the
    # check gets readable files there.
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$out/config/client.key" -subj /CN=chart-check \
      -days 1 -out "$out/config/test-ca.pem" 2>/dev/null
    cp "$out/config/test-ca.pem" "$out/config/client.crt"
    for config in "$out"/config/*.hookd.yaml; do
      checked=$out/config/$(basename "$config" .yaml).local.yaml
      sed -e "s#ca_file: .*#ca_file: $out/config/test-ca.pem#" \
        -e "s#/etc/hookd/kafka-tls/ca.crt#$out/config/test-ca.pem#" \
        -e "s#/etc/hookd/kafka-tls/#$out/config/#" "$config" >"$checked"
      echo "$(basename "$config"):"
      HOOKD_KAFKA_PASSWORD=secret HOOKD_KAFKA_KEY_PASSWORD=secret HOOKD_LOG_LEVEL=info HOOKD_POD_NAME=hookd-7d9f8c6b5-x2x4q \
        "$hookd" --check-config "$checked"
    done
    ;;
  values-schema)
    node_script values-schema.js check
    ;;
  rules)
    rendered=$(mktemp)
    trap 'rm -f "$rendered"' EXIT
    render_rules >"$rendered"
    node_script rules-file.js check "$rendered"
    promtool check rules "$chart/rules/hookd.rules.yaml"
    promtool test rules "$tests/rules.test.yaml"
    node_script rules-runbooks.js "$chart/rules/hookd.rules.yaml" "$chart_repo_root/docs/operations.md"
    ;;
  rules-write)
    rendered=$(mktemp)
    trap 'rm -f "$rendered"' EXIT
    render_rules >"$rendered"
    node_script rules-file.js write "$rendered"
    ;;
  dashboard)
    out=${1:?OUT dir}
    mkdir -p "$out"
    node_script dashboard.js "$chart/dashboards/hookd.json" "$out/dashboard.rules.yaml"
    promtool check rules "$out/dashboard.rules.yaml"
    ;;
  metric-names)
    metrics=${1:?saved /metrics file}
    node_script metric-names.js "$metrics" "$chart/dashboards/hookd.json" "$chart/rules/hookd.rules.yaml"
    ;;
  dockerfile)
    hookd=${1:?hookd binary}
    dockerfile=$chart_repo_root/Dockerfile
    manifest=$chart_repo_root/scripts/packages.txt
    failed=0
    expect() { # expect WHAT EXTENDED-REGEX: the Dockerfile has a line matching it
      if grep -Eq "$2" "$dockerfile"; then echo "ok   $1"; else echo "FAIL $1"; failed=1; fi
    }
    expect "build stage on Debian bookworm, pinned by digest" '^FROM debian:bookworm@sha256:[0-9a-f]{64} AS build$'
    expect "runtime stage on bookworm-slim, pinned by digest" '^FROM debian:bookworm-slim@sha256:[0-9a-f]{64}$'
    # Every stage's base pinned (a tag alone moves under a rebuild); no ARG-built base the
    # greps above could not see.
    while read -r from; do
      if [[ $from =~ ^FROM\ [^\ \$]+@sha256:[0-9a-f]{64}(\ AS\ [a-z]+)?$ ]]; then echo "ok   pinned: $from"
      else echo "FAIL not pinned by digest: $from"; failed=1; fi
    done < <(grep -E '^FROM ' "$dockerfile")
    runtime_digest=$(sed -nE 's/^FROM debian:bookworm-slim@(sha256:[0-9a-f]{64})$/\1/p' "$dockerfile")
    expect "OCI base.digest is the runtime stage's" "org\.opencontainers\.image\.base\.digest=\"${runtime_digest:-none}\""
    for label in title description version revision created source base.name; do
      expect "OCI label org.opencontainers.image.$label" "org\.opencontainers\.image\.${label//./\\.}="
    done
    expect "version from a build argument" '^ARG VERSION='
    expect "revision from a build argument" '^ARG REVISION='
    # The worker and the operator's commands (check --connect, attempts, send-test) verify
    # brokers and receivers against the system store.
    if awk '/^\[/{on=($0=="[runtime]"); next} on && $1 == "ca-certificates" {found=1} END {exit !found}' "$manifest"; then
      echo "ok   ca-certificates in [runtime]"
    else echo "FAIL ca-certificates is not in scripts/packages.txt [runtime]"; failed=1; fi
    expect "hookd starts in the runtime stage" '^RUN /usr/local/bin/hookd --version$'
    expect "build packages from the manifest" 'HOOKD_PACKAGE_SECTIONS=build .*setup\.sh'
    expect "runtime packages from the manifest" 'HOOKD_PACKAGE_SECTIONS=runtime .*setup\.sh'
    expect "numeric non-root user" '^USER [1-9][0-9]*:[1-9][0-9]*$'
    expect "runs hookd" '^ENTRYPOINT \["/usr/local/bin/hookd"\]$'
    expect "with --config /etc/hookd/hookd.yaml" '^CMD \["--config", "/etc/hookd/hookd.yaml"\]$'
    if grep -Eq '^FROM .*:latest' "$dockerfile"; then echo "FAIL an image tagged latest"; failed=1; fi
    # What the slim image has without the manifest: the C and C++ runtimes.
    runtime=" libc6 libgcc-s1 libstdc++6 $(awk '/^\[/{on=($0=="[runtime]"); next} on && NF && $1 !~ /^#/ {print $1}' "$manifest" | tr '\n' ' ')"
    while read -r lib; do
      file=$(ldd "$hookd" | awk -v l="$lib" '$1 == l {print $3}')
      package=$(dpkg -S "$(readlink -f "$file")" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
      [[ -n $package ]] || package=$(dpkg -S "$file" 2>/dev/null | head -n 1 | cut -d: -f1 || true)
      if [[ $runtime == *" $package "* ]]; then
        echo "ok   $lib from $package, in [runtime]"
      else
        echo "FAIL $lib (package ${package:-unknown}) is not in scripts/packages.txt [runtime]"
        failed=1
      fi
    done < <(readelf -d "$hookd" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
    exit $failed
    ;;
  *)
    echo "check.sh: unknown step $step" >&2
    exit 2
    ;;
esac
