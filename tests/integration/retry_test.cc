// The retry life of a delivery on the real broker, with a schedule of short delays.
#include "common/clock.h"
#include "integration/harness/scenario_test.h"
#include "retry/records.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using ::testing::HasSubstr;

Behaviour with_retry_after(int status, const std::string& seconds) {
  Behaviour b = Behaviour::respond(status);
  b.headers.emplace_back("Retry-After", seconds);
  return b;
}

class RetryTest : public ScenarioTest {
 protected:
  std::unique_ptr<HookdProcess> start_hookd(const std::string& schedule = "[200ms, 400ms, 800ms]",
                                            const std::string& extra = "") {
    return start_ready_hookd(scenario.config_yaml_with_schedule(ca.ca_file(), schedule) + extra);
  }


  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(RetryTest, ReceiverDownThenUpGetsEveryDeliveryWithRisingAttempts) {
  std::atomic<int> answered{0};
  receiver.set_handler([&](const test_support::ReceivedRequest&) {
    return ++answered <= 6 ? Behaviour::respond(503) : Behaviour::respond(200);
  });
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost"), .secret = "s"});
  // Six failures in a row would open the webhook's circuit breaker (health_test.cc covers
  // that); this test is about the schedule alone.
  auto hookd = start_hookd("[200ms, 400ms, 800ms, 1s, 1s]", "health: {failures_to_unhealthy: 10}\n");
  for (int i = 0; i < 3; ++i) publish_event({.id = "evt-" + std::to_string(i)});

  // 6 failures then successes: each event fails at most 4 times (of 6 attempts), so each is
  // delivered exactly once in the end: 9 requests in all.
  ASSERT_TRUE(wait_until([&] { return answered >= 9; }, 30s)) << hookd->log();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(receiver.request_count(), 9u);
  for (int i = 0; i < 3; ++i) {
    const auto rs = requests_for(receiver, "evt-" + std::to_string(i));
    ASSERT_FALSE(rs.empty());
    std::set<std::string> ids;
    int previous = 0;
    for (const auto& r : rs) {
      ids.insert(r.header("webhook-id"));
      const int attempt = std::stoi(r.header("x-blue-attempt"));
      EXPECT_GT(attempt, previous) << "attempt numbers rise";
      previous = attempt;
    }
    EXPECT_EQ(ids.size(), 1u) << "one webhook-id for every attempt of a delivery";
  }
}

TEST_F(RetryTest, AlwaysFailingEndsInADeadLetterWithTheFullHistory) {
  Behaviour failing = Behaviour::respond(500);
  failing.body = "upstream is down";
  receiver.set_default(failing);
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[100ms, 200ms, 300ms]");
  publish_event({.id = "evt-1"});

  const auto letters = read_topic(scenario.dead_letter, 1, 30s);
  ASSERT_EQ(letters.size(), 1u) << hookd->log();
  EXPECT_EQ(letters[0].headers.at("hookd-kind"), "delivery");
  EXPECT_EQ(letters[0].headers.at("hookd-reason"), "exhausted");
  EXPECT_EQ(letters[0].headers.at("hookd-webhook-id"), "wh-1");
  EXPECT_EQ(letters[0].value.value_or(""), event_json({.id = "evt-1"})) << "the original event bytes";
  const auto history = boost::json::parse(letters[0].headers.at("hookd-attempts")).as_array();
  ASSERT_EQ(history.size(), 4u) << "3 delays = 4 attempts";
  for (const auto& a : history) {
    EXPECT_EQ(a.at("status").as_int64(), 500);
    EXPECT_EQ(a.at("response").as_string(), "upstream is down");
  }
  EXPECT_EQ(receiver.request_count(), 4u);

  // The attempts log: one record per attempt, the last one final, no secret and no body.
  const auto log = read_topic(scenario.attempts(), 4, 20s);
  ASSERT_EQ(log.size(), 4u) << hookd->log();
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].key, "wh-1");
    const auto entry = boost::json::parse(log[i].value.value_or("{}")).as_object();
    EXPECT_EQ(entry.at("attempt").as_int64(), static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(entry.at("result").as_string(), "5xx");
    EXPECT_EQ(entry.at("nextDueAt").is_null(), i == 3) << "only the last attempt is final";
    EXPECT_THAT(*log[i].value, ::testing::Not(HasSubstr("currentValue")));
  }
  // The counter moves in the producer's acknowledgement, which may trail the record by a moment.
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    hookd->admin_get("/metrics", &metrics);
    return metrics.find("hookd_dead_letters_total{reason=\"exhausted\"} 1") != std::string::npos;
  }, 5s)) << metrics;
}

