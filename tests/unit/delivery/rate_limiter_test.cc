#include "delivery/rate_limiter.h"

#include <gtest/gtest.h>

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimiter::Clock;

const Clock::time_point t0 = Clock::time_point{} + 1000s;

TEST(RateLimiter, SpacesSendsEvenlyAtTheRate) {
  RateLimiter limiter({5s, 1024});
  // 10/s: slots every 100 ms, the first one now.
  for (int i = 0; i < 20; ++i) {
    const auto r = limiter.reserve("wh", 10, t0);
    ASSERT_TRUE(r.granted) << i;
    EXPECT_EQ(r.send_at, t0 + i * 100ms) << i;
    EXPECT_EQ(r.waiting, static_cast<std::size_t>(i)) << i;  // the first one does not wait
  }
}

TEST(RateLimiter, IdleTimeIsNotBankedIntoABurst) {
  RateLimiter limiter({5s, 1024});
  ASSERT_TRUE(limiter.reserve("wh", 2, t0).granted);
  // A minute idle, then a burst: the first goes now, the next waits a full interval.
  const auto later = t0 + 60s;
  EXPECT_EQ(limiter.reserve("wh", 2, later).send_at, later);
  EXPECT_EQ(limiter.reserve("wh", 2, later).send_at, later + 500ms);
}

TEST(RateLimiter, RefusesASlotBeyondTheLongestWait) {
  RateLimiter limiter({1s, 1024});
  // 4/s with at most 1 s of waiting: slots at 0, 250, 500, 750, 1000 ms are granted.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.reserve("wh", 4, t0).granted) << i;
  const auto refused = limiter.reserve("wh", 4, t0);
  EXPECT_FALSE(refused.granted);
  // A refusal takes no slot: once time moves on, the next slot is the one after 1000 ms.
  const auto r = limiter.reserve("wh", 4, t0 + 600ms);
  ASSERT_TRUE(r.granted);
  EXPECT_EQ(r.send_at, t0 + 1250ms);
}

TEST(RateLimiter, RefusesBeyondTheWaitingCountAndCountsDownAsWaitsEnd) {
  RateLimiter limiter({1h, 3});
  ASSERT_TRUE(limiter.reserve("wh", 1, t0).granted);  // now: does not wait
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.reserve("wh", 1, t0).granted) << i;
  EXPECT_FALSE(limiter.reserve("wh", 1, t0).granted);
  limiter.done_waiting("wh");
  const auto r = limiter.reserve("wh", 1, t0);
  ASSERT_TRUE(r.granted);
  EXPECT_EQ(r.send_at, t0 + 4s);
  EXPECT_EQ(r.waiting, 3u);
}

TEST(RateLimiter, WebhooksArePacedIndependently) {
  RateLimiter limiter({5s, 1024});
  ASSERT_TRUE(limiter.reserve("slow", 1, t0).granted);
  EXPECT_EQ(limiter.reserve("slow", 1, t0).send_at, t0 + 1s);
  EXPECT_EQ(limiter.reserve("other", 1, t0).send_at, t0);
}

TEST(RateLimiter, FractionalRates) {
  RateLimiter limiter({10s, 1024});
  ASSERT_TRUE(limiter.reserve("wh", 0.5, t0).granted);
  EXPECT_EQ(limiter.reserve("wh", 0.5, t0).send_at, t0 + 2s);
}

TEST(RateLimiter, RetainDropsGoneWebhooksButNotOnesWithWaitingDeliveries) {
  RateLimiter limiter({5s, 1024});
  ASSERT_TRUE(limiter.reserve("gone-idle", 1, t0).granted);
  ASSERT_TRUE(limiter.reserve("gone-waiting", 1, t0).granted);
  ASSERT_TRUE(limiter.reserve("gone-waiting", 1, t0).granted);  // waits
  ASSERT_TRUE(limiter.reserve("kept", 1, t0).granted);
  EXPECT_EQ(limiter.retain([](std::string_view id) { return id == "kept"; }), 1u);
  limiter.done_waiting("gone-waiting");
  EXPECT_EQ(limiter.retain([](std::string_view id) { return id == "kept"; }), 1u);
  // "kept" still has its state: its next slot is one interval on.
  EXPECT_EQ(limiter.reserve("kept", 1, t0).send_at, t0 + 1s);
}

TEST(RateLimiter, AReceiversPauseHoldsAWebhookWithoutALimitAndNoOther) {
  RateLimiter limiter({5s, 1024});
  EXPECT_FALSE(limiter.may_hold(t0));
  EXPECT_EQ(limiter.reserve("wh", 0, t0).send_at, t0) << "no limit, no pause: now";

  limiter.hold_until("wh", t0 + 2s);
  EXPECT_TRUE(limiter.may_hold(t0 + 1s));
  for (int i = 0; i < 3; ++i) {
    const auto r = limiter.reserve("wh", 0, t0);
    ASSERT_TRUE(r.granted) << i;
    EXPECT_EQ(r.send_at, t0 + 2s) << "every delivery waits for the end of the pause, none spaced";
    EXPECT_TRUE(r.held);
  }
  const auto other = limiter.reserve("other", 0, t0);
  EXPECT_EQ(other.send_at, t0) << "another webhook is not paused";
  EXPECT_FALSE(other.held);

  EXPECT_FALSE(limiter.may_hold(t0 + 2s)) << "every pause has ended";
  const auto after = limiter.reserve("wh", 0, t0 + 3s);
  EXPECT_EQ(after.send_at, t0 + 3s);
  EXPECT_FALSE(after.held);
}

TEST(RateLimiter, APauseBeyondTheLongestWaitIsRefusedWithItsEnd) {
  RateLimiter limiter({5s, 1024});
  limiter.hold_until("wh", t0 + 60s);
  limiter.hold_until("wh", t0 + 10s);  // a shorter pause never shortens a longer one
  const auto refused = limiter.reserve("wh", 10, t0);
  EXPECT_FALSE(refused.granted);
  EXPECT_TRUE(refused.held);
  EXPECT_EQ(refused.send_at, t0 + 60s) << "the caller defers past the pause";
  // After the pause the rate applies again.
  EXPECT_EQ(limiter.reserve("wh", 10, t0 + 60s).send_at, t0 + 60s);
  EXPECT_EQ(limiter.reserve("wh", 10, t0 + 60s).send_at, t0 + 60s + 100ms);
}

}  // namespace
}  // namespace hookd::delivery
