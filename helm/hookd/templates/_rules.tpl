{{/*
hookd's recording rules and alerts, as a Prometheus rule file (groups:). Rendered into the
PrometheusRule; rules/hookd.rules.yaml is this rendered for release "hookd" in namespace
"webhooks" with the default values, which `promtool test rules` (helm/tests/rules.test.yaml)
exercises, and chart.rules checks the two are in step (scripts/chart/check.sh rules-write
regenerates it). Each alert has a runbook section in docs/operations.md; keep them in step.
PromQL here must stay within Prometheus 2.42 (the promtool the checks use).
Every selector carries {job, namespace} of this release, and every aggregation keeps them, so
two releases in one Prometheus never merge.
*/}}

{{/* job="...",namespace="...": the series of this release. */}}
{{- define "hookd.rules.selector" -}}
{{- $job := .Values.prometheusRule.job | default (include "hookd.fullname" .) -}}
{{- $namespace := .Values.prometheusRule.namespace | default .Release.Namespace -}}
{{- printf "job=%q,namespace=%q" $job $namespace -}}
{{- end -}}

{{/* A number as PromQL reads it: values arrive as floats, and 1e+06 is no way to show a threshold. */}}
{{- define "hookd.rules.number" -}}
{{- if eq (float64 .) (float64 (int64 .)) -}}{{- int64 . -}}{{- else -}}{{- . -}}{{- end -}}
{{- end -}}

{{/*
One alert as JSON, or nothing when prometheusRule.alerts.<name>.enabled is false. Takes a dict:
root, name, expr, summary, description and optional labels (static, e.g. for absent()).
*/}}
{{- define "hookd.rules.alert" -}}
{{- $root := .root -}}
{{- $settings := index $root.Values.prometheusRule.alerts .name -}}
{{- if $settings.enabled -}}
{{- $labels := mergeOverwrite (dict) (deepCopy ($root.Values.prometheusRule.extraLabels | default dict)) (deepCopy ($settings.labels | default dict)) (.labels | default dict) (dict "severity" $settings.severity) -}}
{{- $base := required "prometheusRule.runbookBaseUrl: set the absolute URL of docs/operations.md (the alerts' runbook_url)" $root.Values.prometheusRule.runbookBaseUrl -}}
{{- $rule := dict "alert" .name "expr" .expr "labels" $labels -}}
{{- $_ := set $rule "annotations" (dict "summary" .summary "description" .description "runbook_url" (printf "%s#%s" (trimSuffix "#" $base) (lower .name))) -}}
{{- if and $settings.for (not (regexMatch "^0+(ms|s|m|h)?$" (toString $settings.for))) -}}
{{- $_ := set $rule "for" $settings.for -}}
{{- end -}}
{{- toJson $rule -}}
{{- end -}}
{{- end -}}

{{- define "hookd.rules" -}}
{{- $s := include "hookd.rules.selector" . -}}
{{- $a := .Values.prometheusRule.alerts -}}
{{- $n := "hookd.rules.number" -}}
{{- /* Reasons of hookd_dead_letters_total: events hookd cannot read (a producer's bug) and deliveries that end. */ -}}
{{- $invalid := "too_large|invalid_utf8|not_json|not_object|duplicate_key|missing_field|invalid_field" -}}
{{- $delivery := "exhausted|gone|blocked|record_too_large|unreadable_record" -}}
{{- $recording := list
  (dict "record" "hookd:consumer_lag:sum_by_topic" "expr" (printf "sum by (job, namespace, topic) (max by (job, namespace, topic, partition) (hookd_consumer_lag{%s}))" $s))
  (dict "record" "hookd:delivery_attempts:rate5m" "expr" (printf "sum by (job, namespace) (rate(hookd_delivery_attempts_total{%s}[5m]))" $s))
  (dict "record" "hookd:delivery_failures:rate5m" "expr" (printf "sum by (job, namespace) (rate(hookd_delivery_attempts_total{%s,result!=\"2xx\"}[5m]))" $s))
-}}
{{- $alerts := list -}}

