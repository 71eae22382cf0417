// hookd as a process against the real broker and a real HTTPS receiver with a test CA:
// the delivery contract (docs/contract.md), one behaviour per test.
#include "integration/harness/scenario_test.h"
#include "signing/signature.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using ::testing::HasSubstr;

class DeliveryTest : public ScenarioTest {
 protected:
  // Starts hookd on this scenario and waits until it is ready.
  std::unique_ptr<HookdProcess> start_hookd(const std::string& extra = "",
                                            const std::string& delivery = "timeout: 2s") {
    return start_ready_hookd(scenario.config_yaml(ca.ca_file(), extra, delivery));
  }


  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(DeliveryTest, SignedDeliveryVerifies) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  publish_webhook({.id = "wh-1", .url = receiver.url("/hook?token=abc", "localhost"), .secret = secret,
                   .events = {"TODO_CREATED"}});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(receiver.wait_for_requests(1, 20s)) << hookd->log();

  const auto r = receiver.requests().at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hook?token=abc");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_THAT(r.header("user-agent"), HasSubstr("hookd/"));
  EXPECT_EQ(r.header("x-blue-event"), "TODO_CREATED");
  EXPECT_EQ(r.header("x-blue-webhook-id"), "wh-1");
  EXPECT_EQ(r.header("x-blue-attempt"), "1");
  const auto key = signing::make_signing_key(secret);
  const std::string id = r.header("webhook-id");
  EXPECT_EQ(id.find('.'), std::string::npos);
  const auto ts = std::stoll(r.header("webhook-timestamp"));
  EXPECT_LT(std::llabs(ts - std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count()), 60);
  EXPECT_EQ(r.header("webhook-signature"), signing::standard_webhooks_signature(key, id, ts, r.body));
  EXPECT_EQ(r.header("x-signature"), signing::blue_signature_hex(key, r.body));

  const auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.begin()->key(), "event");
  EXPECT_EQ(body.at("eventId").as_string(), "evt-1");
  EXPECT_EQ(body.at("webhook").at("id").as_string(), "wh-1");
  EXPECT_FALSE(body.at("webhook").as_object().contains("secret"));
  EXPECT_EQ(body.at("currentValue").at("title").as_string(), "A todo");
  // Secrets and URL paths never reach the log.
  EXPECT_THAT(hookd->log(), ::testing::Not(HasSubstr(secret)));
  EXPECT_THAT(hookd->log(), ::testing::Not(HasSubstr("token=abc")));
}

TEST_F(DeliveryTest, UnsignedWhenSecretEmpty) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(receiver.wait_for_requests(1, 20s)) << hookd->log();
  const auto r = receiver.requests().at(0);
  EXPECT_FALSE(r.has_header("webhook-signature"));
  EXPECT_FALSE(r.has_header("x-signature"));
  EXPECT_TRUE(r.has_header("webhook-id"));
}

TEST_F(DeliveryTest, UrlChangeTakesEffect) {
  HttpsReceiver second{{.tls = true, .certificate = ca.localhost()}};
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(wait_for_event(receiver, "evt-1", 20s)) << hookd->log();

  publish_webhook({.id = "wh-1", .url = second.url("/", "localhost")});
  std::this_thread::sleep_for(1500ms);  // "within a second"
  publish_event({.id = "evt-2"});
  ASSERT_TRUE(wait_for_event(second, "evt-2", 20s)) << hookd->log();
  EXPECT_EQ(requests_for(receiver, "evt-2").size(), 0u);
}

