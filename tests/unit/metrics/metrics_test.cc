#include "metrics/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <string>
#include <vector>

namespace hookd::metrics {
namespace {

TEST(Metrics, ExposesTheContractNames) {
  Metrics m;
  m.events_consumed.Increment();
  Metrics::with(m.delivery_attempts, "result", "2xx").Increment();
  m.set_consumer_lag("blue.events", 3, 42);
  m.set_consumer_lag("blue.events", 3, 7);
  m.set_consumer_lag("blue.events", 4, 9);
  m.remove_consumer_lag("blue.events", 4);
  const std::string text = prometheus::TextSerializer().Serialize(m.collect());
  EXPECT_EQ(text.find("partition=\"4\""), std::string::npos) << "a revoked partition's lag is forgotten";
  for (const char* name :
       {"hookd_events_consumed_total 1", "hookd_delivery_attempts_total{result=\"2xx\"} 1",
        "hookd_delivery_duration_seconds_bucket", "hookd_event_to_delivery_seconds_bucket{attempt=\"first\"",
        "hookd_subscriptions{state=\"enabled\"}", "hookd_snapshot_ready 0", "hookd_inflight_deliveries 0",
        "hookd_consumer_lag{partition=\"3\",topic=\"blue.events\"} 7"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name << "\n" << text;
  }
  // Both children of the event-to-delivery histogram under one family.
  const std::string family = "# TYPE hookd_event_to_delivery_seconds histogram";
  EXPECT_EQ(text.find(family), text.rfind(family)) << text;
  EXPECT_NE(text.find("hookd_event_to_delivery_seconds_count{attempt=\"retry\"} 0"), std::string::npos) << text;
}

// Dashboards and alerts need each series before its first increment (increase() never sees
// a series that starts at 1), so a fresh Metrics has them all at 0. The words are written out
// here, as the docs give them, rather than taken from label_words.h.
TEST(Metrics, ExportsEveryFixedLabelWordAtZeroFromStart) {
  struct Family {
    std::string series;  // metric name and label name, up to the label value
    std::vector<std::string> words;
  };
  const std::vector<std::string> invalid_event = {"too_large",     "invalid_utf8",  "not_json",     "not_object",
                                                  "duplicate_key", "missing_field", "invalid_field"};
  std::vector<std::string> dead_letter = {"exhausted", "gone", "blocked"};
  dead_letter.insert(dead_letter.end(), invalid_event.begin(), invalid_event.end());
  const Family families[] = {
      {"hookd_events_invalid_total{reason=", invalid_event},
      {"hookd_delivery_attempts_total{result=",
       {"2xx", "3xx", "4xx", "5xx", "timeout", "dns_error", "connect_error", "tls_error", "protocol_error", "blocked",
        "origin_queue_full"}},
      {"hookd_dead_letters_total{reason=", dead_letter},
      {"hookd_retries_dropped_total{reason=", {"invalid_record", "deleted", "disabled", "no_longer_matches"}},
      {"hookd_deliveries_deferred_total{reason=", {"breaker", "rate_limit", "throttled", "tenant_queue"}},
      {"hookd_subscriptions_invalid_total{reason=",
       {"not_json", "not_object", "duplicate_key", "missing_field", "invalid_field", "key_mismatch", "invalid_url",
        "invalid_filter", "filter_too_large"}},
      {"hookd_breaker_transitions_total{to=", {"open", "closed"}},
      {"hookd_webhooks{status=", {"healthy", "unhealthy", "gone"}},
  };
  Metrics m;
  const std::string text = prometheus::TextSerializer().Serialize(m.collect());
  for (const auto& family : families) {
    for (const auto& word : family.words) {
      const std::string line = family.series + "\"" + word + "\"} 0\n";
      EXPECT_NE(text.find(line), std::string::npos) << line << text;
    }
  }
  // Not an attempt (the deliverer defers it): a series for it would stay 0 forever.
  EXPECT_EQ(text.find("result=\"cancelled\""), std::string::npos);
}

}  // namespace
}  // namespace hookd::metrics

namespace hookd::metrics {
namespace {

// What alerts need to see a pod that runs but does not work: readiness, Kafka reachability and
// group membership exist from start (at 0: nothing is known yet), and the build is named.
TEST(Metrics, ExportsReadinessMembershipAndTheBuild) {
  Metrics m;
  m.set_build_info("1.2.3", "abc123", "2.0.2");
  const std::string text = prometheus::TextSerializer().Serialize(m.collect());
  EXPECT_NE(text.find("hookd_ready 0"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_kafka_reachable 0"), std::string::npos);
  EXPECT_NE(text.find("hookd_group_joined{group=\"events\"} 0"), std::string::npos);
  EXPECT_NE(text.find("hookd_group_joined{group=\"retries\"} 0"), std::string::npos);
  EXPECT_NE(text.find("hookd_build_info{commit=\"abc123\",librdkafka=\"2.0.2\",version=\"1.2.3\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hookd_kafka_write_failures_total{kind=\"fatal\"} 0"), std::string::npos);
}

}  // namespace
}  // namespace hookd::metrics

namespace hookd::metrics {
namespace {

// A stalled retry tier is late by minutes to hours: the lateness histogram must resolve that
// (up to 6 h) and keep the le="60" bucket the HookdRetriesLate alert reads.
TEST(Metrics, RetryLatenessBucketsReachHoursAndKeepTheAlertsMinute) {
  Metrics m;
  m.retry_lateness.observe(2.0 * 3600);  // two hours late
  const std::string text = prometheus::TextSerializer().Serialize(m.collect());
  for (const char* bucket : {"hookd_retry_lateness_seconds_bucket{le=\"0.001\"} 0",
                             "hookd_retry_lateness_seconds_bucket{le=\"60\"} 0",
                             "hookd_retry_lateness_seconds_bucket{le=\"3600\"} 0",
                             "hookd_retry_lateness_seconds_bucket{le=\"7200\"} 1",
                             "hookd_retry_lateness_seconds_bucket{le=\"21600\"} 1",
                             "hookd_retry_lateness_seconds_bucket{le=\"+Inf\"} 1"}) {
    EXPECT_NE(text.find(bucket), std::string::npos) << bucket << "\n" << text;
  }
}

}  // namespace
}  // namespace hookd::metrics
