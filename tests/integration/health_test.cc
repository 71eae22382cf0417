// Endpoint health and circuit breaking on the real broker: a failing endpoint turns
// UNHEALTHY and says so on the status topic, its breaker cuts attempts to about one probe per
// interval while events keep coming, and once it answers again every deferred delivery arrives.
#include "integration/harness/scenario_test.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;

class HealthTest : public ScenarioTest {
 protected:
  // Short retry delays (the longest tiers outlast the outage, so nothing is exhausted), a
  // threshold of 4 failures, a probe a second, and a status topic of this test's own.
  std::string config() const {
    std::string yaml = scenario.config_yaml_with_schedule(ca.ca_file(), "[300ms, 1s, 2s, 4s, 8s, 8s, 8s]");
    const auto at = yaml.find(", partitions: 1,");
    yaml.insert(at, ", status: " + status_topic);
    return yaml + "health: {failures_to_unhealthy: 4, probe_interval: 1s}\n";
  }


  // The status records of one webhook (the steady one publishes its own HEALTHY too), once
  // at least `count` are there.
  std::vector<boost::json::object> statuses_of(const std::string& webhook_id, std::size_t count) const {
    std::vector<boost::json::object> out;
    wait_until([&] {
      out.clear();
      for (const auto& record : read_topic(status_topic, 100, 1s)) {
        if (record.key == webhook_id) out.push_back(boost::json::parse(record.value.value_or("{}")).as_object());
      }
      return out.size() >= count;
    }, 30s);
    return out;
  }

  HttpsReceiver flaky{{.tls = true, .certificate = ca.localhost()}};
  HttpsReceiver steady{{.tls = true, .certificate = ca.localhost()}};
  std::string status_topic = unique("it.status");
};

TEST_F(HealthTest, FailingEndpointIsCutToProbesThenRecoversWithEveryDelivery) {
  std::atomic<bool> up{false};
  std::mutex mu;
  std::set<std::string> delivered;  // event ids the flaky endpoint answered 2xx
  flaky.set_handler([&](const test_support::ReceivedRequest& request) {
    if (!up) return Behaviour::respond(500);
    const auto body = boost::json::parse(request.body).as_object();
    std::lock_guard lock(mu);
    delivered.insert(std::string(body.at("eventId").as_string()));
    return Behaviour::respond(200);
  });
  publisher.send(scenario.webhooks, "wh-flaky", webhook_json({.id = "wh-flaky", .url = flaky.url("/", "localhost")}));
  publisher.send(scenario.webhooks, "wh-steady",
                 webhook_json({.id = "wh-steady", .url = steady.url("/", "localhost")}));
  auto hookd = std::make_unique<HookdProcess>(config());
  hookd->start();
  ASSERT_TRUE(hookd->wait_ready(60s)) << hookd->log();

  std::vector<std::string> events;
  auto next_event = [&] {
    events.push_back("evt-" + std::to_string(events.size()));
    publish_event({.id = events.back()});
  };
  for (int i = 0; i < 4; ++i) next_event();

  // Four failed attempts: UNHEALTHY, published on the status topic.
  auto records = statuses_of("wh-flaky", 1);
  ASSERT_EQ(records.size(), 1u) << hookd->log();
  auto value = records[0];
  EXPECT_EQ(value.at("webhookId").as_string(), "wh-flaky");
  EXPECT_EQ(value.at("status").as_string(), "UNHEALTHY");
  EXPECT_GE(value.at("consecutiveFailures").as_int64(), 4);
  EXPECT_EQ(value.at("lastResult").as_string(), "5xx");
  EXPECT_EQ(value.at("lastStatus").as_int64(), 500);
  EXPECT_FALSE(value.at("worker").as_string().empty());
  EXPECT_FALSE(value.at("since").as_string().empty());

  // Events keep coming for 5 s (50 of them, each also for the steady webhook): the flaky
  // endpoint sees about one probe per second, not one request per event and retry.
  const std::size_t before = flaky.request_count();
  const auto window_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - window_start < 5s) {
    next_event();
    std::this_thread::sleep_for(100ms);
  }
  const std::size_t during = flaky.request_count() - before;
  EXPECT_LE(during, 7u) << "attempts while the breaker is open: one probe per 1 s interval\n" << hookd->log();
  EXPECT_GE(during, 2u) << "probes keep going out";
  // Isolation: the steady endpoint got every event while its neighbour's breaker was open.
  EXPECT_TRUE(wait_until([&] { return steady.request_count() >= events.size(); }, 10s));

  std::string metrics;
  hookd->admin_get("/metrics", &metrics);
  EXPECT_NE(metrics.find("hookd_webhooks{status=\"unhealthy\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hookd_breaker_transitions_total{to=\"open\"} 1"), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("hookd_deliveries_deferred_total{reason=\"breaker\"} 0"), std::string::npos)
      << "deliveries were deferred\n" << metrics;

  // The endpoint recovers: the next probe closes the breaker, HEALTHY is published, and every
  // deferred delivery arrives through the retry tiers.
  up = true;
  records = statuses_of("wh-flaky", 2);
  ASSERT_EQ(records.size(), 2u) << hookd->log();
  value = records[1];
  EXPECT_EQ(value.at("status").as_string(), "HEALTHY");
  EXPECT_EQ(value.at("consecutiveFailures").as_int64(), 0);
  EXPECT_EQ(value.at("lastStatus").as_int64(), 200);

  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return delivered.size() == events.size();
  }, 60s)) << "delivered " << delivered.size() << " of " << events.size() << "\n" << hookd->log();
  EXPECT_TRUE(read_topic(scenario.dead_letter, 1, 1s).empty()) << "nothing exhausted or dead-lettered";

  EXPECT_TRUE(wait_until([&] {
    hookd->admin_get("/metrics", &metrics);
    return metrics.find("hookd_breaker_transitions_total{to=\"closed\"} 1") != std::string::npos &&
           metrics.find("hookd_webhooks{status=\"healthy\"} 2") != std::string::npos;
  }, 5s)) << metrics;
}

