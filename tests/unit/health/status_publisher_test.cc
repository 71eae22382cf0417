// The publisher's metrics: hookd_webhooks{status} follows the tracker, transitions are counted.
#include "health/status_publisher.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace hookd::health {
namespace {

using namespace std::chrono_literals;

class StillClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override { return {}; }
  std::int64_t unix_ms_now() const override { return 0; }
};

std::string exposition(metrics::Metrics& m) {
  return prometheus::TextSerializer().Serialize(m.collect());
}

TEST(StatusPublisher, GaugesAndTransitionCountersFollowTheTracker) {
  metrics::Metrics metrics;
  StatusPublisher publisher(nullptr, metrics, "", "w");
  StillClock clock;
  Tracker tracker({.failures_to_unhealthy = 2, .probe_interval = 1s}, clock, publisher);
  std::string text = exposition(metrics);
  EXPECT_NE(text.find("hookd_webhooks{status=\"healthy\"} 0"), std::string::npos) << "present from the start";
  EXPECT_NE(text.find("hookd_webhooks{status=\"unhealthy\"} 0"), std::string::npos);
  EXPECT_NE(text.find("hookd_breaker_transitions_total{to=\"open\"} 0"), std::string::npos);

  const AttemptSummary ok{Verdict::success, "2xx", 200};
  const AttemptSummary bad{Verdict::failure, "5xx", 500};
  tracker.record("a", ok);
  tracker.record("b", ok);
  tracker.record("b", bad);
  tracker.record("b", bad);  // b: HEALTHY -> UNHEALTHY
  tracker.record("c", {Verdict::gone, "4xx", 410});
  text = exposition(metrics);
  EXPECT_NE(text.find("hookd_webhooks{status=\"healthy\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_webhooks{status=\"unhealthy\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_webhooks{status=\"gone\"} 1"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_breaker_transitions_total{to=\"open\"} 1"), std::string::npos) << text;

  tracker.record("b", ok);  // closes
  tracker.retain([](std::string_view id) { return id != "a"; });
  text = exposition(metrics);
  EXPECT_NE(text.find("hookd_webhooks{status=\"healthy\"} 1"), std::string::npos) << "b healthy, a forgotten\n" << text;
  EXPECT_NE(text.find("hookd_webhooks{status=\"unhealthy\"} 0"), std::string::npos) << text;
  EXPECT_NE(text.find("hookd_breaker_transitions_total{to=\"closed\"} 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace hookd::health
