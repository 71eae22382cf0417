// What the benchmark's receivers saw: distinct deliveries (by webhook-id), duplicates, and
// the event-to-delivery latency of each first arrival (occurredAt, written at publish time,
// to the moment the receiver read the request). Deliveries of warm-up events (ids starting
// with kWarmupPrefix) are only counted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "support/https_receiver.h"

namespace hookd::bench {

// occurredAt for "now": RFC 3339 in UTC with microseconds ("2026-11-23T10:00:00.123456Z").
std::string rfc3339_now_micros();
// Unix microseconds of such a string; -1 when it is not one.
std::int64_t parse_rfc3339_micros(std::string_view text);

inline constexpr std::string_view kWarmupPrefix = "warmup-";

struct LatencySummary {
  std::size_t samples = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
  // When the slow ones were published: for each quarter second from the first publish that
  // had deliveries over kSlowMs, "+<second>: <how many>", in order. Tells a stall at one moment
  // from a tail spread over the phase.
  std::string slow_by_publish_time;
  std::int64_t first_published_us = 0;  // Unix microseconds; the quarter seconds count from here
};
inline constexpr double kSlowMs = 10.0;

class Arrivals {
 public:
  explicit Arrivals(std::size_t expected);

  // Called from receiver threads for every request.
  void record(const test_support::ReceivedRequest& request);
  void record(std::string_view webhook_id, std::string_view body, std::chrono::system_clock::time_point arrived);

  std::size_t distinct() const { return distinct_.load(std::memory_order_relaxed); }
  std::size_t duplicates() const { return duplicates_.load(std::memory_order_relaxed); }
  std::size_t unreadable() const { return unreadable_.load(std::memory_order_relaxed); }
  std::size_t warmup() const { return warmup_.load(std::memory_order_relaxed); }
  // Wall-clock time of the last first arrival (the end of the run).
  std::chrono::system_clock::time_point last_arrival() const;
  // Wall-clock time of the earliest first arrival (time_point::max() before any).
  std::chrono::system_clock::time_point first_arrival() const;
  LatencySummary latency() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<std::string> seen_;     // webhook-id of every delivery so far
  struct Sample {
    std::int64_t occurred_us;  // -1 when unreadable
    std::int64_t latency_us;
  };
  std::vector<Sample> samples_;  // one per distinct delivery
  std::chrono::system_clock::time_point first_arrival_ = std::chrono::system_clock::time_point::max();
  std::chrono::system_clock::time_point last_arrival_{};
  std::atomic<std::size_t> distinct_{0};
  std::atomic<std::size_t> duplicates_{0};
  std::atomic<std::size_t> unreadable_{0};
  std::atomic<std::size_t> warmup_{0};
};

}  // namespace hookd::bench
