// A Prometheus histogram that many threads observe without sharing a lock or a cache line.
//
// prometheus-cpp 1.0's Histogram takes a mutex and updates shared atomics on every
// observation. The io threads observe every delivered attempt, so with deliveries on both
// threads that lock and its cache lines moved between cores on every answer
// (docs/benchmarks.md, "One histogram shard a thread"). Here each thread counts in a shard of
// its own, with relaxed atomics, and a scrape adds the shards up.
//
// A scrape may catch an observation on its way in: counted in its bucket, its value not yet
// in the sum. Count and buckets always agree (the count is the sum of the buckets).
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hookd::metrics {

class ShardedHistogram {
 public:
  static constexpr std::size_t kMaxBoundaries = 31;  // with +Inf, 32 counts a shard
  static constexpr std::size_t kShards = 8;          // threads beyond 8 share a shard, still exactly

  // `boundaries`: increasing upper bounds (le), at most kMaxBoundaries; throws
  // std::invalid_argument otherwise.
  explicit ShardedHistogram(std::vector<double> boundaries);

  // Lock-free; the value goes to the first bucket whose bound is >= it (NaN to +Inf).
  void observe(double value);

  // The buckets cumulative, +Inf last, as Prometheus reads them.
  prometheus::ClientMetric collect() const;

 private:
  struct alignas(64) Shard {
    std::atomic<double> sum{0};
    std::array<std::atomic<std::uint64_t>, kMaxBoundaries + 1> counts{};
  };

  const std::vector<double> boundaries_;
  const std::unique_ptr<Shard[]> shards_;
};

// The histograms of one metric name, one per label set. Children are added while the metrics
// are built, before anything observes or scrapes them: add() is not safe beside collect().
class ShardedHistogramFamily {
 public:
  ShardedHistogramFamily(std::string name, std::string help);

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }

  ShardedHistogram& add(const std::map<std::string, std::string>& labels, std::vector<double> boundaries);

  prometheus::MetricFamily collect() const;

 private:
  struct Child {
    std::vector<prometheus::ClientMetric::Label> labels;
    std::unique_ptr<ShardedHistogram> histogram;
  };

  std::string name_;
  std::string help_;
  std::vector<Child> children_;
};

}  // namespace hookd::metrics
