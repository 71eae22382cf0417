#include "kafka/offset_tracker.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace hookd::kafka {
namespace {

TEST(OffsetTracker, InOrderCompletionMovesEachTime) {
  OffsetTracker t;
  t.dispatched(0, 10);
  t.dispatched(0, 11);
  EXPECT_EQ(t.outstanding(), 2u);
  EXPECT_EQ(t.committable(0), 10);
  EXPECT_EQ(t.completed(0, 10), 11);
  EXPECT_EQ(t.completed(0, 11), 12);
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(OffsetTracker, OutOfOrderCommitsOnlyContiguousPrefix) {
  OffsetTracker t;
  for (int64_t o = 100; o < 105; ++o) t.dispatched(3, o);
  EXPECT_EQ(t.completed(3, 102), std::nullopt);
  EXPECT_EQ(t.completed(3, 101), std::nullopt);
  EXPECT_EQ(t.completed(3, 104), std::nullopt);
  EXPECT_EQ(t.committable(3), 100);
  EXPECT_EQ(t.completed(3, 100), 103);  // 100..102 done, 103 still out
  EXPECT_EQ(t.outstanding(), 1u);
  EXPECT_EQ(t.completed(3, 103), 105);  // none outstanding: last dispatched + 1
}

TEST(OffsetTracker, GapsInOffsetsAreFine) {
  OffsetTracker t;
  t.dispatched(0, 5);
  t.dispatched(0, 9);  // 6..8 compacted away
  EXPECT_EQ(t.completed(0, 9), std::nullopt);
  EXPECT_EQ(t.completed(0, 5), 10);
}

TEST(OffsetTracker, PartitionsAreIndependent) {
  OffsetTracker t;
  t.dispatched(0, 1);
  t.dispatched(1, 50);
  EXPECT_EQ(t.completed(1, 50), 51);
  EXPECT_EQ(t.committable(0), 1);
  EXPECT_EQ(t.completed(0, 1), 2);
}

TEST(OffsetTracker, UnknownDuplicateAndRepeatedCompletionsAreIgnored) {
  OffsetTracker t;
  EXPECT_EQ(t.completed(0, 1), std::nullopt);  // unknown partition
  t.dispatched(0, 1);
  t.dispatched(0, 1);  // duplicate dispatch
  EXPECT_EQ(t.outstanding(), 1u);
  EXPECT_EQ(t.completed(0, 7), std::nullopt);  // never dispatched
  EXPECT_EQ(t.completed(0, 1), 2);
  EXPECT_EQ(t.completed(0, 1), std::nullopt);  // already completed
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(OffsetTracker, OlderRedispatchHoldsTheCommitBack) {
  OffsetTracker t;
  t.dispatched(0, 10);
  t.dispatched(0, 11);
  EXPECT_EQ(t.completed(0, 10), 11);
  t.dispatched(0, 8);  // re-fetched after a seek
  EXPECT_EQ(t.committable(0), 8);
  EXPECT_EQ(t.completed(0, 11), std::nullopt);  // 8 still out
  EXPECT_EQ(t.completed(0, 8), 12);
}

TEST(OffsetTracker, ResetForgetsEverythingOrOnePartition) {
  OffsetTracker t;
  t.dispatched(0, 1);
  t.dispatched(0, 2);
  t.dispatched(1, 7);
  t.reset(0);
  EXPECT_EQ(t.outstanding(), 1u);
  EXPECT_EQ(t.committable(0), std::nullopt);
  EXPECT_EQ(t.completed(0, 1), std::nullopt);
  t.reset();
  EXPECT_EQ(t.outstanding(), 0u);
  EXPECT_EQ(t.completed(1, 7), std::nullopt);
  t.dispatched(1, 20);  // a fresh start after a rebalance
  EXPECT_EQ(t.completed(1, 20), 21);
}

// Thousands outstanding, completed in random order: the committed offset never passes an
// unfinished one, only moves forward, and ends at last + 1.
TEST(OffsetTracker, RandomOrderNeverCommitsPastOutstanding) {
  constexpr int64_t kCount = 5000;
  OffsetTracker t;
  for (int64_t o = 0; o < kCount; ++o) t.dispatched(2, o * 2);  // even offsets only
  std::vector<int64_t> order(kCount);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(42);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<bool> done(kCount);
  int64_t last = -1;
  for (int64_t i : order) {
    done[i] = true;
    if (auto c = t.completed(2, i * 2)) {
      EXPECT_GT(*c, last);
      last = *c;
      const int64_t first_open = std::find(done.begin(), done.end(), false) - done.begin();
      EXPECT_EQ(*c, first_open == kCount ? (kCount - 1) * 2 + 1 : first_open * 2);
    }
  }
  EXPECT_EQ(last, (kCount - 1) * 2 + 1);
  EXPECT_EQ(t.outstanding(), 0u);
}

TEST(OffsetTracker, WindowAndOutstandingArePerPartition) {
  OffsetTracker t;
  t.dispatched(0, 10);
  t.dispatched(0, 12);  // a gap (compaction): not counted
  t.dispatched(0, 13);
  t.dispatched(1, 4);
  EXPECT_EQ(t.window(0), 3u);
  EXPECT_EQ(t.outstanding(0), 3u);
  EXPECT_EQ(t.completed(0, 13), std::nullopt);
  EXPECT_EQ(t.window(0), 3u);       // 13 finished, but behind 10
  EXPECT_EQ(t.outstanding(0), 2u);
  EXPECT_EQ(t.completed(0, 10), 12);
  EXPECT_EQ(t.window(0), 2u);       // 12 in flight, 13 finished behind it
  EXPECT_EQ(t.outstanding(0), 1u);
  EXPECT_EQ(t.window(1), 1u);
  EXPECT_EQ(t.window(7), 0u);
  t.reset(1);
  EXPECT_EQ(t.outstanding(), 1u);
  EXPECT_EQ(t.outstanding(1), 0u);
}

}  // namespace
}  // namespace hookd::kafka
