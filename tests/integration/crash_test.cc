// The crash test: kill -9 hookd while a stream of events is being delivered,
// start it again in the same consumer group, and check that nothing was lost.
//
// What makes it deterministic: the receiver's answer to a pair (event, webhook) is a pure
// function of the pair (200 or 500, and a small delay), so both runs of hookd see the same
// answers; correctness is checked on the final state only (every pair delivered, or recorded
// for retry), never on timing. Timing decides only where the kill lands, and the stream is
// published at a bounded pace while the kill waits for a fraction of the deliveries, so the
// kill always lands mid-stream.
//
// Duration: without static membership (the harness sets kafka.instance_id "") a killed member
// stays in the group until its session times out (6 s in the harness), so the restarted hookd
// gets its partitions a few seconds after the kill (static_membership_test.cc covers the
// restart with the same id, which needs no such wait).
#include "integration/harness/harness.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using test_support::ReceivedRequest;
using test_support::TestCa;

constexpr int kEvents = 300;
constexpr int kWebhooks = 3;
constexpr std::size_t kPairs = static_cast<std::size_t>(kEvents) * kWebhooks;
// The kill waits for this many deliveries: about a quarter of the stream.
constexpr std::size_t kKillAfter = 220;

using Pair = std::pair<std::string, std::string>;  // (event id, webhook id)

std::string event_id(int n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "crash-evt-%03d", n);
  return buf;
}
std::string webhook_id(int n) { return "wh-crash-" + std::to_string(n); }

// The receiver's fixed answer to a pair: about one pair in seven fails with 500 (so retry
// records are written), and every answer takes 2-30 ms (so deliveries overlap and some are in
// flight when the kill lands). Hashing the pair keeps it the same across both runs.
Behaviour answer_for(const Pair& pair) {
  const std::size_t h = std::hash<std::string>{}(pair.first + "/" + pair.second);
  Behaviour b = Behaviour::respond(h % 7 == 0 ? 500 : 200);
  b.delay = std::chrono::milliseconds(2 + static_cast<int>((h / 7) % 29));
  return b;
}

// The pair a delivery is for, from the body's eventId and the x-blue-webhook-id header.
std::optional<Pair> pair_of(const ReceivedRequest& request) {
  boost::system::error_code ec;
  const auto body = boost::json::parse(request.body, ec);
  if (ec || !body.is_object()) return std::nullopt;
  const auto* id = body.as_object().if_contains("eventId");
  if (id == nullptr || !id->is_string()) return std::nullopt;
  return Pair{std::string(id->as_string()), request.header("x-blue-webhook-id")};
}

// Retries of pairs answered 500 (attempt 2 and on, once hookd consumes its retry tiers) are
// not redeliveries: the duplicate bounds count first attempts only.
bool first_attempt(const ReceivedRequest& request) { return request.header("x-blue-attempt") == "1"; }

struct Deliveries {
  std::map<Pair, std::size_t> count;        // every delivery
  std::map<Pair, std::size_t> first_tries;  // deliveries with x-blue-attempt 1
  std::map<Pair, std::set<std::string>> webhook_ids;  // the webhook-id header(s) seen per pair
  std::size_t unidentified = 0;
};

// `before`: only requests that arrived before it (default: all).
Deliveries tally(const std::vector<ReceivedRequest>& requests,
                 std::chrono::steady_clock::time_point before = std::chrono::steady_clock::time_point::max()) {
  Deliveries d;
  for (const auto& r : requests) {
    if (r.arrived >= before) continue;
    const auto pair = pair_of(r);
    if (!pair) {
      ++d.unidentified;
      continue;
    }
    ++d.count[*pair];
    if (first_attempt(r)) ++d.first_tries[*pair];
    d.webhook_ids[*pair].insert(r.header("webhook-id"));
  }
  return d;
}

