#include "common/clock.h"

#include <gtest/gtest.h>

namespace hookd::common {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, MovesOnlyWhenAdvancedAndBothReadingsTogether) {
  ManualClock clock(1'000'000);
  const auto steady = clock.steady_now();
  EXPECT_EQ(clock.unix_ms_now(), 1'000'000);
  EXPECT_EQ(clock.steady_now(), steady);
  clock.advance(250ms);
  EXPECT_EQ(clock.unix_ms_now(), 1'000'250);
  EXPECT_EQ(clock.steady_now() - steady, 250ms);
}

TEST(SystemClock, ReadsTheWallClockInMilliseconds) {
  const SystemClock clock;
  const auto before = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const auto read = clock.unix_ms_now();
  EXPECT_GE(read, before);
  EXPECT_LT(read - before, 60'000);
}

}  // namespace
}  // namespace hookd::common
