// Per-webhook rate limits on the real broker (issue 5): a webhook with "rateLimit":
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

}  // namespace
}  // namespace hookd::it
