#include "common/rss_sampler.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace hookd::bench {
namespace {

using namespace std::chrono_literals;

TEST(RssSampler, StampsRowsWithTheClockItIsGiven) {
  common::ManualClock clock;
  RssSampler sampler(clock, 2);
  const int self = static_cast<int>(::getpid());

  const auto first = sampler.sample({self, -1});
  clock.advance(10s);
  const auto second = sampler.sample({self, self});

  EXPECT_EQ(first.seconds, 0);
  EXPECT_EQ(second.seconds, 10);
  EXPECT_GT(first.kib[0], 0);   // this test's own VmRSS
  EXPECT_EQ(first.kib[1], 0);   // not running
  EXPECT_GT(second.kib[1], 0);
}

TEST(RssSampler, AProcessSeriesLeavesOutTheRowsWhereItWasNotRunning) {
  common::ManualClock clock;
  RssSampler sampler(clock, 1);
  const int self = static_cast<int>(::getpid());
  sampler.sample({-1});
  clock.advance(10s);
  sampler.sample({self});

  const auto series = sampler.series(0);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].seconds, 10);
  EXPECT_GT(series[0].kib, 0);
}

}  // namespace
}  // namespace hookd::bench
