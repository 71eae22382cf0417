#include "metrics/sharded_histogram.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace hookd::metrics {
namespace {

std::vector<std::uint64_t> cumulative_counts(const prometheus::ClientMetric& metric) {
  std::vector<std::uint64_t> counts;
  for (const auto& bucket : metric.histogram.bucket) counts.push_back(bucket.cumulative_count);
  return counts;
}

// Prometheus buckets are "less than or equal": a value on a boundary counts in that bucket.
TEST(ShardedHistogram, CountsAValueInTheFirstBucketWhoseBoundIsAtLeastIt) {
  ShardedHistogram histogram({0.001, 0.01, 1});
  for (double value : {0.0005, 0.001, 0.002, 0.01, 5.0}) histogram.observe(value);
  histogram.observe(std::nan(""));

  const auto metric = histogram.collect();
  EXPECT_EQ(cumulative_counts(metric), (std::vector<std::uint64_t>{2, 4, 4, 6}));
  EXPECT_EQ(metric.histogram.sample_count, 6u);
  EXPECT_TRUE(std::isnan(metric.histogram.sample_sum)) << "a NaN goes into the sum as prometheus-cpp's does";
  ASSERT_EQ(metric.histogram.bucket.size(), 4u);
  EXPECT_EQ(metric.histogram.bucket[2].upper_bound, 1);
  EXPECT_EQ(metric.histogram.bucket[3].upper_bound, std::numeric_limits<double>::infinity());
}

// More threads than shards, so some share one: every observation still counts, once.
TEST(ShardedHistogram, ThreadsObservingTogetherLoseNothing) {
  ShardedHistogram histogram({1, 2});
  constexpr int kThreads = static_cast<int>(ShardedHistogram::kShards) + 4;
  constexpr int kEach = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&histogram, t] {
      for (int i = 0; i < kEach; ++i) histogram.observe(t % 2 == 0 ? 1.0 : 2.0);
    });
  for (auto& thread : threads) thread.join();

  const auto metric = histogram.collect();
  constexpr std::uint64_t kTotal = std::uint64_t{kThreads} * kEach;
  EXPECT_EQ(cumulative_counts(metric), (std::vector<std::uint64_t>{kTotal / 2, kTotal, kTotal}));
  EXPECT_EQ(metric.histogram.sample_count, kTotal);
  EXPECT_EQ(metric.histogram.sample_sum, 1.5 * static_cast<double>(kTotal));  // whole numbers add exactly
}

TEST(ShardedHistogram, RefusesBoundariesThatDoNotIncreaseOrDoNotFit) {
  EXPECT_THROW(ShardedHistogram({}), std::invalid_argument);
  EXPECT_THROW(ShardedHistogram({1, 1}), std::invalid_argument);
  EXPECT_THROW(ShardedHistogram({2, 1}), std::invalid_argument);
  EXPECT_THROW(ShardedHistogram(std::vector<double>(ShardedHistogram::kMaxBoundaries + 1, 1)), std::invalid_argument);
  std::vector<double> most;
  for (std::size_t i = 1; i <= ShardedHistogram::kMaxBoundaries; ++i) most.push_back(static_cast<double>(i));
  EXPECT_NO_THROW(ShardedHistogram{most});
}

// The text format as prometheus-cpp writes it for its own histograms: one family, a child per
// label set, labels beside le.
TEST(ShardedHistogramFamily, SerializesAsOneFamilyWithAChildPerLabelSet) {
  ShardedHistogramFamily family("hookd_test_seconds", "A test histogram");
  family.add({{"attempt", "first"}}, {0.5}).observe(0.25);
  family.add({{"attempt", "retry"}}, {0.5}).observe(2);

  const std::string text = prometheus::TextSerializer().Serialize({family.collect()});
  for (const char* line : {"# TYPE hookd_test_seconds histogram\n",
                           "hookd_test_seconds_bucket{attempt=\"first\",le=\"0.5\"} 1\n",
                           "hookd_test_seconds_bucket{attempt=\"first\",le=\"+Inf\"} 1\n",
                           "hookd_test_seconds_bucket{attempt=\"retry\",le=\"0.5\"} 0\n",
                           "hookd_test_seconds_count{attempt=\"retry\"} 1\n",
                           "hookd_test_seconds_sum{attempt=\"retry\"} 2\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
  EXPECT_EQ(text.find("# TYPE"), text.rfind("# TYPE")) << text;
}

}  // namespace
}  // namespace hookd::metrics
