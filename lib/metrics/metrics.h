// Every metric hookd exports, declared once and resolved at start-up.
//
// Hot paths hold references to the children they touch (counters per fixed label word),
// so no family lookup or label hashing ever happens per event. Label values are fixed
// words only: never a URL, webhook id, tenant or event id. Families whose words are fixed
// (metrics/label_words.h) have a child at 0 for each word from construction.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/sharded_histogram.h"

namespace hookd::metrics {

class Metrics {
  // Declared first: every member below is registered in it during construction. The
  // histograms are not prometheus-cpp's, so they sit beside the registry (sharded_histogram.h).
  struct Exposition : prometheus::Collectable {
    prometheus::Registry registry;
    std::vector<std::unique_ptr<ShardedHistogramFamily>> histograms;

    std::vector<prometheus::MetricFamily> Collect() const override;
    ShardedHistogramFamily& histogram_family(std::string name, std::string help);
  };
  std::shared_ptr<Exposition> exposition_;
  prometheus::Registry& registry_;

 public:
  Metrics();

  // Every family, as /metrics serves it.
  std::vector<prometheus::MetricFamily> collect() const { return exposition_->Collect(); }
  // What the admin server scrapes; it may outlive this object.
  std::shared_ptr<const prometheus::Collectable> exposition() const { return exposition_; }

  prometheus::Counter& events_consumed;
  prometheus::Family<prometheus::Counter>& events_invalid;          // {reason}
  prometheus::Family<prometheus::Counter>& delivery_attempts;       // {result}
  ShardedHistogram& delivery_duration;                             // seconds
  ShardedHistogram& event_to_delivery_first;                       // {attempt="first"}
  ShardedHistogram& event_to_delivery_retry;                       // {attempt="retry"}
  prometheus::Gauge& subscriptions_enabled;                         // {state="enabled"}
  prometheus::Gauge& subscriptions_disabled;                        // {state="disabled"}
  prometheus::Family<prometheus::Counter>& subscriptions_invalid;   // {reason}
  prometheus::Gauge& snapshot_ready;
  prometheus::Gauge& snapshots_retained;                            // replaced, still held by a reader
  prometheus::Gauge& idle_connections;                              // keep-alive connections idle in the pools
  prometheus::Gauge& inflight_deliveries;
  prometheus::Family<prometheus::Counter>& retries_enqueued;        // {tier}
  prometheus::Family<prometheus::Counter>& dead_letters;            // {reason}
  prometheus::Family<prometheus::Gauge>& retry_backlog;             // {tier}: records waiting
  ShardedHistogram& retry_lateness;                                // seconds a retry fired after its due time
  prometheus::Family<prometheus::Gauge>& retry_progress;            // {tier}: unix s of the tier's last progress here
  prometheus::Family<prometheus::Gauge>& retry_tier_delay;          // {tier}: the tier's delay in seconds
  prometheus::Family<prometheus::Counter>& retries_dropped;         // {reason}
  prometheus::Counter& replayed;                                    // dead letters re-enqueued by `hookd replay`
  prometheus::Family<prometheus::Gauge>& webhooks;                  // {status}: healthy unhealthy gone, as this worker sees them
  prometheus::Family<prometheus::Counter>& breaker_transitions;     // {to}: open closed
  prometheus::Family<prometheus::Counter>& deliveries_deferred;     // {reason}: breaker, rate_limit, throttled, tenant_queue
  ShardedHistogram& origin_queue_depth;                            // depth of the queue a waiting delivery joined
  prometheus::Family<prometheus::Counter>& kafka_write_failures;    // {kind}: retry records and dead letters not written
  prometheus::Gauge& ready;                                         // 1 while /readyz answers 200
  prometheus::Gauge& kafka_reachable;                               // 0 while every broker is down
  prometheus::Family<prometheus::Gauge>& group_joined;              // {group}: 1 while joined with an assignment
  prometheus::Gauge& events_group_joined;                           // {group="events"}
  prometheus::Gauge& retries_group_joined;                          // {group="retries"}

  // hookd_build_info{version,commit,librdkafka} 1: which build runs where (set once at start).
  void set_build_info(std::string_view version, std::string_view commit, std::string_view librdkafka);

  // Consumer lag per events-topic partition, from librdkafka statistics (every few seconds).
  void set_consumer_lag(std::string_view topic, int partition, std::int64_t lag);
  // Forgets a partition this worker no longer owns, so it stops reporting a stale lag.
  void remove_consumer_lag(std::string_view topic, int partition);

  // Resolves a child by its fixed label word once; callers keep the reference.
  static prometheus::Counter& with(prometheus::Family<prometheus::Counter>& family,
                                   const std::string& label, const std::string& value) {
    return family.Add({{label, value}});
  }

 private:
  prometheus::Family<prometheus::Gauge>& consumer_lag_;
  prometheus::Family<prometheus::Gauge>& build_info_;
  std::mutex lag_mu_;  // statistics arrive on one librdkafka thread every few seconds
  std::map<std::pair<std::string, int>, prometheus::Gauge*> lag_gauges_;
};

}  // namespace hookd::metrics
