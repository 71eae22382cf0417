#include "common/rss_verdict.h"

#include <gtest/gtest.h>

#include <vector>

namespace hookd::bench {
namespace {

constexpr double kWarmupS = 60;
constexpr double kTolerancePercent = 5;

// One sample every 10 s from 0 s, the values in KiB.
std::vector<RssSample> every_10_s(const std::vector<long>& kib) {
  std::vector<RssSample> out;
  for (std::size_t i = 0; i < kib.size(); ++i) out.push_back({10.0 * static_cast<double>(i), kib[i]});
  return out;
}

TEST(RssVerdict, GrowthDuringTheWarmupDoesNotCount) {
  //                                 0 s     10     20     30     40     50   60 (baseline) 70  80
  const auto verdict = rss_verdict(every_10_s({10'000, 30'000, 50'000, 60'000, 64'000, 64'000, 64'000, 65'000, 64'500}),
                                   kWarmupS, kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->baseline.seconds, 60);
  EXPECT_EQ(verdict->baseline.kib, 64'000);
  EXPECT_EQ(verdict->max_after_kib, 65'000);
  EXPECT_NEAR(verdict->growth_percent, 1.5625, 1e-9);
  EXPECT_TRUE(verdict->flat);
}

TEST(RssVerdict, GrowthBeyondTheToleranceIsNotFlat) {
  const auto verdict = rss_verdict(every_10_s({50'000, 60'000, 60'000, 60'000, 60'000, 60'000, 100'000, 104'000,
                                               108'000, 106'000}),
                                   kWarmupS, kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->baseline.kib, 100'000);
  EXPECT_EQ(verdict->max_after_kib, 108'000);
  EXPECT_NEAR(verdict->growth_percent, 8.0, 1e-9);
  EXPECT_FALSE(verdict->flat);
}

TEST(RssVerdict, ExactlyTheToleranceIsFlat) {
  const auto verdict = rss_verdict(std::vector<RssSample>{{60, 100'000}, {70, 105'000}}, kWarmupS, kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_NEAR(verdict->growth_percent, 5.0, 1e-9);
  EXPECT_TRUE(verdict->flat);
}

TEST(RssVerdict, ShrinkingIsNegativeGrowthAndFlat) {
  const auto verdict = rss_verdict(std::vector<RssSample>{{60, 100'000}, {70, 90'000}, {80, 95'000}}, kWarmupS,
                                   kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->max_after_kib, 95'000);
  EXPECT_NEAR(verdict->growth_percent, -5.0, 1e-9);
  EXPECT_TRUE(verdict->flat);
}

TEST(RssVerdict, TheBaselineIsTheFirstSampleAtOrAfterTheWarmup) {
  // Samples that do not fall on the warm-up's end, as when the interval does not divide it.
  const auto verdict = rss_verdict(std::vector<RssSample>{{0, 1'000}, {45, 80'000}, {90, 100'000}, {135, 101'000}},
                                   kWarmupS, kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->baseline.seconds, 90);
  EXPECT_EQ(verdict->baseline.kib, 100'000);
  EXPECT_EQ(verdict->max_after_kib, 101'000);
}

TEST(RssVerdict, NothingToJudgeWithoutSamplesAfterTheBaseline) {
  EXPECT_FALSE(rss_verdict({}, kWarmupS, kTolerancePercent).has_value());
  // All within the warm-up.
  EXPECT_FALSE(rss_verdict(every_10_s({1'000, 2'000, 3'000}), kWarmupS, kTolerancePercent).has_value());
  // The baseline is the last sample.
  EXPECT_FALSE(rss_verdict(std::vector<RssSample>{{50, 1'000}, {60, 2'000}}, kWarmupS, kTolerancePercent).has_value());
}

TEST(RssVerdict, PeaksThatAreGivenBackLeaveTheTrendFlatButNotTheVerdict) {
  // After the baseline (40 MiB at 60 s): 40 MiB with a burst to 70 in the first and the last
  // third, as a burst of connections looks under an allocator that gives memory back.
  const auto verdict = rss_verdict(every_10_s({50'000, 50'000, 50'000, 50'000, 50'000, 50'000, 40'000,  //
                                               40'000, 70'000, 40'000, 40'000, 40'000, 40'000, 40'000, 70'000,
                                               40'000}),
                                   kWarmupS, kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_FALSE(verdict->flat);
  ASSERT_TRUE(verdict->trend_percent.has_value());
  EXPECT_NEAR(*verdict->trend_percent, 0.0, 1e-9);
}

TEST(RssVerdict, MemoryThatStaysRaisesTheTrend) {
  // A staircase: each step stays. First third after the baseline 100, 104, 104; last 112, 112, 116.
  const auto verdict = rss_verdict(every_10_s({100'000, 100'000, 100'000, 100'000, 100'000, 100'000, 100'000,  //
                                               100'000, 104'000, 104'000, 108'000, 108'000, 108'000, 112'000,
                                               112'000, 116'000}),
                                   kWarmupS, kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  ASSERT_TRUE(verdict->trend_percent.has_value());
  EXPECT_NEAR(*verdict->trend_percent, 100.0 * (112'000 - 104'000) / 104'000.0, 1e-9);
}

TEST(RssVerdict, NoTrendWithFewerThanThreeSamplesAfterTheBaseline) {
  const auto verdict = rss_verdict(std::vector<RssSample>{{60, 100'000}, {70, 90'000}, {80, 95'000}}, kWarmupS,
                                   kTolerancePercent);
  ASSERT_TRUE(verdict.has_value());
  EXPECT_FALSE(verdict->trend_percent.has_value());
}

}  // namespace
}  // namespace hookd::bench
