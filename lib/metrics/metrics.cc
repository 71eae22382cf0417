#include "metrics/metrics.h"

#include <stdexcept>

#include "metrics/label_words.h"

namespace hookd::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

// 1 ms to 60 s, roughly three buckets per decade.
std::vector<double> http_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

// Retry lateness: near zero while the retry consumers keep up, minutes to hours when a tier
// stalls (a paused partition, a worker down, Kafka unreachable). 1 ms to 60 s as for HTTP (the
// HookdRetriesLate alert reads le="60"), then 5 min to 6 h, so the dashboard's quantiles show
// how late rather than pinning at 60 s (docs/operations.md, "Reading the dashboard").
std::vector<double> lateness_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
          300, 900, 1800, 3600, 7200, 21600};
}

// Event to delivery spans retries that wait hours: 1 ms to 60 s, then beyond to a day.
std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
          300, 1800, 3600, 7200, 21600, 43200, 86400};
}

// A 0-valued child per word: without it a series first appears on its first increment,
// which rate() and increase() read as no change.
template <typename T, std::size_t N>
void add_at_zero(prometheus::Family<T>& family, const std::string& label, const std::array<std::string_view, N>& words) {
  for (std::string_view word : words) family.Add({{label, std::string(word)}});
}

}  // namespace

std::vector<prometheus::MetricFamily> Metrics::Exposition::Collect() const {
  std::vector<prometheus::MetricFamily> families = registry.Collect();
  for (const auto& family : histograms) families.push_back(family->collect());
  return families;
}

ShardedHistogramFamily& Metrics::Exposition::histogram_family(std::string name, std::string help) {
  for (const auto& family : histograms)
    if (family->name() == name) {
      if (family->help() != help) throw std::logic_error("histogram " + name + " registered with two helps");
      return *family;
    }
  histograms.push_back(std::make_unique<ShardedHistogramFamily>(std::move(name), std::move(help)));
  return *histograms.back();
}

