// The health state machine and the circuit breaker, on an injected clock.
#include "health/tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace hookd::health {
namespace {

using namespace std::chrono_literals;

class FakeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point steady_now() const override { return steady; }
  std::int64_t unix_ms_now() const override { return unix_ms; }
  void advance(std::chrono::milliseconds d) {
    steady += d;
    unix_ms += d.count();
  }
  std::chrono::steady_clock::time_point steady{std::chrono::hours(1000)};
  std::int64_t unix_ms = 1'700'000'000'000;
};

struct Seen {
  std::string webhook_id;
  std::optional<Status> from;
  Status to;
  std::int64_t since;
  int failures;
  std::string last_result;
  int last_status;
};

class RecordingListener final : public Listener {
 public:
  void on_transition(const Transition& t) override {
    transitions.push_back({std::string(t.webhook_id), t.from, t.to, t.since_unix_ms, t.consecutive_failures,
                           std::string(t.last_result), t.last_status});
  }
  void on_forget(std::string_view webhook_id, Status last) override { forgotten.emplace_back(webhook_id, last); }
  std::vector<Seen> transitions;
  std::vector<std::pair<std::string, Status>> forgotten;
};

const AttemptSummary kOk{Verdict::success, "2xx", 200};
const AttemptSummary k500{Verdict::failure, "5xx", 500};
const AttemptSummary kTimeout{Verdict::failure, "timeout", 0};
const AttemptSummary k410{Verdict::gone, "4xx", 410};

class TrackerTest : public ::testing::Test {
 protected:
  FakeClock clock;
  RecordingListener listener;
  Tracker tracker{{.failures_to_unhealthy = 3, .probe_interval = 30s}, clock, listener};

  void fail(const std::string& id, int times, const AttemptSummary& how = k500) {
    for (int i = 0; i < times; ++i) tracker.record(id, how);
  }
};

TEST_F(TrackerTest, UnseenWebhooksHaveNoStatusAndAreSentTo) {
  EXPECT_EQ(tracker.admit("wh-1"), Admission::send);
  EXPECT_FALSE(tracker.find("wh-1"));
  EXPECT_EQ(tracker.count(Status::healthy), 0u);
}

TEST_F(TrackerTest, FirstSuccessMakesItHealthyOnce) {
  tracker.record("wh-1", kOk);
  tracker.record("wh-1", kOk);
  ASSERT_EQ(listener.transitions.size(), 1u);
  const auto& t = listener.transitions[0];
  EXPECT_EQ(t.webhook_id, "wh-1");
  EXPECT_FALSE(t.from);
  EXPECT_EQ(t.to, Status::healthy);
  EXPECT_EQ(t.since, clock.unix_ms);
  EXPECT_EQ(t.failures, 0);
  EXPECT_EQ(t.last_result, "2xx");
  EXPECT_EQ(t.last_status, 200);
  EXPECT_EQ(tracker.count(Status::healthy), 1u);
}

TEST_F(TrackerTest, UnhealthyExactlyAtTheThreshold) {
  tracker.record("wh-1", kOk);
  fail("wh-1", 2);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::healthy) << "two failures are below the threshold of three";
  EXPECT_EQ(tracker.find("wh-1")->consecutive_failures, 2);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::send);
  fail("wh-1", 1, kTimeout);
  ASSERT_EQ(listener.transitions.size(), 2u);
  const auto& t = listener.transitions[1];
  EXPECT_EQ(t.from, Status::healthy);
  EXPECT_EQ(t.to, Status::unhealthy);
  EXPECT_EQ(t.failures, 3);
  EXPECT_EQ(t.last_result, "timeout");
  EXPECT_EQ(t.last_status, 0);
  EXPECT_EQ(tracker.count(Status::healthy), 0u);
  EXPECT_EQ(tracker.count(Status::unhealthy), 1u);
  // Further failures are no change: nothing more is published.
  fail("wh-1", 4);
  EXPECT_EQ(listener.transitions.size(), 2u);
  EXPECT_EQ(tracker.find("wh-1")->consecutive_failures, 7);
}

TEST_F(TrackerTest, ASuccessResetsTheCount) {
  fail("wh-1", 2);
  tracker.record("wh-1", kOk);
  fail("wh-1", 2);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::healthy);
  EXPECT_EQ(tracker.find("wh-1")->consecutive_failures, 2);
}

TEST_F(TrackerTest, NeverSeenToSucceedTurnsUnhealthyFromNoStatus) {
  fail("wh-1", 3);
  ASSERT_EQ(listener.transitions.size(), 1u);
  EXPECT_FALSE(listener.transitions[0].from);
  EXPECT_EQ(listener.transitions[0].to, Status::unhealthy);
}

