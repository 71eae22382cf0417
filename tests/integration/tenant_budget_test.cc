// Isolation between companies on the real broker: one company's two webhooks answer 2xx, but
// only after 8 s, and a burst of its events asks for more deliveries than the global cap. With
// its budget (docs/contract.md, "Isolation between companies") it holds at most its share, the
// rest waits in the retry tier, the partitions are never paused on its account, and another
// company's deliveries arrive promptly. Without it the burst fills delivery.max_in_flight,
// every partition pauses, and the other company waits for the slow receivers.
// hookd-bench-isolation --tenants measures the same with figures.
#include "integration/harness/scenario_test.h"
#include "support/https_receiver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using test_support::ReceivedRequest;

constexpr int kHostileEvents = 60;  // x2 webhooks: 120 deliveries, over the global cap of 100
constexpr int kGoodEvents = 10;
constexpr int kBudget = 8;
constexpr auto kSlowAnswer = 8s;

// How many of the events "<prefix>0" .. "<prefix><count - 1>" reached `receiver`.
int events_seen(const HttpsReceiver& receiver, const std::string& prefix, int count) {
  int seen = 0;
  for (int n = 0; n < count; ++n) seen += requests_for(receiver, prefix + std::to_string(n)).empty() ? 0 : 1;
  return seen;
}

class TenantBudgetTest : public ScenarioTest {
 protected:
  void SetUp() override {
    ScenarioTest::SetUp();
    const test_support::ReceiverOptions options{.tls = true, .certificate = ca.localhost(), .threads = 1};
    good = std::make_unique<HttpsReceiver>(options);
    for (auto& receiver : hostile) {
      receiver = std::make_unique<HttpsReceiver>(options);
      receiver->set_handler([this](const ReceivedRequest&) {
        Behaviour b = Behaviour::respond(200);
        if (slow) b.delay = kSlowAnswer;
        return b;
      });
    }
  }

  // A retry tier of 1 s, so deferred deliveries come back within the test; a global cap of
  // 100, well above the budget: deferrals are in flight too until their records are written.
  std::string config() const {
    std::string yaml = scenario.config_yaml_with_schedule(ca.ca_file(), "[1s]");
    const std::string from = "timeout: 2s";
    yaml.replace(yaml.find(from), from.size(),
                 "timeout: 10s, max_in_flight: 100, max_in_flight_per_tenant: " + std::to_string(kBudget));
    return yaml;
  }

  std::unique_ptr<HttpsReceiver> good;
  std::array<std::unique_ptr<HttpsReceiver>, 2> hostile;
  std::atomic<bool> slow{true};
};

TEST_F(TenantBudgetTest, ACompanyWithSlowReceiversHoldsOnlyItsBudgetWhileAnotherDeliversPromptly) {
  publish_webhook({.id = "wh-good", .url = good->url("/", "localhost"), .company = "company-good",
                   .events = {"TODO_CREATED"}});
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    publish_webhook({.id = "wh-slow-" + std::to_string(i), .url = hostile[i]->url("/", "localhost"),
                     .company = "company-slow", .events = {"TODO_CREATED"}});
  }
  auto hookd = start_ready_hookd(config());
  publish_event({.id = "warm", .company = "company-good"});
  ASSERT_TRUE(wait_for_event(*good, "warm", 30s)) << hookd->log_tail(40);

  for (int n = 0; n < kHostileEvents; ++n) publish_event({.id = "slow-" + std::to_string(n), .company = "company-slow"});
  // The good company's events, after the burst, a tenth of a second apart.
  std::map<std::string, Clock::time_point> published;
  for (int n = 0; n < kGoodEvents; ++n) {
    const std::string id = "good-" + std::to_string(n);
    published[id] = Clock::now();
    publish_event({.id = id, .company = "company-good"});
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(wait_until([&] { return events_seen(*good, "good-", kGoodEvents) == kGoodEvents; }, 20s))
      << hookd->log_tail(40);
  double worst_ms = 0;
  for (const auto& [id, at] : published) {
    const auto first = requests_for(*good, id).front().arrived;
    worst_ms = std::max(worst_ms, std::chrono::duration<double, std::milli>(first - at).count());
  }
  // Held behind the slow company they would wait for its 8 s answers. With the budget they
  // wait at most for the deferrals' retry records to be written: those hold global slots
  // until Kafka acknowledges them, which on a loaded machine takes a few seconds.
  EXPECT_LT(worst_ms, 4000) << "the good company's slowest delivery took " << worst_ms << " ms";
  RecordProperty("good_worst_ms", std::to_string(worst_ms));
  for (const auto& receiver : hostile) EXPECT_LE(receiver->max_requests_in_progress(), std::size_t{kBudget});

  std::string metrics;
  hookd->admin_get("/metrics", &metrics);
  EXPECT_GE(test_support::metric_value(metrics, R"(hookd_delivery_attempts_total{result="tenant_over_budget"})")
                .value_or(0),
            2 * kHostileEvents - kBudget)
      << metrics;

  // At least once: once its receivers are fast again, every deferred delivery comes back from
  // the retry tier and arrives.
  slow = false;
  ASSERT_TRUE(wait_until([&] {
    return events_seen(*hostile[0], "slow-", kHostileEvents) == kHostileEvents &&
           events_seen(*hostile[1], "slow-", kHostileEvents) == kHostileEvents;
  }, 30s)) << "deferred deliveries lost\n" << hookd->log_tail(40);
  EXPECT_TRUE(hookd->running());
}

}  // namespace
}  // namespace hookd::it