TEST_F(RetryTest, GoneStopsAtOnce) {
  receiver.set_default(Behaviour::respond(410));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[100ms, 200ms]");
  publish_event({.id = "evt-1"});
  const auto letters = read_topic(scenario.dead_letter, 1, 20s);
  ASSERT_EQ(letters.size(), 1u) << hookd->log();
  EXPECT_EQ(letters[0].headers.at("hookd-reason"), "gone");
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(receiver.request_count(), 1u) << "no attempt after a 410";
}

TEST_F(RetryTest, RetryAfterSendsTheRecordToALongEnoughTier) {
  receiver.enqueue(with_retry_after(503, "2"));
  receiver.set_default(Behaviour::respond(200));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[100ms, 3s, 5s]");
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(receiver.wait_for_requests(2, 30s)) << hookd->log();
  const auto rs = receiver.requests();
  EXPECT_GE(rs[1].arrived - rs[0].arrived, 2s) << "Retry-After honoured";
  EXPECT_EQ(rs[1].header("x-blue-attempt"), "2");
  const auto on_3s = read_topic(scenario.retry_prefix + ".3s", 1, 10s);
  EXPECT_EQ(on_3s.size(), 1u) << "the first tier at least as long as Retry-After";
  EXPECT_TRUE(read_topic(scenario.retry_prefix + ".100ms", 1, 1s).empty());
}

TEST_F(RetryTest, ALaterDueRecordDoesNotDelayAnotherTier) {
  HttpsReceiver slow_lane{{.tls = true, .certificate = ca.localhost()}};
  slow_lane.enqueue(with_retry_after(503, "20"));  // waits on the 30s tier
  slow_lane.set_default(Behaviour::respond(200));
  receiver.enqueue(Behaviour::respond(500));        // waits on the 100ms tier
  receiver.set_default(Behaviour::respond(200));
  publish_webhook({.id = "wh-slow", .url = slow_lane.url("/", "localhost")});
  publish_webhook({.id = "wh-fast", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[100ms, 30s]");
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(slow_lane.wait_for_requests(1, 20s));
  ASSERT_TRUE(receiver.wait_for_requests(2, 10s)) << "the fast tier's retry waited for the slow tier\n" << hookd->log();
  EXPECT_EQ(slow_lane.request_count(), 1u);
}

TEST_F(RetryTest, WebhookDeletedOrMovedWhileARetryWaits) {
  HttpsReceiver moved_to{{.tls = true, .certificate = ca.localhost()}};
  receiver.set_default(Behaviour::respond(500));
  publish_webhook({.id = "wh-deleted", .url = receiver.url("/deleted", "localhost")});
  publish_webhook({.id = "wh-moved", .url = receiver.url("/moved", "localhost")});
  auto hookd = start_hookd("[3s, 3s]");
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(receiver.wait_for_requests(2, 20s)) << hookd->log();
  publisher.tombstone(scenario.webhooks, "wh-deleted");
  publish_webhook({.id = "wh-moved", .url = moved_to.url("/new", "localhost")});

  ASSERT_TRUE(moved_to.wait_for_requests(1, 20s)) << hookd->log();
  EXPECT_EQ(moved_to.requests()[0].header("x-blue-attempt"), "2");
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(receiver.request_count(), 2u) << "no retry to a deleted webhook or an old URL";
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    hookd->admin_get("/metrics", &metrics);
    return metrics.find("hookd_retries_dropped_total{reason=\"deleted\"} 1") != std::string::npos;
  }, 5s)) << metrics;
}