Metrics::Metrics()
    : exposition_(std::make_shared<Exposition>()),
      registry_(exposition_->registry),
      events_consumed(BuildCounter()
                          .Name("hookd_events_consumed_total")
                          .Help("Events read from the events topics")
                          .Register(registry_)
                          .Add({})),
      events_invalid(BuildCounter()
                         .Name("hookd_events_invalid_total")
                         .Help("Invalid events sent to the dead-letter topic, by reason")
                         .Register(registry_)),
      delivery_attempts(BuildCounter()
                            .Name("hookd_delivery_attempts_total")
                            .Help("HTTP delivery attempts by result")
                            .Register(registry_)),
      delivery_duration(exposition_->histogram_family("hookd_delivery_duration_seconds",
                                                      "Duration of one HTTP delivery attempt")
                            .add({}, http_buckets())),
      event_to_delivery_first(exposition_->histogram_family("hookd_event_to_delivery_seconds",
                                                            "From the event's occurredAt to its 2xx delivery")
                                  .add({{"attempt", "first"}}, latency_buckets())),
      event_to_delivery_retry(exposition_->histogram_family("hookd_event_to_delivery_seconds",
                                                            "From the event's occurredAt to its 2xx delivery")
                                  .add({{"attempt", "retry"}}, latency_buckets())),
      subscriptions_enabled(BuildGauge()
                                .Name("hookd_subscriptions")
                                .Help("Valid webhook subscriptions in the snapshot, by state")
                                .Register(registry_)
                                .Add({{"state", "enabled"}})),
      subscriptions_disabled(BuildGauge()
                                 .Name("hookd_subscriptions")
                                 .Help("Valid webhook subscriptions in the snapshot, by state")
                                 .Register(registry_)
                                 .Add({{"state", "disabled"}})),
      subscriptions_invalid(BuildCounter()
                                .Name("hookd_subscriptions_invalid_total")
                                .Help("Subscription records refused, by reason")
                                .Register(registry_)),
      snapshot_ready(BuildGauge()
                         .Name("hookd_snapshot_ready")
                         .Help("1 once the subscription snapshot has been loaded")
                         .Register(registry_)
                         .Add({})),
      snapshots_retained(BuildGauge()
                             .Name("hookd_subscription_snapshots_retained")
                             .Help("Replaced subscription snapshots a thread still holds; each costs "
                                   "about 40 bytes a subscription")
                             .Register(registry_)
                             .Add({})),
      idle_connections(BuildGauge()
                           .Name("hookd_idle_connections")
                           .Help("Keep-alive connections idle in the per-origin pools, against "
                                 "delivery.max_idle_connections")
                           .Register(registry_)
                           .Add({})),
      inflight_deliveries(BuildGauge()
                              .Name("hookd_inflight_deliveries")
                              .Help("Deliveries dispatched and not yet finished")
                              .Register(registry_)
                              .Add({})),
      retries_enqueued(BuildCounter()
                           .Name("hookd_retries_enqueued_total")
                           .Help("Retry records written, by retry tier")
                           .Register(registry_)),
      dead_letters(BuildCounter()
                       .Name("hookd_dead_letters_total")
                       .Help("Dead letters written, by reason")
                       .Register(registry_)),
      retry_backlog(BuildGauge()
                        .Name("hookd_retry_backlog")
                        .Help("Retry records waiting on a tier (consumer lag of the tier topic)")
                        .Register(registry_)),
      retry_lateness(exposition_->histogram_family("hookd_retry_lateness_seconds",
                                                   "How late a retry fired versus its due time")
                         .add({}, lateness_buckets())),
      retry_progress(BuildGauge()
                         .Name("hookd_retry_progress_timestamp_seconds")
                         .Help("Per retry tier, the oldest time since which one of this worker's partitions of the "
                               "tier has had records waiting and released none (now when none waits)")
                         .Register(registry_)),
      retry_tier_delay(BuildGauge()
                           .Name("hookd_retry_tier_delay_seconds")
                           .Help("Each retry tier's delay, for alerts that compare a tier's wait with it")
                           .Register(registry_)),
      retries_dropped(BuildCounter()
                          .Name("hookd_retries_dropped_total")
                          .Help("Retries dropped at retry time, by reason")
                          .Register(registry_)),
      replayed(BuildCounter()
                   .Name("hookd_replayed_total")
                   .Help("Dead letters re-enqueued by hookd replay")
                   .Register(registry_)
                   .Add({})),
      webhooks(BuildGauge()
                   .Name("hookd_webhooks")
                   .Help("Webhooks in each health status, as this worker has seen them (docs/endpoints.md)")
                   .Register(registry_)),
      breaker_transitions(BuildCounter()
                              .Name("hookd_breaker_transitions_total")
                              .Help("Circuit breaker transitions of webhooks, by the state entered (open, closed)")
                              .Register(registry_)),
      deliveries_deferred(BuildCounter()
                              .Name("hookd_deliveries_deferred_total")
                              .Help("Deliveries held back without an attempt, by reason: breaker (to a retry "
                                    "tier), rate_limit (waited for the webhook's send slot, or to a retry tier), "
                                    "tenant_queue (waited for a share of its company's budget)")
                              .Register(registry_)),
      origin_queue_depth(exposition_->histogram_family("hookd_origin_queue_depth",
                                                       "Deliveries waiting in a queue when one more joined it: an "
                                                       "origin's queue at its in-flight cap, or a webhook's rate-limit "
                                                       "queue")
                             .add({}, std::vector<double>{1, 4, 16, 64, 256, 1024, 4096})),
      kafka_write_failures(BuildCounter()
                               .Name("hookd_kafka_write_failures_total")
                               .Help("Failed writes of retry records and dead letters, by kind: transient (retried "
                                     "with back-off), too_large, permanent (worker unhealthy), fatal (worker exits)")
                               .Register(registry_)),
      ready(BuildGauge()
                .Name("hookd_ready")
                .Help("1 while the worker is ready (/readyz 200): snapshot loaded, consuming, joined, Kafka reachable")
                .Register(registry_)
                .Add({})),
      kafka_reachable(BuildGauge()
                          .Name("hookd_kafka_reachable")
                          .Help("0 from the moment every broker is reported down until one is up again")
                          .Register(registry_)
                          .Add({})),
      group_joined(BuildGauge()
                       .Name("hookd_group_joined")
                       .Help("1 while the consumer of the group (events, retries) has joined it")
                       .Register(registry_)),
      events_group_joined(group_joined.Add({{"group", "events"}})),
      retries_group_joined(group_joined.Add({{"group", "retries"}})),
      consumer_lag_(BuildGauge()
                        .Name("hookd_consumer_lag")
                        .Help("Consumer lag of the events topics, per partition (librdkafka statistics)")
                        .Register(registry_)),
      build_info_(BuildGauge()
                      .Name("hookd_build_info")
                      .Help("Always 1: the version, commit and librdkafka version of the running build")
                      .Register(registry_)) {
  add_at_zero(events_invalid, "reason", kInvalidEventReasons);
  add_at_zero(delivery_attempts, "result", kAttemptResults);
  add_at_zero(dead_letters, "reason", kDeliveryDeadLetterReasons);
  add_at_zero(dead_letters, "reason", kInvalidEventReasons);  // invalid events are dead-lettered by their reason
  add_at_zero(retries_dropped, "reason", kRetryDropReasons);
  add_at_zero(deliveries_deferred, "reason", kDeferReasons);
  add_at_zero(subscriptions_invalid, "reason", kInvalidSubscriptionReasons);
  add_at_zero(breaker_transitions, "to", kBreakerStates);
  add_at_zero(webhooks, "status", kWebhookStatuses);
  add_at_zero(kafka_write_failures, "kind", kKafkaWriteFailures);
}

void Metrics::set_build_info(std::string_view version, std::string_view commit, std::string_view librdkafka) {
  build_info_.Add({{"version", std::string(version)}, {"commit", std::string(commit)},
                   {"librdkafka", std::string(librdkafka)}})
      .Set(1);
}

void Metrics::set_consumer_lag(std::string_view topic, int partition, std::int64_t lag) {
  std::lock_guard lock(lag_mu_);
  auto key = std::make_pair(std::string(topic), partition);
  auto it = lag_gauges_.find(key);
  if (it == lag_gauges_.end()) {
    auto& gauge = consumer_lag_.Add({{"topic", key.first}, {"partition", std::to_string(partition)}});
    it = lag_gauges_.emplace(std::move(key), &gauge).first;
  }
  it->second->Set(static_cast<double>(lag));
}

void Metrics::remove_consumer_lag(std::string_view topic, int partition) {
  std::lock_guard lock(lag_mu_);
  auto it = lag_gauges_.find(std::make_pair(std::string(topic), partition));
  if (it == lag_gauges_.end()) return;
  consumer_lag_.Remove(it->second);
  lag_gauges_.erase(it);
}

}  // namespace hookd::metrics
