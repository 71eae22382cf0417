{{/* Names and labels. */}}
{{- define "hookd.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hookd.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hookd.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hookd.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hookd.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "hookd.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "hookd.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hookd.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The image reference: a digest wins over a tag; the tag defaults to appVersion. */}}
{{- define "hookd.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if eq $tag "latest" -}}
{{- fail "image.tag: \"latest\" is refused; name a version (or set image.digest)" -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Where the CA bundle file is mounted (delivery.ca_file). */}}
{{- define "hookd.caFile" -}}
/etc/hookd/ca/{{ .Values.caBundle.key }}
{{- end -}}

{{/*
hookd.yaml: the user's config plus what the chart owns (admin.listen, delivery.ca_file, the SASL
password reference). Refuses a value the chart would silently override.
*/}}
{{- define "hookd.config" -}}
{{- $config := deepCopy (.Values.config | default dict) -}}
{{- $admin := dict "listen" (printf "0.0.0.0:%d" (int .Values.adminPort)) -}}
{{- $_ := set $config "admin" $admin -}}
{{- if and .Values.caBundle.existingSecret .Values.caBundle.existingConfigMap -}}
{{- fail "caBundle: set existingSecret or existingConfigMap, not both" -}}
{{- end -}}
{{- if or .Values.caBundle.existingSecret .Values.caBundle.existingConfigMap -}}
{{- $delivery := (get $config "delivery") | default dict -}}
{{- if hasKey $delivery "ca_file" -}}
{{- fail "config.delivery.ca_file: leave it out when caBundle is set (the chart mounts the bundle and sets it)" -}}
{{- end -}}
{{- $_ := set $delivery "ca_file" (include "hookd.caFile" .) -}}
{{- $_ := set $config "delivery" $delivery -}}
{{- end -}}
{{- if .Values.kafkaPassword.existingSecret -}}
{{- $kafka := (get $config "kafka") | default dict -}}
{{- $props := (get $kafka "properties") | default dict -}}
{{- if hasKey $props "sasl.password" -}}
{{- fail "config.kafka.properties.sasl.password: leave it out when kafkaPassword.existingSecret is set (the chart sets it to ${HOOKD_KAFKA_PASSWORD})" -}}
{{- end -}}
{{- $_ := set $props "sasl.password" "${HOOKD_KAFKA_PASSWORD}" -}}
{{- $_ := set $kafka "properties" $props -}}
{{- $_ := set $config "kafka" $kafka -}}
{{- end -}}
{{- if not .Values.kafkaTls.enabled -}}
{{- if or .Values.kafkaTls.ca.existingSecret .Values.kafkaTls.client.existingSecret -}}
{{- fail "kafkaTls: a Secret is named but kafkaTls.enabled is false (set it to true, or remove the Secret)" -}}
{{- end -}}
{{- else -}}
{{- $kafka := (get $config "kafka") | default dict -}}
{{- $props := (get $kafka "properties") | default dict -}}
{{- range $name := list "security.protocol" "ssl.ca.location" "ssl.certificate.location" "ssl.key.location" "ssl.key.password" -}}
{{- if hasKey $props $name -}}
{{- fail (printf "config.kafka.properties.%s: leave it out when kafkaTls.enabled is true (the chart sets it from kafkaTls)" $name) -}}
{{- end -}}
{{- end -}}
{{- $_ := set $props "security.protocol" .Values.kafkaTls.securityProtocol -}}
{{- if .Values.kafkaTls.ca.existingSecret -}}
{{- $_ := set $props "ssl.ca.location" (printf "%s/ca.crt" (include "hookd.kafkaTlsDir" .)) -}}
{{- end -}}
{{- with .Values.kafkaTls.client -}}
{{- if .existingSecret -}}
{{- $_ := set $props "ssl.certificate.location" (printf "%s/client.crt" (include "hookd.kafkaTlsDir" $)) -}}
{{- $_ := set $props "ssl.key.location" (printf "%s/client.key" (include "hookd.kafkaTlsDir" $)) -}}
{{- if .keyPasswordKey -}}
{{- $_ := set $props "ssl.key.password" "${HOOKD_KAFKA_KEY_PASSWORD}" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set $kafka "properties" $props -}}
{{- $_ := set $config "kafka" $kafka -}}
{{- end -}}
{{- /* Static membership named after the pod (HOOKD_POD_NAME, set in deployment.yaml): a
       restarted container rejoins without a rebalance (docs/operations.md, identity and
       timeouts). A value in config.kafka.instance_id wins ("" turns it off). */ -}}
{{- $kafka := (get $config "kafka") | default dict -}}
{{- if not (hasKey $kafka "instance_id") -}}
{{- $_ := set $kafka "instance_id" "${HOOKD_POD_NAME}" -}}
{{- $_ := set $config "kafka" $kafka -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Where the Kafka TLS files are mounted: ca.crt, client.crt, client.key whatever the Secrets' keys. */}}
{{- define "hookd.kafkaTlsDir" -}}
/etc/hookd/kafka-tls
{{- end -}}

{{/*
What helm can know of the Secrets the pods read: their names and keys, and rollOnSecretChange,
which the operator changes with a rotation. Never their content: helm does not read them.
*/}}
{{- define "hookd.secretsChecksum" -}}
{{- dict "kafkaPassword" .Values.kafkaPassword "kafkaTls" .Values.kafkaTls "caBundle" .Values.caBundle "envFrom" .Values.envFrom "rollOnSecretChange" .Values.rollOnSecretChange | toJson | sha256sum -}}
{{- end -}}

{{/* Selector labels of the pods, for placement rules that match them (anti-affinity, spread). */}}
{{- define "hookd.placementSelector" -}}
labelSelector:
  matchLabels:
    {{- include "hookd.selectorLabels" . | nindent 4 }}
{{- end -}}

{{/*
Seconds of config.shutdown.grace_period (a hookd duration: digits and ms, s, m or h), rounded
up, plus terminationGraceExtraSeconds: the pod's terminationGracePeriodSeconds.
*/}}
{{- define "hookd.terminationGracePeriodSeconds" -}}
{{- $grace := "15s" -}}
{{- with .Values.config -}}{{- with .shutdown -}}{{- with .grace_period -}}{{- $grace = toString . -}}{{- end -}}{{- end -}}{{- end -}}
{{- if not (regexMatch "^[0-9]+(ms|s|m|h)$" $grace) -}}
{{- fail (printf "config.shutdown.grace_period: the chart needs a literal duration (digits and ms, s, m or h) to size terminationGracePeriodSeconds, got %q" $grace) -}}
{{- end -}}
{{- $number := regexFind "^[0-9]+" $grace | int64 -}}
{{- $unit := trimPrefix (regexFind "^[0-9]+" $grace) $grace -}}
{{- $seconds := 0 -}}
{{- if eq $unit "ms" -}}{{- $seconds = div (add $number 999) 1000 -}}
{{- else if eq $unit "s" -}}{{- $seconds = $number -}}
{{- else if eq $unit "m" -}}{{- $seconds = mul $number 60 -}}
{{- else -}}{{- $seconds = mul $number 3600 -}}
{{- end -}}
{{- add $seconds .Values.terminationGraceExtraSeconds -}}
{{- end -}}

{{/* The events topics and consumer group, as hookd will read them. */}}
{{- define "hookd.eventsTopics" -}}
{{- $topics := list "blue.events" -}}
{{- with .Values.config -}}{{- with .topics -}}{{- with .events -}}{{- $topics = . -}}{{- end -}}{{- end -}}{{- end -}}
{{- toJson $topics -}}
{{- end -}}

{{- define "hookd.groupId" -}}
{{- $group := "hookd" -}}
{{- with .Values.config -}}{{- with .kafka -}}{{- with .group_id -}}{{- $group = . -}}{{- end -}}{{- end -}}{{- end -}}
{{- $group -}}
{{- end -}}

{{/* Upper replica bound for an autoscaler: maxReplicas, at most the partition count. */}}
{{- define "hookd.maxReplicas" -}}
{{- min (int .Values.scaling.maxReplicas) (int .Values.scaling.partitions) -}}
{{- end -}}

{{/* Fails when a kind's API is not known to the cluster (or to helm template's --api-versions). */}}
{{- define "hookd.requireApi" -}}
{{- $ := index . 0 -}}
{{- $api := index . 1 -}}
{{- $value := index . 2 -}}
{{- if not ($.Capabilities.APIVersions.Has $api) -}}
{{- fail (printf "%s needs the %s API, which this cluster does not serve (helm template: add --api-versions %s)" $value $api $api) -}}
{{- end -}}
{{- end -}}

{{/*
The autoscaler's scaleDown behaviour (HPA spec.behavior.scaleDown, and the same under KEDA's
advanced.horizontalPodAutoscalerConfig.behavior): every step rebalances the consumer group, so
at most scaling.scaleDown.pods pods (and percent %, when set) per periodSeconds, the smaller of
the two, once the lower count has held for the stabilization window.
*/}}
{{- define "hookd.scaleDown" -}}
{{- with .Values.scaling.scaleDown -}}
stabilizationWindowSeconds: {{ .stabilizationWindowSeconds }}
selectPolicy: Min
policies:
  - type: Pods
    value: {{ .pods }}
    periodSeconds: {{ .periodSeconds }}
  {{- if gt (int .percent) 0 }}
  - type: Percent
    value: {{ .percent }}
    periodSeconds: {{ .periodSeconds }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/*
What KEDA's kafka scaler needs to reach Kafka as the pods do, as JSON: sasl and tls for the
trigger metadata (KEDA's names: plaintext, scram_sha256, scram_sha512; enable), the
TriggerAuthentication's secretTargetRef entries (the same Secrets the pods read) and env entries
(the username, which hookd.yaml holds as a literal or a ${VAR}), and usernameValue, a literal
username the Deployment exposes as HOOKD_KAFKA_USERNAME for KEDA to read. KEDA cannot read files
in the pod, so a CA or client certificate outside kafkaTls is refused, as is SASL without
kafkaPassword.existingSecret. Only for scaling.mode keda without triggerAuthenticationRef.
docs/operations.md, "Scaling with KEDA".
*/}}
{{- define "hookd.kedaAuth" -}}
{{- $config := include "hookd.config" . | fromYaml -}}
{{- $props := dig "kafka" "properties" dict $config -}}
{{- $protocol := upper (toString (get $props "security.protocol" | default "PLAINTEXT")) -}}
{{- $out := dict "sasl" "" "tls" "" "secretRefs" list "env" list "usernameValue" "" -}}
{{- $secretRefs := list -}}
{{- $env := list -}}
{{- $fix := "or set scaling.keda.triggerAuthenticationRef to a TriggerAuthentication of your own" -}}
{{- if hasPrefix "SASL_" $protocol -}}
{{- $mechanism := upper (toString (get $props "sasl.mechanisms" | default (get $props "sasl.mechanism") | default "GSSAPI")) -}}
{{- $modes := dict "PLAIN" "plaintext" "SCRAM-SHA-256" "scram_sha256" "SCRAM-SHA-512" "scram_sha512" -}}
{{- if not (hasKey $modes $mechanism) -}}
{{- fail (printf "scaling.keda: the chart gives KEDA's kafka scaler SASL PLAIN or SCRAM, not %s (config.kafka.properties.sasl.mechanisms); %s" $mechanism $fix) -}}
{{- end -}}
{{- if not .Values.kafkaPassword.existingSecret -}}
{{- fail (printf "scaling.keda: Kafka uses SASL (security.protocol %s) and KEDA reads the password from the Secret the pods use: set kafkaPassword.existingSecret, %s" $protocol $fix) -}}
{{- end -}}
{{- $username := toString (get $props "sasl.username") -}}
{{- if not $username -}}
{{- fail (printf "config.kafka.properties.sasl.username: KEDA's kafka scaler needs the SASL username; set it, %s" $fix) -}}
{{- end -}}
{{- $_ := set $out "sasl" (get $modes $mechanism) -}}
{{- $secretRefs = append $secretRefs (dict "parameter" "password" "name" .Values.kafkaPassword.existingSecret "key" .Values.kafkaPassword.key) -}}
{{- $var := regexFind "^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$" $username -}}
{{- if $var -}}
{{- $env = append $env (dict "parameter" "username" "name" (trimSuffix "}" (trimPrefix "${" $var)) "containerName" "hookd") -}}
{{- else -}}
{{- $env = append $env (dict "parameter" "username" "name" "HOOKD_KAFKA_USERNAME" "containerName" "hookd") -}}
{{- $_ := set $out "usernameValue" $username -}}
{{- end -}}
{{- end -}}
{{- if or (eq $protocol "SSL") (eq $protocol "SASL_SSL") -}}
{{- $_ := set $out "tls" "enable" -}}
{{- $tls := .Values.kafkaTls -}}
{{- if and (hasKey $props "ssl.ca.location") (not (and $tls.enabled $tls.ca.existingSecret)) -}}
{{- fail (printf "scaling.keda: config.kafka.properties.ssl.ca.location is a file in the pod, which KEDA cannot read: give the CA as kafkaTls.ca.existingSecret, %s" $fix) -}}
{{- end -}}
{{- if and (hasKey $props "ssl.certificate.location") (not (and $tls.enabled $tls.client.existingSecret)) -}}
{{- fail (printf "scaling.keda: config.kafka.properties.ssl.certificate.location is a file in the pod, which KEDA cannot read: give the client certificate as kafkaTls.client.existingSecret, %s" $fix) -}}
{{- end -}}
{{- if $tls.enabled -}}
{{- with $tls.ca.existingSecret -}}
{{- $secretRefs = append $secretRefs (dict "parameter" "ca" "name" . "key" $tls.ca.key) -}}
{{- end -}}
{{- with $tls.client -}}
{{- if .existingSecret -}}
{{- $secretRefs = append $secretRefs (dict "parameter" "cert" "name" .existingSecret "key" .certificateKey) -}}
{{- $secretRefs = append $secretRefs (dict "parameter" "key" "name" .existingSecret "key" .keyKey) -}}
{{- if .keyPasswordKey -}}
{{- $secretRefs = append $secretRefs (dict "parameter" "keyPassword" "name" .existingSecret "key" .keyPasswordKey) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $_ := set $out "secretRefs" $secretRefs -}}
{{- $_ := set $out "env" $env -}}
{{- toJson $out -}}
{{- end -}}

{{/* The chart renders its own TriggerAuthentication: keda mode, no triggerAuthenticationRef, something to authenticate with. */}}
{{- define "hookd.kedaAuthRendered" -}}
{{- if and (eq .Values.scaling.mode "keda") (not .Values.scaling.keda.triggerAuthenticationRef) -}}
{{- $auth := include "hookd.kedaAuth" . | fromJson -}}
{{- if or $auth.secretRefs $auth.env -}}true{{- end -}}
{{- end -}}
{{- end -}}