TEST_F(RetryTest, KillNineWithRetriesPendingLosesNothing) {
  std::atomic<bool> healthy{false};
  receiver.set_handler([&](const test_support::ReceivedRequest&) {
    return healthy ? Behaviour::respond(200) : Behaviour::respond(500);
  });
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  const std::string schedule = "[8s, 8s, 8s, 8s]";
  auto hookd = start_hookd(schedule);
  for (int i = 0; i < 5; ++i) publish_event({.id = "evt-" + std::to_string(i)});
  ASSERT_TRUE(receiver.wait_for_requests(5, 20s)) << hookd->log();
  // The five retry records are in Kafka and not yet due (8 s): kill now.
  ASSERT_EQ(read_topic(scenario.retry_prefix + ".8s", 5, 7s).size(), 5u) << hookd->log();
  hookd->kill9();
  healthy = true;
  auto again = start_hookd(schedule);
  const auto not_retried = [&] {
    std::vector<std::string> missing;
    for (int i = 0; i < 5; ++i) {
      const std::string id = "evt-" + std::to_string(i);
      bool delivered = false;
      for (const auto& r : requests_for(receiver, id)) delivered |= r.header("x-blue-attempt") != "1";
      if (!delivered) missing.push_back(id);
    }
    return missing;
  };
  ASSERT_TRUE(wait_until([&] { return not_retried().empty(); }, 40s))
      << ::testing::PrintToString(not_retried()) << " never came back as a retry\nfirst hookd:\n"
      << hookd->log() << "\nafter the restart:\n" << again->log();
}

TEST_F(RetryTest, RebalanceWhileAPartitionIsPausedLosesNothing) {
  std::atomic<bool> healthy{false};
  receiver.set_handler([&](const test_support::ReceivedRequest&) {
    return healthy ? Behaviour::respond(200) : Behaviour::respond(500);
  });
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto first = start_hookd("[4s, 4s]");
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(receiver.wait_for_requests(1, 20s)) << first->log();
  std::this_thread::sleep_for(1s);  // the retry record is held, its partition paused
  healthy = true;
  auto second = start_hookd("[4s, 4s]");  // joins both groups: a rebalance while paused
  ASSERT_TRUE(receiver.wait_for_requests(2, 40s)) << first->log() << second->log();
  EXPECT_EQ(receiver.requests()[1].header("x-blue-attempt"), "2");
}