TEST_F(TrackerTest, OpenBreakerDefersAllButOneProbePerInterval) {
  fail("wh-1", 3);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::defer) << "the first probe waits one interval";
  clock.advance(29s);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::defer);
  clock.advance(1s);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::probe);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(tracker.admit("wh-1"), Admission::defer) << "one probe per interval";
  // The probe fails: still open, the next probe one interval after the last one went out.
  tracker.record("wh-1", k500);
  clock.advance(29s);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::defer);
  clock.advance(1s);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::probe);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::defer);
}

TEST_F(TrackerTest, SuccessfulProbeClosesTheBreaker) {
  fail("wh-1", 3);
  clock.advance(30s);
  ASSERT_EQ(tracker.admit("wh-1"), Admission::probe);
  tracker.record("wh-1", kOk);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::healthy);
  EXPECT_EQ(listener.transitions.back().from, Status::unhealthy);
  EXPECT_EQ(listener.transitions.back().to, Status::healthy);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(tracker.admit("wh-1"), Admission::send);
}

TEST_F(TrackerTest, BreakerIsPerWebhook) {
  fail("wh-dead", 3);
  tracker.record("wh-ok", kOk);
  EXPECT_EQ(tracker.admit("wh-dead"), Admission::defer);
  EXPECT_EQ(tracker.admit("wh-ok"), Admission::send);
  EXPECT_EQ(tracker.admit("wh-unknown"), Admission::send);
}

TEST_F(TrackerTest, GoneIsStickyUntilASuccess) {
  tracker.record("wh-1", kOk);
  tracker.record("wh-1", k410);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::gone);
  EXPECT_EQ(listener.transitions.back().last_status, 410);
  fail("wh-1", 10);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::gone) << "a 5xx does not withdraw a 410";
  EXPECT_EQ(tracker.admit("wh-1"), Admission::send) << "GONE opens no breaker";
  tracker.record("wh-1", kOk);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::healthy);
  EXPECT_EQ(listener.transitions.size(), 3u);
}

TEST_F(TrackerTest, GoneWhileUnhealthyClosesTheBreaker) {
  fail("wh-1", 3);
  clock.advance(30s);
  ASSERT_EQ(tracker.admit("wh-1"), Admission::probe);
  tracker.record("wh-1", k410);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::gone);
  EXPECT_EQ(tracker.admit("wh-1"), Admission::send);
  EXPECT_EQ(tracker.count(Status::unhealthy), 0u);
  EXPECT_EQ(tracker.count(Status::gone), 1u);
}

TEST_F(TrackerTest, RetainDropsDeletedWebhooks) {
  fail("wh-deleted", 3);
  tracker.record("wh-kept", kOk);
  fail("wh-no-status", 1);
  EXPECT_EQ(tracker.size(), 3u);
  EXPECT_EQ(tracker.retain([](std::string_view id) { return id == "wh-kept"; }), 2u);
  EXPECT_EQ(tracker.size(), 1u);
  ASSERT_EQ(listener.forgotten.size(), 1u) << "only webhooks with a status are counted anywhere";
  EXPECT_EQ(listener.forgotten[0].first, "wh-deleted");
  EXPECT_EQ(listener.forgotten[0].second, Status::unhealthy);
  EXPECT_EQ(tracker.count(Status::unhealthy), 0u);
  EXPECT_EQ(tracker.admit("wh-deleted"), Admission::send);
  // A webhook re-created with the same id starts afresh.
  fail("wh-deleted", 2);
  EXPECT_EQ(tracker.find("wh-deleted")->status, std::nullopt);
}

TEST(TrackerSettings, AThresholdOfOneOpensOnTheFirstFailure) {
  FakeClock clock;
  RecordingListener listener;
  Tracker tracker({.failures_to_unhealthy = 1, .probe_interval = 1s}, clock, listener);
  tracker.record("wh-1", k500);
  EXPECT_EQ(tracker.find("wh-1")->status, Status::unhealthy);
}

TEST(TrackerConcurrency, ManyThreadsManyWebhooksKeepExactCounts) {
  FakeClock clock;
  struct Counting final : Listener {
    std::atomic<int> transitions{0};
    void on_transition(const Transition&) override { ++transitions; }
    void on_forget(std::string_view, Status) override {}
  } counting;
  Tracker tracker({.failures_to_unhealthy = 5, .probe_interval = 1s}, clock, counting);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tracker] {
      for (int i = 0; i < 2000; ++i) {
        const std::string id = "wh-" + std::to_string(i % 50);
        (void)tracker.admit(id);
        tracker.record(id, (i % 50) < 10 ? k500 : kOk);  // wh-0..9 always fail
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(tracker.count(Status::unhealthy), 10u);
  EXPECT_EQ(tracker.count(Status::healthy), 40u);
  EXPECT_EQ(counting.transitions.load(), 50);
  EXPECT_EQ(tracker.admit("wh-3"), Admission::defer);
}

}  // namespace
}  // namespace hookd::health
