#include "metrics/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

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
  const std::string text = prometheus::TextSerializer().Serialize(m.registry().Collect());
  EXPECT_EQ(text.find("partition=\"4\""), std::string::npos) << "a revoked partition's lag is forgotten";
  for (const char* name :
       {"hookd_events_consumed_total 1", "hookd_delivery_attempts_total{result=\"2xx\"} 1",
        "hookd_delivery_duration_seconds_bucket", "hookd_event_to_delivery_seconds_bucket{attempt=\"first\"",
        "hookd_subscriptions{state=\"enabled\"}", "hookd_snapshot_ready 0", "hookd_inflight_deliveries 0",
        "hookd_consumer_lag{partition=\"3\",topic=\"blue.events\"} 7"}) {
    EXPECT_NE(text.find(name), std::string::npos) << name << "\n" << text;
  }
}

}  // namespace
}  // namespace hookd::metrics