TEST_F(DeliveryTest, DisableAndDeleteStopDeliveries) {
  HttpsReceiver marker{{.tls = true, .certificate = ca.localhost()}};
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  publish_webhook({.id = "wh-marker", .url = marker.url("/", "localhost")});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(wait_for_event(receiver, "evt-1", 20s)) << hookd->log();

  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost"), .enabled = false});
  std::this_thread::sleep_for(1500ms);
  publish_event({.id = "evt-2"});
  ASSERT_TRUE(wait_for_event(marker, "evt-2", 20s));  // the marker webhook got it: hookd processed it

  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  std::this_thread::sleep_for(1500ms);
  publisher.tombstone(scenario.webhooks, "wh-1");
  std::this_thread::sleep_for(1500ms);
  publish_event({.id = "evt-3"});
  ASSERT_TRUE(wait_for_event(marker, "evt-3", 20s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(requests_for(receiver, "evt-2").size(), 0u) << "disabled webhook received a delivery";
  EXPECT_EQ(requests_for(receiver, "evt-3").size(), 0u) << "deleted webhook received a delivery";
}

TEST_F(DeliveryTest, ScopingByTypeProjectAndTenant) {
  HttpsReceiver other_tenant{{.tls = true, .certificate = ca.localhost()}};
  publish_webhook({.id = "wh-scoped", .url = receiver.url("/", "localhost"), .company = "company-a",
                   .events = {"TODO_CREATED"}, .projects = {"project-1"}});
  // Another tenant's webhook subscribed to everything, including company-a's project id.
  publish_webhook({.id = "wh-other", .url = other_tenant.url("/", "localhost"), .company = "company-b",
                   .projects = {"project-1"}});
  auto hookd = start_hookd();
  publish_event({.id = "wrong-type", .type = "COMMENT_CREATED"});
  publish_event({.id = "wrong-project", .project = "project-2"});
  publish_event({.id = "no-project", .project = ""});
  publish_event({.id = "b-event", .company = "company-b"});
  publish_event({.id = "match"});
  ASSERT_TRUE(wait_for_event(receiver, "match", 20s)) << hookd->log();
  ASSERT_TRUE(wait_for_event(other_tenant, "b-event", 20s)) << hookd->log();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(receiver.request_count(), 1u) << "only the matching event reaches the scoped webhook";
  EXPECT_EQ(other_tenant.request_count(), 1u) << "company-a's events never reach company-b's webhook";
}

TEST_F(DeliveryTest, InvalidEventGoesToDeadLetterAndNextIsDelivered) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd();
  publisher.send(scenario.events, "bad-key", "{\"id\": \"x\", \"event\": tru");
  publish_event({.id = "evt-after"});
  ASSERT_TRUE(wait_for_event(receiver, "evt-after", 20s)) << hookd->log();

  const auto letters = read_topic(scenario.dead_letter, 1, 20s);
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].key, "bad-key");
  EXPECT_EQ(letters[0].value.value_or(""), "{\"id\": \"x\", \"event\": tru");
  EXPECT_EQ(letters[0].headers.at("hookd-kind"), "invalid_event");
  EXPECT_EQ(letters[0].headers.at("hookd-reason"), "not_json");
  EXPECT_THAT(letters[0].headers.at("hookd-source"), HasSubstr(scenario.events));
  std::string metrics;
  EXPECT_EQ(hookd->admin_get("/metrics", &metrics), 200);
  EXPECT_THAT(metrics, HasSubstr("hookd_events_invalid_total{reason=\"not_json\"} 1"));
}

TEST_F(DeliveryTest, EveryKindOfInvalidEventIsDeadLetteredWithItsReason) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("limits: {max_event_bytes: 4KiB}\n");
  const std::map<std::string, std::string> bad = {
      {"k-not-json", "not json at all"},
      {"k-not-object", R"(["an","array"])"},
      {"k-missing", R"({"id":"e1","event":"TODO_CREATED","occurredAt":"2026-11-23T10:00:00Z"})"},
      {"k-invalid", R"({"id":"e1","event":"todo created","occurredAt":"2026-11-23T10:00:00Z","company":{"id":"c"}})"},
      {"k-duplicate", R"({"id":"e1","id":"e2","event":"X","occurredAt":"2026-11-23T10:00:00Z","company":{"id":"c"}})"},
      {"k-utf8", "{\"id\":\"e1\",\"event\":\"X\",\"occurredAt\":\"2026-11-23T10:00:00Z\",\"company\":{\"id\":\"\xff\"}}"},
      {"k-large", event_json({.id = "big", .current_value = "\"" + std::string(5000, 'x') + "\""})},
  };
  const std::map<std::string, std::string> expected_reason = {
      {"k-not-json", "not_json"},   {"k-not-object", "not_object"},     {"k-missing", "missing_field"},
      {"k-invalid", "invalid_field"}, {"k-duplicate", "duplicate_key"}, {"k-utf8", "invalid_utf8"},
      {"k-large", "too_large"}};
  for (const auto& [key, value] : bad) publisher.send(scenario.events, key, value);
  publish_event({.id = "evt-after"});
  ASSERT_TRUE(wait_for_event(receiver, "evt-after", 20s)) << hookd->log();

  const auto letters = read_topic(scenario.dead_letter, bad.size(), 20s);
  ASSERT_EQ(letters.size(), bad.size()) << hookd->log();
  for (const auto& letter : letters) {
    SCOPED_TRACE(letter.key);
    ASSERT_TRUE(expected_reason.count(letter.key));
    EXPECT_EQ(letter.headers.at("hookd-reason"), expected_reason.at(letter.key));
    EXPECT_EQ(letter.headers.at("hookd-kind"), "invalid_event");
    EXPECT_EQ(letter.value.value_or(""), bad.at(letter.key)) << "the original bytes, unchanged";
  }
  EXPECT_TRUE(hookd->running());
}