TEST_F(RetryTest, AHeldRecordPausesOnlyItsOwnPartition) {
  // Two partitions of one tier: partition 0 holds a record due in 30 s; a record that is
  // already due arrives on partition 1 and goes out at once, not after partition 0's.
  receiver.set_default(Behaviour::respond(200));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  const std::string tier = scenario.retry_prefix + ".30s";
  create_topic(tier, 2);
  auto hookd = start_hookd("[30s]");
  const auto retry_record = [&](const std::string& event_id) {
    const std::string envelope = event_json({.id = event_id});
    return retry::serialize({.delivery_id = "dlv-" + event_id, .webhook_id = "wh-1", .event_id = event_id,
                             .event_type = "TODO_CREATED", .attempts = 1, .step = 0,
                             .source = {scenario.events, 0, 0}, .history = {}, .body = {}, .envelope = envelope});
  };
  publisher.send_at(tier, 0, common::system_clock().unix_ms_now(), "wh-1", retry_record("evt-waits"));
  std::this_thread::sleep_for(2s);  // taken and held: partition 0 is paused
  publisher.send_at(tier, 1, common::system_clock().unix_ms_now() - 40'000, "wh-1", retry_record("evt-due"));
  const auto due_written = std::chrono::steady_clock::now();

  ASSERT_TRUE(receiver.wait_for_requests(1, 20s)) << hookd->log();
  // Held behind partition 0 it would come 28 s or more after this write.
  EXPECT_LT(std::chrono::steady_clock::now() - due_written, 15s) << "not held behind partition 0";
  EXPECT_EQ(requests_for(receiver, "evt-due").size(), 1u);
  EXPECT_TRUE(requests_for(receiver, "evt-waits").empty()) << "partition 0's record waits for its due time";
}

TEST_F(RetryTest, ATierHoldingARecordStopsProgressingWhileAnotherKeepsUp) {
  // The gauges behind HookdRetryTierStuck: the 1h tier holds the second retry and releases
  // nothing, so its progress stays behind; the 200ms tier released its record and is idle.
  receiver.set_default(Behaviour::respond(500));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[200ms, 1h]");
  publish_event({.id = "evt-1"});
  ASSERT_EQ(read_topic(scenario.retry_prefix + ".1h", 1, 20s).size(), 1u) << hookd->log();
  const double held_at = static_cast<double>(common::system_clock().unix_ms_now()) / 1000.0;

  // Statistics come every 5 s: after three periods, the idle tier has been refreshed since the
  // hold and the holding tier has not.
  std::this_thread::sleep_for(15s);
  std::string metrics;
  ASSERT_EQ(hookd->admin_get("/metrics", &metrics), 200);
  const auto holding = test_support::metric_value(metrics, R"(hookd_retry_progress_timestamp_seconds{tier="1h"})");
  const auto idle = test_support::metric_value(metrics, R"(hookd_retry_progress_timestamp_seconds{tier="200ms"})");
  ASSERT_TRUE(holding && idle) << metrics;
  EXPECT_LE(*holding, held_at) << "the holding tier's progress stopped when it took the record";
  EXPECT_GT(*idle, held_at + 5) << "the idle tier keeps progressing";
  EXPECT_EQ(test_support::metric_value(metrics, R"(hookd_retry_tier_delay_seconds{tier="1h"})"), 3600.0);
  EXPECT_EQ(receiver.request_count(), 2u) << "the first attempt and the 200ms retry, nothing from the 1h tier yet";
}

TEST_F(RetryTest, AnErrorBodyThatIsNotUtf8DoesNotLoseTheDelivery) {
  // Latin-1 text, then gzip bytes: both go into the retry record's history and must read back.
  Behaviour latin1 = Behaviour::respond(500);
  latin1.body = "Erreur: donn\xE9" "es refus\xE9" "es";
  Behaviour gzip = Behaviour::respond(502);
  gzip.body = std::string("\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03\xCB\x48\xCD\xC9\xC9\x07\x00", 17);
  receiver.enqueue(latin1);
  receiver.enqueue(gzip);
  receiver.set_default(Behaviour::respond(200));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[200ms, 400ms]");
  publish_event({.id = "evt-1"});

  ASSERT_TRUE(receiver.wait_for_requests(3, 30s)) << "a retry record was lost\n" << hookd->log();
  EXPECT_EQ(receiver.requests()[2].header("x-blue-attempt"), "3");
  const auto second = read_topic(scenario.retry_prefix + ".400ms", 1, 10s);
  ASSERT_EQ(second.size(), 1u) << hookd->log();
  const auto record = boost::json::parse(second[0].value.value_or("")).as_object();
  ASSERT_EQ(record.at("history").as_array().size(), 2u);
  EXPECT_EQ(record.at("history").at(0).at("response").as_string(), "Erreur: donn\xEF\xBF\xBD" "es refus\xEF\xBF\xBD" "es");
  EXPECT_TRUE(read_topic(scenario.dead_letter, 1, 1s).empty());
}

TEST_F(RetryTest, ARetryRecordThatCannotBeReadGoesToTheDeadLetterTopic) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[200ms]");
  // What an older hookd wrote for a receiver's Latin-1 error body: not UTF-8, so not JSON.
  const std::string unreadable = std::string(R"({"deliveryId":"msg_1","history":[{"response":"donn)") + "\xE9" +
                                 R"(es"}]})";
  const std::string tier = scenario.retry_prefix + ".200ms";
  publisher.send_at(tier, 0, common::system_clock().unix_ms_now() - 1000, "wh-1", unreadable);

  const auto letters = read_topic(scenario.dead_letter, 1, 20s);
  ASSERT_EQ(letters.size(), 1u) << hookd->log();
  EXPECT_EQ(letters[0].key, "wh-1");
  EXPECT_EQ(letters[0].value.value_or(""), unreadable) << "the record's own bytes";
  EXPECT_EQ(letters[0].headers.at("hookd-kind"), "retry_record");
  EXPECT_EQ(letters[0].headers.at("hookd-reason"), "unreadable_record");
  const auto source = boost::json::parse(letters[0].headers.at("hookd-source")).as_object();
  EXPECT_EQ(source.at("topic").as_string(), tier);
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    hookd->admin_get("/metrics", &metrics);
    return metrics.find("hookd_dead_letters_total{reason=\"unreadable_record\"} 1") != std::string::npos;
  }, 5s)) << metrics;
  EXPECT_EQ(receiver.request_count(), 0u);
}

