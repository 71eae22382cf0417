// The figures behind the stuck-tier alert: backlog from owned partitions only, and progress
// frozen only while records wait and none is released.
#include "retry/tier_progress.h"

#include <gtest/gtest.h>

namespace hookd::retry {
namespace {

const kafka::TopicPartition kFast{"hookd.retry.5s", 0};
const kafka::TopicPartition kSlow{"hookd.retry.1h", 0};

auto holds_nothing() {
  return [](const kafka::TopicPartition&) { return false; };
}

TEST(TierProgress, NamesTheTierOfATopic) {
  TierProgress progress("hookd.retry", {"5s", "1h"});
  EXPECT_EQ(progress.tier_of("hookd.retry.5s"), "5s");
  EXPECT_EQ(progress.tier_of("hookd.retryX5s"), "");
  EXPECT_EQ(progress.tier_of("other.5s"), "");
}

TEST(TierProgress, AnIdleTierAlwaysProgresses) {
  TierProgress progress("hookd.retry", {"5s", "1h"});
  progress.assigned({kFast, kSlow}, 1000);
  const auto figures = progress.report({}, holds_nothing(), 90'000);
  ASSERT_EQ(figures.size(), 2u);
  EXPECT_EQ(figures[0].tier, "5s");
  EXPECT_EQ(figures[0].progress_unix_ms, 90'000);
  EXPECT_EQ(figures[1].progress_unix_ms, 90'000);
}

TEST(TierProgress, ATierWithALagAndNoReleaseFreezesUntilItReleases) {
  TierProgress progress("hookd.retry", {"5s", "1h"});
  progress.assigned({kFast, kSlow}, 1000);
  const std::vector<TierProgress::Lag> lags = {{"hookd.retry.1h", 0, 3}};
  auto figures = progress.report(lags, holds_nothing(), 50'000);
  EXPECT_EQ(figures[1].backlog, 3);
  EXPECT_EQ(figures[1].progress_unix_ms, 1000);  // waiting since the assignment
  EXPECT_EQ(figures[0].progress_unix_ms, 50'000);
  progress.released(kSlow, 60'000);
  figures = progress.report(lags, holds_nothing(), 70'000);
  EXPECT_EQ(figures[1].progress_unix_ms, 60'000);
}

TEST(TierProgress, AHeldRecordShowsAWaitBeforeAnyLagIsKnown) {
  TierProgress progress("hookd.retry", {"5s", "1h"});
  progress.assigned({kSlow}, 1000);
  const auto figures =
      progress.report({}, [](const kafka::TopicPartition& tp) { return tp == kSlow; }, 80'000);
  EXPECT_EQ(figures[1].progress_unix_ms, 1000);
}

TEST(TierProgress, PartitionsNotOwnedAreNotCounted) {
  TierProgress progress("hookd.retry", {"5s"});
  progress.assigned({kFast}, 1000);
  const auto figures = progress.report({{"hookd.retry.5s", 0, 2}, {"hookd.retry.5s", 7, 40}}, holds_nothing(), 2000);
  EXPECT_EQ(figures[0].backlog, 2);
  progress.revoked();
  EXPECT_EQ(progress.report({{"hookd.retry.5s", 0, 2}}, holds_nothing(), 3000)[0].backlog, 0);
}

}  // namespace
}  // namespace hookd::retry