TEST_F(DeliveryTest, InvalidSubscriptionReplacingValidStopsDeliveries) {
  HttpsReceiver marker{{.tls = true, .certificate = ca.localhost()}};
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  publish_webhook({.id = "wh-marker", .url = marker.url("/", "localhost")});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(wait_for_event(receiver, "evt-1", 20s)) << hookd->log();

  publish_webhook({.id = "wh-1", .url = "ftp://not-http.example/"});
  std::this_thread::sleep_for(1500ms);
  publish_event({.id = "evt-2"});
  ASSERT_TRUE(wait_for_event(marker, "evt-2", 20s)) << hookd->log();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(requests_for(receiver, "evt-2").size(), 0u) << "a stale version of an invalid webhook was used";
  std::string metrics;
  hookd->admin_get("/metrics", &metrics);
  EXPECT_THAT(metrics, HasSubstr("hookd_subscriptions_invalid_total{reason=\"invalid_url\"} 1"));
}

TEST_F(DeliveryTest, FailedAttemptBecomesRetryRecord) {
  receiver.set_default(Behaviour::respond(500));
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost"), .secret = "s3cret"});
  auto hookd = start_hookd();
  publish_event({.id = "evt-1"});
  ASSERT_TRUE(receiver.wait_for_requests(1, 20s)) << hookd->log();

  const auto records = read_topic(scenario.first_retry_topic(), 1, 20s);
  ASSERT_EQ(records.size(), 1u) << hookd->log();
  EXPECT_EQ(records[0].key, "wh-1");
  const auto json = boost::json::parse(records[0].value.value_or("{}")).as_object();
  EXPECT_EQ(json.at("webhookId").as_string(), "wh-1");
  EXPECT_EQ(json.at("eventId").as_string(), "evt-1");
  EXPECT_EQ(json.at("attempts").as_int64(), 1);
  EXPECT_EQ(json.at("history").at(0).at("status").as_int64(), 500);
  EXPECT_EQ(json.at("history").at(0).at("result").as_string(), "5xx");
  // The retry carries the exact bytes that were sent, and no secret.
  EXPECT_THAT(*records[0].value, HasSubstr(receiver.requests().at(0).body));
  EXPECT_THAT(*records[0].value, ::testing::Not(HasSubstr("s3cret")));
}

TEST_F(DeliveryTest, BlockedTargetGoesToDeadLetter) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  // This hookd does not allow private networks: loopback is refused by the guard.
  auto hookd = std::make_unique<HookdProcess>(scenario.config_yaml(""));
  hookd->start();
  ASSERT_TRUE(hookd->wait_ready(60s)) << hookd->log();
  publish_event({.id = "evt-1"});
  const auto letters = read_topic(scenario.dead_letter, 1, 20s);
  ASSERT_EQ(letters.size(), 1u) << hookd->log();
  EXPECT_EQ(letters[0].headers.at("hookd-kind"), "delivery");
  EXPECT_EQ(letters[0].headers.at("hookd-reason"), "blocked");
  EXPECT_EQ(letters[0].headers.at("hookd-webhook-id"), "wh-1");
  EXPECT_EQ(receiver.request_count(), 0u);
}

