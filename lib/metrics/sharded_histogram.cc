#include "metrics/sharded_histogram.h"

#include <prometheus/metric_type.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace hookd::metrics {
namespace {

// Each thread keeps one shard index for every histogram: the io threads, started together,
// get different shards.
std::size_t this_threads_shard() {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % ShardedHistogram::kShards;
  return shard;
}

std::vector<double> checked(std::vector<double> boundaries) {
  if (boundaries.empty() || boundaries.size() > ShardedHistogram::kMaxBoundaries)
    throw std::invalid_argument("a histogram needs 1 to " + std::to_string(ShardedHistogram::kMaxBoundaries) +
                                " bucket boundaries");
  if (!std::is_sorted(boundaries.begin(), boundaries.end()) ||
      std::adjacent_find(boundaries.begin(), boundaries.end()) != boundaries.end())
    throw std::invalid_argument("histogram bucket boundaries must increase");
  return boundaries;
}

}  // namespace

ShardedHistogram::ShardedHistogram(std::vector<double> boundaries)
    : boundaries_(checked(std::move(boundaries))), shards_(std::make_unique<Shard[]>(kShards)) {}

void ShardedHistogram::observe(double value) {
  const std::size_t bucket =
      std::isnan(value) ? boundaries_.size()
                        : static_cast<std::size_t>(std::lower_bound(boundaries_.begin(), boundaries_.end(), value) -
                                                   boundaries_.begin());
  Shard& shard = shards_[this_threads_shard()];
  shard.counts[bucket].fetch_add(1, std::memory_order_relaxed);
  shard.sum.fetch_add(value, std::memory_order_relaxed);
}

prometheus::ClientMetric ShardedHistogram::collect() const {
  prometheus::ClientMetric metric;
  auto& histogram = metric.histogram;
  histogram.bucket.resize(boundaries_.size() + 1);
  for (std::size_t s = 0; s < kShards; ++s) {
    const Shard& shard = shards_[s];
    histogram.sample_sum += shard.sum.load(std::memory_order_relaxed);
    for (std::size_t b = 0; b <= boundaries_.size(); ++b)
      histogram.bucket[b].cumulative_count += shard.counts[b].load(std::memory_order_relaxed);
  }
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= boundaries_.size(); ++b) {
    cumulative += histogram.bucket[b].cumulative_count;
    histogram.bucket[b].cumulative_count = cumulative;
    histogram.bucket[b].upper_bound =
        b < boundaries_.size() ? boundaries_[b] : std::numeric_limits<double>::infinity();
  }
  histogram.sample_count = cumulative;
  return metric;
}

ShardedHistogramFamily::ShardedHistogramFamily(std::string name, std::string help)
    : name_(std::move(name)), help_(std::move(help)) {}

ShardedHistogram& ShardedHistogramFamily::add(const std::map<std::string, std::string>& labels,
                                              std::vector<double> boundaries) {
  Child child{{}, std::make_unique<ShardedHistogram>(std::move(boundaries))};
  for (const auto& [name, value] : labels) child.labels.push_back({name, value});
  children_.push_back(std::move(child));
  return *children_.back().histogram;
}

prometheus::MetricFamily ShardedHistogramFamily::collect() const {
  prometheus::MetricFamily family{name_, help_, prometheus::MetricType::Histogram, {}};
  for (const auto& child : children_) {
    family.metric.push_back(child.histogram->collect());
    family.metric.back().label = child.labels;
  }
  return family;
}

}  // namespace hookd::metrics
