// Per-webhook rate limits on the real broker: a webhook with "rateLimit":
// {"perSecond": N} gets at most N requests a second, kept within 10% over ten seconds, even
// when ten seconds' worth of events arrive at once. Nothing is lost: the deliveries over the
// limit wait for their slot or go round the first retry tier without spending an attempt.
// Its unlimited neighbour is not slowed down.
#include "integration/harness/scenario_test.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::HttpsReceiver;

constexpr int kPerSecond = 20;
constexpr int kEvents = 10 * kPerSecond;  // ten seconds' worth, published at once

std::set<std::string> event_ids(const std::vector<test_support::ReceivedRequest>& requests) {
  std::set<std::string> ids;
  for (const auto& r : requests) ids.insert(std::string(boost::json::parse(r.body).at("eventId").as_string()));
  return ids;
}

class RateLimitTest : public ScenarioTest {
 protected:
  HttpsReceiver limited{{.tls = true, .certificate = ca.localhost()}};
  HttpsReceiver unlimited{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(RateLimitTest, LimitIsKeptWithinTenPercentOverTenSecondsAndNothingIsLost) {
  publisher.send(scenario.webhooks, "wh-limited",
                 webhook_json({.id = "wh-limited",
                               .url = limited.url("/", "localhost"),
                               .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                               .extra_fields = R"("rateLimit":{"perSecond":)" + std::to_string(kPerSecond) + "}"}));
  publisher.send(scenario.webhooks, "wh-unlimited",
                 webhook_json({.id = "wh-unlimited", .url = unlimited.url("/", "localhost")}));
  // The default retry schedule: deliveries deferred by the limit come back after 5 s.
  HookdProcess hookd(scenario.config_yaml(ca.ca_file()));
  hookd.start();
  ASSERT_TRUE(hookd.wait_ready(60s)) << hookd.log();

  const auto published = std::chrono::steady_clock::now();
  for (int i = 0; i < kEvents; ++i) {
    const std::string id = "evt-" + std::to_string(i);
    publisher.send(scenario.events, id, event_json({.id = id}));
  }

  // The neighbour without a limit gets everything at once.
  ASSERT_TRUE(wait_until([&] { return unlimited.request_count() >= static_cast<std::size_t>(kEvents); }, 20s))
      << unlimited.request_count() << " of " << kEvents << "\n" << hookd.log_tail(50);
  const auto unlimited_done = std::chrono::steady_clock::now() - published;

  ASSERT_TRUE(wait_until([&] { return event_ids(limited.requests()).size() >= static_cast<std::size_t>(kEvents); },
                         60s))
      << event_ids(limited.requests()).size() << " of " << kEvents << " delivered\n" << hookd.log_tail(80);

  // Nothing lost, nothing retried: every event once, each on its first attempt.
  const auto requests = limited.requests();
  EXPECT_EQ(event_ids(requests).size(), static_cast<std::size_t>(kEvents));
  for (const auto& r : requests) EXPECT_EQ(r.header("x-blue-attempt"), "1");

  // The rate: over the ten seconds from the first arrival, N per second within 10%.
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  for (const auto& r : requests) arrivals.push_back(r.arrived);
  std::sort(arrivals.begin(), arrivals.end());
  const auto window_end = arrivals.front() + 10s;
  const auto in_window = std::count_if(arrivals.begin(), arrivals.end(), [&](auto t) { return t < window_end; });
  std::cout << "limited webhook: " << in_window << " deliveries in the first 10 s, all " << kEvents << " over "
            << std::chrono::duration<double>(arrivals.back() - arrivals.front()).count() << " s; unlimited: all in "
            << std::chrono::duration<double>(unlimited_done).count() << " s\n";
  EXPECT_LE(in_window, 10 * kPerSecond * 11 / 10) << "over the limit";
  EXPECT_GE(in_window, 10 * kPerSecond * 9 / 10) << "well under the limit: deferred deliveries came back late";
  // Paced, not bunched: 200 deliveries at 20/s span about ten seconds.
  EXPECT_GE(arrivals.back() - arrivals.front(), 9s);
  EXPECT_LT(unlimited_done, arrivals.back() - published - 3s) << "the neighbour was held back";

  std::string metrics;
  hookd.admin_get("/metrics", &metrics);
  EXPECT_EQ(metrics.find("hookd_deliveries_deferred_total{reason=\"rate_limit\"} 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hookd_deliveries_deferred_total{reason=\"rate_limit\"}"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("hookd_origin_queue_depth_count 0"), std::string::npos) << metrics;
  // Both ways of holding back were taken: waiting in memory (above) and the first retry tier.
  EXPECT_NE(metrics.find("hookd_retries_enqueued_total{tier=\"5s\"}"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("hookd_retries_enqueued_total{tier=\"5s\"} 0"), std::string::npos) << metrics;
  EXPECT_TRUE(read_topic(scenario.dead_letter, 1, 1s).empty()) << "nothing dead-lettered";
}

TEST_F(RateLimitTest, A429WithRetryAfterPausesItsWebhookAndNotTheNeighbour) {
  // The receiver answers the first request 429 with "Retry-After: 4": hookd asks it nothing
  // more for four seconds. Deliveries that come meanwhile wait for the end of the pause (in
  // memory: it is shorter than delivery.rate_limit_max_wait), and the 429'd one comes back
  // from the first tier that outlasts it. The neighbour goes on as before.
  test_support::Behaviour throttled = test_support::Behaviour::respond(429);
  throttled.headers.emplace_back("Retry-After", "4");
  limited.enqueue(throttled);
  limited.set_default(test_support::Behaviour::respond(200));
  publisher.send(scenario.webhooks, "wh-paused",
                 webhook_json({.id = "wh-paused", .url = limited.url("/", "localhost")}));
  publisher.send(scenario.webhooks, "wh-neighbour",
                 webhook_json({.id = "wh-neighbour", .url = unlimited.url("/", "localhost")}));
  HookdProcess hookd(scenario.config_yaml_with_schedule(ca.ca_file(), "[1s, 5s]"));
  hookd.start();
  ASSERT_TRUE(hookd.wait_ready(60s)) << hookd.log();

  publisher.send(scenario.events, "evt-0", event_json({.id = "evt-0"}));
  ASSERT_TRUE(limited.wait_for_requests(1, 20s)) << hookd.log_tail(50);
  const auto paused_at = limited.requests()[0].arrived;  // the pause starts when hookd reads the 429, later
  // Deliveries already on their way when the 429 comes back cannot be paused: publish the
  // next events once hookd has counted the 429.
  ASSERT_TRUE(wait_until([&] {
    std::string metrics;
    hookd.admin_get("/metrics", &metrics);
    return test_support::metric_value(metrics, R"(hookd_delivery_attempts_total{result="4xx"})").value_or(0) >= 1;
  }, 10s)) << hookd.log_tail(50);
  for (int i = 1; i < 6; ++i) {
    const std::string id = "evt-" + std::to_string(i);
    publisher.send(scenario.events, id, event_json({.id = id}));
  }
  ASSERT_TRUE(wait_until([&] { return unlimited.request_count() >= 6; }, 20s)) << hookd.log_tail(50);
  const auto neighbour = unlimited.requests();
  // Six events, one of them twice: the 429 and its retry.
  ASSERT_TRUE(wait_until([&] { return limited.request_count() >= 7; }, 30s)) << hookd.log_tail(50);

  const auto requests = limited.requests();
  EXPECT_EQ(event_ids(requests).size(), 6u);
  EXPECT_EQ(requests.back().header("x-blue-attempt"), "2") << "the 429'd delivery came back last, from the 5s tier";
  for (std::size_t i = 1; i < requests.size(); ++i) {
    EXPECT_GE(requests[i].arrived - paused_at, 3900ms) << "request " << i << " went out during the pause";
  }
  for (const auto& r : neighbour) EXPECT_LT(r.arrived - paused_at, 3900ms) << "the neighbour was paused too";
  std::string metrics;
  hookd.admin_get("/metrics", &metrics);
  EXPECT_GE(test_support::metric_value(metrics, R"(hookd_deliveries_deferred_total{reason="throttled"})").value_or(0),
            5.0)
      << metrics;
}

}  // namespace
}  // namespace hookd::it