// A dead endpoint behind a small origin cap: deliveries queue behind the two that hang. Once
// the breaker opens on their timeouts, the queued ones are deferred as they leave the queue
// instead of each hanging until its own timeout.
TEST_F(HealthTest, QueuedDeliveriesAreDeferredOnceTheBreakerOpens) {
  flaky.set_handler([](const test_support::ReceivedRequest&) { return Behaviour::hang(); });
  publish_webhook({.id = "wh-dead", .url = flaky.url("/", "localhost")});
  const std::string yaml = scenario.config_yaml(ca.ca_file(), "health: {failures_to_unhealthy: 2, probe_interval: 30s}\n",
                                                "timeout: 2s, max_in_flight_per_origin: 2");
  auto hookd = start_ready_hookd(yaml);
  constexpr int kEvents = 20;
  for (int i = 0; i < kEvents; ++i) publish_event({.id = "evt-q" + std::to_string(i)});

  // Two attempts hang until their timeout and open the breaker (a third may leave the queue
  // while the first failure is being recorded); the rest, queued behind them, are deferred
  // without reaching the endpoint. Before queued deliveries asked the breaker again, all 20
  // went out, two every 2 s.
  auto value_of = [](const std::string& metrics, const std::string& series) {
    const auto at = metrics.find("\n" + series + " ");
    return at == std::string::npos ? 0.0 : std::stod(metrics.substr(at + series.size() + 2));
  };
  std::string metrics;
  double deferred = 0, timed_out = 0;
  EXPECT_TRUE(wait_until([&] {
    hookd->admin_get("/metrics", &metrics);
    deferred = value_of(metrics, "hookd_deliveries_deferred_total{reason=\"breaker\"}");
    timed_out = value_of(metrics, "hookd_delivery_attempts_total{result=\"timeout\"}");
    return deferred + timed_out >= kEvents;
  }, 15s)) << "deferred " << deferred << ", timed out " << timed_out << "\n" << hookd->log_tail(30);
  EXPECT_LE(flaky.request_count(), 4u);
  EXPECT_GE(deferred, kEvents - 4);
}

}  // namespace
}  // namespace hookd::it