// The (event, webhook) pairs that have a retry record on `topic`. Records may repeat (a pair
// that failed in both runs), so the topic is read again, asking for more, until every
// expected pair is there or `timeout` passed.
std::set<Pair> pairs_with_retry_records(const std::string& topic, const std::set<Pair>& expected,
                                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::set<Pair> found;
  std::size_t want = expected.size();
  for (;;) {
    const auto records = read_topic(topic, want, 5s);
    found.clear();
    for (const auto& r : records) {
      boost::system::error_code ec;
      const auto json = boost::json::parse(r.value.value_or(""), ec);
      if (ec || !json.is_object()) continue;
      const auto* event = json.as_object().if_contains("eventId");
      const auto* webhook = json.as_object().if_contains("webhookId");
      if (event && webhook && event->is_string() && webhook->is_string())
        found.emplace(std::string(event->as_string()), std::string(webhook->as_string()));
    }
    bool complete = true;
    for (const auto& p : expected) complete = complete && found.count(p) > 0;
    if (complete || std::chrono::steady_clock::now() >= deadline) return found;
    want = records.size() + 1;
  }
}

TEST(Crash, KillNineMidStreamLosesNothing) {
  ASSERT_FALSE(bootstrap().empty()) << "HOOKD_TEST_KAFKA_STATE not set: run through ctest (kafka.start fixture)";
  const auto test_started = std::chrono::steady_clock::now();
  TestCa ca;
  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost(), .threads = 2}};
  receiver.set_handler([](const ReceivedRequest& r) {
    const auto pair = pair_of(r);
    return pair ? answer_for(*pair) : Behaviour::respond(400);
  });

  Scenario scenario;
  scenario.create_input_topics();
  Publisher publisher;
  for (int w = 0; w < kWebhooks; ++w)
    publisher.send(scenario.webhooks, webhook_id(w),
                   webhook_json({.id = webhook_id(w), .url = receiver.url("/hook/" + std::to_string(w), "localhost"),
                                 .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}));

  // A small per-origin cap keeps deliveries in flight (and the stream long enough to be cut);
  // the queue holds every pair (in length and in expected wait), and the one company's budget is
  // the whole global cap, so none is deferred to the retry tier for lack of room. The
  // breaker is kept shut: five 500s in a row for one webhook (which the pair hash allows, in
  // some processing orders) would otherwise defer its later pairs without a first attempt.
  const std::string config = scenario.config_yaml(
      ca.ca_file(), "health: {failures_to_unhealthy: 1000000}\n",
      "timeout: 5s, max_in_flight_per_origin: 8, max_queued_per_origin: 4096, max_origin_queue_wait: 60s, "
      "max_in_flight_per_tenant: 2048");
  auto first = std::make_unique<HookdProcess>(config);
  first->start();
  ASSERT_TRUE(first->wait_ready(60s)) << first->log();

  // The stream: published at a bounded pace from its own thread while the kill is pending.
  std::atomic<int> published{0};
  std::thread stream([&] {
    Publisher events;
    for (int i = 0; i < kEvents; ++i) {
      events.send(scenario.events, event_id(i), event_json({.id = event_id(i)}));
      published = i + 1;
      std::this_thread::sleep_for(5ms);
    }
  });

  const bool reached = receiver.wait_for_requests(kKillAfter, 40s);
  const bool first_was_running = first->running();
  first->kill9();
  const std::size_t delivered_before_kill = receiver.request_count();
  const int published_at_kill = published.load();
  stream.join();
  ASSERT_TRUE(reached) << "hookd delivered too little before the kill\n" << first->log();
  ASSERT_TRUE(first_was_running) << "hookd died by itself\n" << first->log();
  // Mid-stream: the kill cut a stream that was not fully delivered (or not even published).
  EXPECT_LT(delivered_before_kill, kPairs);

  // The expected pairs, split by the receiver's fixed answer.
  std::set<Pair> answered_ok;
  std::set<Pair> answered_500;
  for (int e = 0; e < kEvents; ++e)
    for (int w = 0; w < kWebhooks; ++w) {
      Pair p{event_id(e), webhook_id(w)};
      (answer_for(p).status == 500 ? answered_500 : answered_ok).insert(p);
    }
  ASSERT_FALSE(answered_500.empty());

  HookdProcess second(config);  // same group: it resumes from the committed offsets
  // What the first run delivered: everything that arrived before the second run started
  // (requests the first run wrote just before dying are read by the receiver after the kill).
  std::this_thread::sleep_for(500ms);
  const auto second_started = std::chrono::steady_clock::now();
  second.start();
  // Ready means partitions assigned, which waits for the dead member's session timeout.
  ASSERT_TRUE(second.wait_ready(70s)) << second.log();

  // Every pair reaches the receiver (500 pairs too: their first attempt is a request).
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  Deliveries seen;
  for (;;) {
    seen = tally(receiver.requests());
    std::size_t covered = 0;
    for (const auto& [pair, n] : seen.count) covered += n > 0;
    if (covered >= kPairs || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(200ms);
  }

  std::vector<Pair> missing;
  for (const auto* set : {&answered_ok, &answered_500})
    for (const auto& p : *set)
      if (seen.count.count(p) == 0) missing.push_back(p);
  EXPECT_TRUE(missing.empty()) << missing.size() << " pairs never reached the receiver, e.g. "
                               << (missing.empty() ? "" : missing[0].first + "/" + missing[0].second) << "\n"
                               << second.log();
  EXPECT_EQ(seen.unidentified, 0u);

  // Pairs answered 500 have a durable outcome: a retry record on the first retry tier.
  const auto remaining = std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(5s));
  const auto recorded = pairs_with_retry_records(scenario.first_retry_topic(), answered_500,
                                                 std::chrono::duration_cast<std::chrono::milliseconds>(remaining));
  std::size_t without_record = 0;
  for (const auto& p : answered_500) without_record += recorded.count(p) == 0;
  EXPECT_EQ(without_record, 0u) << "of " << answered_500.size() << " pairs answered 500 have no retry record";

  // Duplicates: one webhook-id per pair on every delivery, at most one first attempt per pair
  // per run of hookd, and no more in all than the first run delivered: only what the first
  // run had not committed is delivered again.
  const std::size_t first_run_deliveries = tally(receiver.requests(), second_started).count.size();
  std::size_t duplicates = 0;
  std::size_t pairs_over_two = 0;
  std::size_t inconsistent_ids = 0;
  std::set<std::string> all_ids;
  for (const auto& [pair, n] : seen.first_tries) {
    duplicates += n - 1;
    pairs_over_two += n > 2;
  }
  for (const auto& [pair, n] : seen.count) {
    inconsistent_ids += seen.webhook_ids[pair].size() != 1;
    all_ids.insert(seen.webhook_ids[pair].begin(), seen.webhook_ids[pair].end());
  }
  EXPECT_EQ(inconsistent_ids, 0u) << "a pair was delivered under two webhook-id values";
  EXPECT_EQ(all_ids.size(), seen.count.size()) << "two pairs shared a webhook-id";
  EXPECT_EQ(pairs_over_two, 0u) << "a pair was delivered more than once by one run";
  EXPECT_LE(duplicates, first_run_deliveries);
  EXPECT_EQ(seen.first_tries.size(), kPairs) << "every pair has a first attempt";

  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - test_started);
  std::printf("crash: %zu pairs (%zu answered 500), killed after %zu deliveries with %d/%d events published; "
              "first run delivered %zu pairs; %zu deliveries in all, %zu duplicate first attempts, "
              "%zu retry-record pairs; %lld ms\n",
              kPairs, answered_500.size(), delivered_before_kill, published_at_kill, kEvents, first_run_deliveries,
              receiver.request_count(), duplicates, recorded.size(), static_cast<long long>(took.count()));
  ::testing::Test::RecordProperty("duplicates", static_cast<int>(duplicates));
  ::testing::Test::RecordProperty("delivered_before_kill", static_cast<int>(delivered_before_kill));
  EXPECT_EQ(second.terminate(20s), 0) << second.log();
}

}  // namespace
}  // namespace hookd::it
