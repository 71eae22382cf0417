// The poll loops' global in-flight cap: at the cap a loop stops taking records without
// pausing (a pause purges librdkafka's prefetched records, worker/global_cap.h), pauses only
// when the hold lasts max_hold, and takes records again below three quarters of both caps.
#include "worker/global_cap.h"

#include <gtest/gtest.h>

namespace hookd::worker {
namespace {

using namespace std::chrono_literals;
using Step = GlobalCap::Step;

constexpr std::int64_t kMaxInFlight = 100;
constexpr std::int64_t kMaxBytes = 1000;
const common::Clock::steady_time t0{std::chrono::seconds(100)};

TEST(GlobalCapTest, UnderTheCapRecordsAreTaken) {
  GlobalCap cap(kMaxInFlight, kMaxBytes, 1s);
  EXPECT_EQ(cap.next(99, 999, t0), Step::take);
  EXPECT_FALSE(cap.capped());
}

TEST(GlobalCapTest, AtTheCapTheLoopHoldsWithoutPausing) {
  GlobalCap cap(kMaxInFlight, kMaxBytes, 1s);
  EXPECT_EQ(cap.next(100, 0, t0), Step::hold);
  EXPECT_TRUE(cap.holding());
  // A backlog drain sits at the cap turn after turn: still no pause (no purge, no refetch).
  EXPECT_EQ(cap.next(99, 0, t0 + 10ms), Step::hold);
  EXPECT_EQ(cap.next(80, 0, t0 + 999ms), Step::hold);
}

TEST(GlobalCapTest, TheByteCapHoldsToo) {
  GlobalCap cap(kMaxInFlight, kMaxBytes, 1s);
  EXPECT_EQ(cap.next(1, 1000, t0), Step::hold);
  EXPECT_EQ(cap.next(1, 800, t0 + 1ms), Step::hold);
  EXPECT_EQ(cap.next(1, 749, t0 + 2ms), Step::take);
}

TEST(GlobalCapTest, RecordsAreTakenAgainBelowThreeQuartersOfBoth) {
  GlobalCap cap(kMaxInFlight, kMaxBytes, 1s);
  ASSERT_EQ(cap.next(100, 0, t0), Step::hold);
  EXPECT_EQ(cap.next(75, 0, t0 + 1ms), Step::hold);
  EXPECT_EQ(cap.next(74, 750, t0 + 2ms), Step::hold);
  EXPECT_EQ(cap.next(74, 749, t0 + 3ms), Step::take);
  EXPECT_FALSE(cap.capped());
  // A new hold starts its own max_hold.
  EXPECT_EQ(cap.next(100, 0, t0 + 5s), Step::hold);
  EXPECT_EQ(cap.next(100, 0, t0 + 5s + 999ms), Step::hold);
}

TEST(GlobalCapTest, AHoldThatLastsMaxHoldPausesEveryPartitionSoPollsServeRebalances) {
  GlobalCap cap(kMaxInFlight, kMaxBytes, 1s);
  ASSERT_EQ(cap.next(100, 0, t0), Step::hold);
  EXPECT_EQ(cap.next(100, 0, t0 + 1s), Step::pause_all);
  EXPECT_TRUE(cap.capped());
  EXPECT_FALSE(cap.holding());  // paused: the loop polls again
  EXPECT_EQ(cap.next(90, 0, t0 + 2s), Step::stay_paused);
  EXPECT_EQ(cap.next(10, 0, t0 + 3s), Step::resume_all);
  EXPECT_EQ(cap.next(10, 0, t0 + 3s + 1ms), Step::take);
}

TEST(GlobalCapTest, RoomIsWhatLeavesTheCapBothFiguresUnderThreeQuarters) {
  const GlobalCap cap(kMaxInFlight, kMaxBytes, 1s);
  EXPECT_TRUE(cap.has_room(kMaxInFlight * 3 / 4 - 1, kMaxBytes / 4 * 3 - 1));
  EXPECT_FALSE(cap.has_room(kMaxInFlight * 3 / 4, 0));
  EXPECT_FALSE(cap.has_room(0, kMaxBytes / 4 * 3));
  // The same figures next() leaves a hold with.
  GlobalCap held(kMaxInFlight, kMaxBytes, 1s);
  ASSERT_EQ(held.next(kMaxInFlight, 0, {}), Step::hold);
  EXPECT_EQ(held.next(kMaxInFlight * 3 / 4, 0, {}), Step::hold);
  EXPECT_EQ(held.next(kMaxInFlight * 3 / 4 - 1, 0, {}), Step::take);
}

}  // namespace
}  // namespace hookd::worker