TEST_F(RetryTest, ATierDroppedFromTheScheduleIsStillDrained) {
  // Written when the schedule was [200ms, 400ms, 3s, 6s]; hookd now runs with [200ms, 400ms]:
  // the 3s tier is no longer in it, and the record's step (3) is beyond the new schedule.
  receiver.set_default(Behaviour::respond(200));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  const std::string removed = scenario.retry_prefix + ".3s";
  create_topic(removed, 1);
  const std::string envelope = event_json({.id = "evt-old"});
  const auto record = retry::serialize({.delivery_id = "msg_claimed", .webhook_id = "wh-1", .event_id = "evt-old",
                                        .event_type = "TODO_CREATED", .attempts = 2, .step = 3,
                                        .source = {scenario.events, 0, 0}, .history = {}, .body = {},
                                        .envelope = envelope});
  publisher.send_at(removed, 0, common::system_clock().unix_ms_now() - 5000, "wh-1", record);
  auto hookd = start_hookd("[200ms, 400ms]");

  ASSERT_TRUE(receiver.wait_for_requests(1, 30s)) << "a record on a removed tier was never read\n" << hookd->log();
  const auto rs = requests_for(receiver, "evt-old");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].header("x-blue-attempt"), "3");
  EXPECT_NE(rs[0].header("webhook-id"), "msg_claimed") << "the delivery id comes from the envelope";
}

TEST_F(RetryTest, ARecordFromALongerScheduleFailsOnItsLastStep) {
  // Attempt 3 of a schedule shortened to [200ms, 400ms] (three attempts) fails: exhausted,
  // whatever step the record said.
  receiver.set_default(Behaviour::respond(500));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("[200ms, 400ms]");
  const auto record = [&](const std::string& event_id, int attempts) {
    return retry::serialize({.delivery_id = "msg_" + event_id, .webhook_id = "wh-1", .event_id = event_id,
                             .event_type = "TODO_CREATED", .attempts = attempts, .step = 6,
                             .source = {scenario.events, 0, 0}, .history = {}, .body = {},
                             .envelope = event_json({.id = event_id})});
  };
  const auto past = common::system_clock().unix_ms_now() - 5000;
  publisher.send_at(scenario.retry_prefix + ".400ms", 0, past, "wh-1", record("evt-last", 2));
  publisher.send_at(scenario.retry_prefix + ".400ms", 0, past, "wh-1", record("evt-spent", 6));

  const auto letters = read_topic(scenario.dead_letter, 2, 30s);
  ASSERT_EQ(letters.size(), 2u) << hookd->log();
  for (const auto& letter : letters) EXPECT_EQ(letter.headers.at("hookd-reason"), "exhausted");
  EXPECT_EQ(requests_for(receiver, "evt-last").size(), 1u) << "its third and last attempt";
  EXPECT_TRUE(requests_for(receiver, "evt-spent").empty()) << "no attempt left: exhausted at once";
}

}  // namespace
}  // namespace hookd::it
