#include "retry/policy.h"

#include <gtest/gtest.h>

namespace hookd::retry {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kDefault = {"5s", "5m", "30m", "2h", "5h", "10h", "10h"};

TEST(RetryPolicy, DefaultScheduleIsEightAttemptsOverSixTiers) {
  RetryPolicy p(kDefault);
  EXPECT_EQ(p.max_attempts(), 8);
  EXPECT_EQ(p.tiers(), (std::vector<std::string>{"5s", "5m", "30m", "2h", "5h", "10h"}));
  EXPECT_EQ(p.tier_delay("30m"), 30min);
}

TEST(RetryPolicy, EachFailureMovesOneStepUntilExhausted) {
  RetryPolicy p(kDefault);
  int step = -1;
  std::vector<std::string> waited;
  for (int attempts = 1;; ++attempts) {
    auto next = p.next(attempts, step, std::nullopt);
    if (!next) {
      EXPECT_EQ(attempts, 8);
      break;
    }
    waited.push_back(next->delay_text);
    step = next->index;
  }
  EXPECT_EQ(waited, kDefault);
}

TEST(RetryPolicy, RequiredWaitJumpsToTheFirstLongEnoughStep) {
  RetryPolicy p(kDefault);
  auto next = p.next(1, -1, 60s);  // throttle floor after a timeout
  ASSERT_TRUE(next);
  EXPECT_EQ(next->delay_text, "5m");
  EXPECT_EQ(next->index, 1);
  // The schedule goes on from there.
  EXPECT_EQ(p.next(2, next->index, std::nullopt)->delay_text, "30m");
  // Retry-After of exactly a tier's delay takes that tier.
  EXPECT_EQ(p.next(1, -1, 2h)->delay_text, "2h");
  // Longer than any tier: the longest tier.
  EXPECT_EQ(p.next(1, -1, 48h)->delay_text, "10h");
  // Zero wait: the first tier.
  EXPECT_EQ(p.next(3, 2, 0ms)->index, 0);
}

TEST(RetryPolicy, LongestTierIsTheLongestDelayNotTheLastStep) {
  RetryPolicy p({"5s", "1h", "10s"});
  const auto next = p.next(1, -1, 2h);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->delay_text, "1h");
  EXPECT_EQ(next->index, 1);
}

TEST(RetryPolicy, JumpsNeverExtendTheAttemptBudget) {
  RetryPolicy p({"100ms", "200ms"});
  EXPECT_TRUE(p.next(2, 1, 50ms));
  EXPECT_FALSE(p.next(3, 0, 50ms)) << "3 attempts is the whole budget of a 2-delay schedule";
}

TEST(RetryPolicy, LastStepRepeatsWhenAJumpLandedOnIt) {
  RetryPolicy p({"1s", "2s", "3s"});
  EXPECT_EQ(p.next(2, 2, std::nullopt)->index, 2);
}

TEST(RetryPolicy, RefusesBadSchedules) {
  EXPECT_THROW(RetryPolicy({}), std::invalid_argument);
  EXPECT_THROW(RetryPolicy({"soon"}), std::invalid_argument);
}

// A retry record's step was written under the schedule of its day: shortened since, or written
// by anything else, it must never index past this one (docs/retries.md, "Changing the schedule").
TEST(RetryPolicy, AStepBeyondAShortenedScheduleGoesOnFromItsLastStep) {
  const RetryPolicy shortened({"5s", "5m"});  // was the default: steps up to 6 are in records
  for (const int previous : {1, 2, 6, 10'000}) {
    const auto next = shortened.next(2, previous, std::nullopt);
    ASSERT_TRUE(next) << previous;
    EXPECT_EQ(next->index, 1) << previous;
    EXPECT_EQ(next->delay_text, "5m") << previous;
  }
}

TEST(RetryPolicy, AStepBelowTheStartCountsAsBeforeTheFirstRetry) {
  const RetryPolicy p({"5s", "5m"});
  for (const int previous : {-1, -2, -1000}) {
    const auto next = p.next(1, previous, std::nullopt);
    ASSERT_TRUE(next) << previous;
    EXPECT_EQ(next->index, 0) << previous;
  }
}

TEST(RetryPolicy, AttemptsBeyondTheBudgetExhaustWhateverTheStep) {
  const RetryPolicy p({"5s", "5m"});  // three attempts
  for (const int attempts : {3, 4, 8, 10'000}) {
    EXPECT_FALSE(p.next(attempts, 0, std::nullopt)) << attempts;
    EXPECT_FALSE(p.next(attempts, 9, 10s)) << attempts;
  }
}

}  // namespace
}  // namespace hookd::retry