TEST_F(DeliveryTest, NotReadyUntilTopicsExistThenReady) {
  Scenario missing;  // topics not created yet
  HookdProcess hookd(missing.config_yaml(ca.ca_file()));
  hookd.start();
  // Waits for the log line rather than a fixed time: a slower build (ThreadSanitizer) takes
  // longer than a release build to get there.
  EXPECT_TRUE(wait_until([&] { return hookd.log().find("waiting for a topic hookd does not create") != std::string::npos; },
                         60s))
      << hookd.log();
  EXPECT_TRUE(hookd.running()) << hookd.log();
  EXPECT_EQ(hookd.admin_get("/healthz"), 200) << hookd.log();
  EXPECT_EQ(hookd.admin_get("/readyz"), 503);
  missing.create_input_topics();
  EXPECT_TRUE(hookd.wait_ready(60s)) << hookd.log();
  std::string metrics;
  hookd.admin_get("/metrics", &metrics);
  EXPECT_THAT(metrics, HasSubstr("hookd_snapshot_ready 1"));
}

TEST_F(DeliveryTest, SigtermDrainsInFlightDeliveries) {
  receiver.set_default([] {
    Behaviour b = Behaviour::respond(200);
    b.delay = 1500ms;
    return b;
  }());
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd("shutdown: {grace_period: 10s}\n");
  publish_event({.id = "evt-1"});
  // Wait until the request is being answered, then stop hookd mid-request.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (receiver.requests_in_progress() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(receiver.requests_in_progress(), 1u) << hookd->log();
  EXPECT_EQ(hookd->terminate(20s), 0) << hookd->log();
  EXPECT_EQ(receiver.request_count(), 1u);

  // The drained delivery was committed: a new hookd in the same group does not send it again.
  receiver.set_default(Behaviour::respond(200));
  publish_event({.id = "evt-2"});
  auto again = start_hookd();
  ASSERT_TRUE(wait_for_event(receiver, "evt-2", 30s)) << again->log();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(requests_for(receiver, "evt-1").size(), 1u);
}

TEST_F(DeliveryTest, HangingReceiverDoesNotDelayAnother) {
  HttpsReceiver hanging{{.tls = true, .certificate = ca.localhost()}};
  hanging.set_default(Behaviour::hang());
  publish_webhook({.id = "wh-hang", .url = hanging.url("/", "127.0.0.1"), .events = {"TODO_CREATED"}});
  publish_webhook({.id = "wh-ok", .url = receiver.url("/", "localhost"), .events = {"TODO_CREATED"}});
  auto hookd = start_hookd("", "timeout: 30s");
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) publish_event({.id = "evt-" + std::to_string(i)});
  ASSERT_TRUE(receiver.wait_for_requests(10, 20s)) << hookd->log();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 10s) << "deliveries to the healthy receiver waited for the hanging one";
  EXPECT_GE(hanging.request_count() + hanging.requests_in_progress(), 1u);
}

// A loop that gets no records must not keep a replaced snapshot alive: at a million
// subscriptions each one is tens of MiB (docs/benchmarks.md, subscription scale).
TEST_F(DeliveryTest, ReplacedSnapshotsAreLetGoWhileNoEventsCome) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost")});
  auto hookd = start_hookd();
  // Changes while no event and no retry comes: neither loop handles a record.
  for (int n = 2; n <= 4; ++n) {
    publish_webhook({.id = "wh-" + std::to_string(n), .url = receiver.url("/", "localhost")});
    std::string metrics;
    ASSERT_TRUE(wait_until([&] {
      hookd->admin_get("/metrics", &metrics);
      return test_support::metric_value(metrics, "hookd_subscriptions{state=\"enabled\"}").value_or(-1) == n;
    }, 20s)) << metrics;
  }
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    hookd->admin_get("/metrics", &metrics);
    return test_support::metric_value(metrics, "hookd_subscription_snapshots_retained").value_or(-1) == 0;
  }, 5s)) << metrics;
  EXPECT_EQ(hookd->terminate(20s), 0) << hookd->log();
}

}  // namespace
}  // namespace hookd::it