{{- /* Only the events topics: retry tiers lag by design (records wait for their due time). */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdEventsLagHigh"
  "expr" (printf `hookd:consumer_lag:sum_by_topic{%s} > %s
and
deriv(hookd:consumer_lag:sum_by_topic{%s}[10m]) > 0` $s (include $n $a.HookdEventsLagHigh.threshold) $s)
  "summary" `hookd is falling behind on {{ $labels.topic }}`
  "description" `Consumer lag on {{ $labels.topic }} is {{ $value | humanize }} records and still growing.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* A long backlog is normal on a tier; retries firing well after their due time are not. */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdRetriesLate"
  "expr" (printf `(
  1 - sum by (job, namespace) (rate(hookd_retry_lateness_seconds_bucket{%s,le="60"}[10m]))
    / sum by (job, namespace) (rate(hookd_retry_lateness_seconds_count{%s}[10m]))
) > %s` $s $s (include $n $a.HookdRetriesLate.threshold))
  "summary" `hookd retries fire late`
  "description" `{{ $value | humanizePercentage }} of retries fired more than a minute after their due time.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /*
A tier that releases nothing: records are first-in first-out by due time, so a partition that
has held records and released none for longer than its delay holds one overdue by the
difference. Margin: 10% of the delay plus 5 minutes (statistics come every 5 s).
*/ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdRetryTierStuck"
  "expr" (printf `time() - hookd_retry_progress_timestamp_seconds{%s}
  > on (job, namespace, tier) group_left ()
(1.1 * max by (job, namespace, tier) (hookd_retry_tier_delay_seconds{%s}) + 300)` $s $s)
  "summary" `hookd retry tier {{ $labels.tier }} is stuck`
  "description" `A partition of retry tier {{ $labels.tier }} on {{ $labels.instance }} has held waiting records without releasing any for {{ $value | humanizeDuration }}, well past the tier's delay.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* Receivers fail one by one all the time; most attempts failing points at hookd's side. */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdDeliveryFailureRatioHigh"
  "expr" (printf `hookd:delivery_failures:rate5m{%s} / hookd:delivery_attempts:rate5m{%s} > %s
and
hookd:delivery_attempts:rate5m{%s} > %s` $s $s (include $n $a.HookdDeliveryFailureRatioHigh.threshold) $s (include $n $a.HookdDeliveryFailureRatioHigh.minRate))
  "summary" `Most hookd delivery attempts fail`
  "description" `{{ $value | humanizePercentage }} of delivery attempts failed over the last 5 minutes.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /*
An invalid event is a producer's bug and never fixes itself: page at the first. The series
exist from start at 0; the second branch still sees a reason whose first dead letter came
before this release's first scrape of it (increase() cannot see a series' first value).
*/ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdInvalidEvents"
  "expr" (printf `sum by (job, namespace, reason) (increase(hookd_dead_letters_total{%s,reason=~"%s"}[10m])) > 0
or
(sum by (job, namespace, reason) (hookd_dead_letters_total{%s,reason=~"%s"}) > 0
  unless sum by (job, namespace, reason) (hookd_dead_letters_total{%s,reason=~"%s"} offset 10m))` $s $invalid $s $invalid $s $invalid)
  "summary" `hookd dead-lettered invalid events ({{ $labels.reason }})`
  "description" `Events that hookd cannot read (reason {{ $labels.reason }}) went to the dead-letter topic in the last 10 minutes: a producer writes what the contract refuses.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* Deliveries that end as dead letters: a few are their receivers' business, a lasting rate is not. */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdDeadLetters"
  "expr" (printf `sum by (job, namespace, reason) (rate(hookd_dead_letters_total{%s,reason=~"%s"}[10m])) * 3600 > %s` $s $delivery (include $n $a.HookdDeadLetters.threshold))
  "summary" `hookd dead-letters deliveries ({{ $labels.reason }})`
  "description" `Deliveries are dead-lettered with reason {{ $labels.reason }} at {{ $value | printf "%.0f" }} an hour (over 10 minutes).`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* Transient failures are retried with back-off and count only when they last; the other kinds never fix themselves. */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdKafkaWritesFailing"
  "expr" (printf `sum by (job, namespace, kind) (increase(hookd_kafka_write_failures_total{%s,kind="transient"}[5m])) > %s
or
sum by (job, namespace, kind) (increase(hookd_kafka_write_failures_total{%s,kind=~"too_large|permanent|fatal"}[5m])) > 0` $s (include $n $a.HookdKafkaWritesFailing.transientThreshold) $s)
  "summary" `hookd cannot write retry records or dead letters ({{ $labels.kind }})`
  "description" `Writes of kind {{ $labels.kind }} failed over the last 5 minutes; the events behind them stay uncommitted until they are written.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* Half of the webhooks a worker has seen UNHEALTHY together is an egress problem on hookd's side. */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdManyWebhooksUnhealthy"
  "expr" (printf `(
  sum by (job, namespace, instance) (hookd_webhooks{%s,status="unhealthy"})
    / sum by (job, namespace, instance) (hookd_webhooks{%s})
) > %s
and
sum by (job, namespace, instance) (hookd_webhooks{%s,status="unhealthy"}) >= %s` $s $s (include $n $a.HookdManyWebhooksUnhealthy.threshold) $s (include $n $a.HookdManyWebhooksUnhealthy.minUnhealthy))
  "summary" `Most webhooks are UNHEALTHY on {{ $labels.instance }}`
  "description" `{{ $value | humanizePercentage }} of the webhooks {{ $labels.instance }} has seen are UNHEALTHY: their breakers are open.`) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /*
Not ready at any scrape of the window. max_over_time spans a restart, so a pod the startup
probe restarts every 10 minutes still fires (`hookd_ready == 0` with `for:` restarts its count
at each gap). Quiet while Kafka is unreachable: HookdKafkaUnreachable says why.
*/ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdNotReady"
  "expr" (printf `max_over_time(hookd_ready{%s}[%s]) == 0
unless on (job, namespace, instance)
hookd_kafka_reachable{%s} == 0` $s $a.HookdNotReady.window $s)
  "summary" `hookd {{ $labels.instance }} is not ready`
  "description" (printf `{{ $labels.instance }} has not been ready at any scrape for the last %s, across restarts: it delivers nothing.` $a.HookdNotReady.window)) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdKafkaUnreachable"
  "expr" (printf `max_over_time(hookd_kafka_reachable{%s}[%s]) == 0` $s $a.HookdKafkaUnreachable.window)
  "summary" `hookd {{ $labels.instance }} cannot reach Kafka`
  "description" (printf `Every broker has been down for {{ $labels.instance }} at each scrape of the last %s: it is not ready and delivers nothing; events wait in Kafka.` $a.HookdKafkaUnreachable.window)) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* Kafka reachable and the snapshot loaded, yet the consumer never joined its group: ACLs or the coordinator. */ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdGroupNotJoined"
  "expr" (printf `max_over_time(hookd_group_joined{%s}[%s]) == 0
and on (job, namespace, instance) hookd_snapshot_ready{%s} == 1
and on (job, namespace, instance) hookd_kafka_reachable{%s} == 1` $s $a.HookdGroupNotJoined.window $s $s)
  "summary" `hookd {{ $labels.instance }} has not joined its {{ $labels.group }} consumer group`
  "description" (printf `{{ $labels.instance }} reaches Kafka and has its snapshot, but its {{ $labels.group }} consumer has not joined the group for %s.` $a.HookdGroupNotJoined.window)) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /*
A restart shows in hookd's own series only as a gap (a failed scrape: up goes 0 and back, two
changes) or as counters starting again from 0; hookd exports no start time. Either, counted
in the window, is a restart of the same pod.
*/ -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdCrashLooping"
  "expr" (printf `floor(changes(up{%s}[%s]) / 2) >= %s
or
resets(hookd_events_consumed_total{%s}[%s]) >= %s` $s $a.HookdCrashLooping.window (include $n $a.HookdCrashLooping.restarts) $s $a.HookdCrashLooping.window (include $n $a.HookdCrashLooping.restarts))
  "summary" `hookd {{ $labels.instance }} keeps restarting`
  "description" (printf `{{ $labels.instance }} restarted {{ $value }} times in the last %s; each restart drops its in-flight deliveries (delivered again) and stalls its partitions until it is back.` $a.HookdCrashLooping.window)) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdWorkerDown"
  "expr" (printf `up{%s} == 0` $s)
  "summary" `hookd {{ $labels.instance }} cannot be scraped`
  "description" (printf `Prometheus has not reached {{ $labels.instance }} for %s.` $a.HookdWorkerDown.for)) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- /* absent() keeps no labels of a comparison: job and namespace are added so releases stay apart. */ -}}
{{- $job := .Values.prometheusRule.job | default (include "hookd.fullname" .) -}}
{{- $namespace := .Values.prometheusRule.namespace | default .Release.Namespace -}}
{{- with include "hookd.rules.alert" (dict "root" . "name" "HookdAbsent"
  "expr" (printf `absent(up{%s} == 1)` $s)
  "labels" (dict "job" $job "namespace" $namespace)
  "summary" `No hookd worker is up`
  "description" (printf `Prometheus has no reachable hookd target of job %s in %s: webhooks are not being delivered.` $job $namespace)) }}
{{- $alerts = append $alerts (fromJson .) }}{{ end -}}

{{- $groups := list (dict "name" "hookd.recording" "rules" $recording) -}}
{{- if $alerts -}}
{{- $groups = append $groups (dict "name" "hookd.alerts" "rules" $alerts) -}}
{{- end -}}
{{- toYaml (dict "groups" $groups) -}}
{{- end -}}
