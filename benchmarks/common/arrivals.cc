#include "common/arrivals.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <ctime>
#include <numeric>

#include "events/rfc3339.h"

namespace hookd::bench {

std::string rfc3339_now_micros() {
  const auto now = std::chrono::system_clock::now();
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros % 1'000'000));
  return buf;
}

std::int64_t parse_rfc3339_micros(std::string_view text) {
  const auto ms = events::parse_rfc3339_unix_ms(text);
  if (!ms) return -1;
  // hookd's parser keeps milliseconds; the 4th-6th fraction digits add the microseconds.
  std::int64_t extra = 0;
  const auto dot = text.find('.');
  if (dot != std::string_view::npos) {
    for (std::size_t i = dot + 4; i < dot + 7; ++i) {
      const bool digit = i < text.size() && text[i] >= '0' && text[i] <= '9';
      extra = extra * 10 + (digit ? text[i] - '0' : 0);
    }
  }
  return *ms * 1000 + extra;
}

Arrivals::Arrivals(std::size_t expected) {
  seen_.reserve(expected);
  samples_.reserve(expected);
}

void Arrivals::record(const test_support::ReceivedRequest& request) {
  record(request.header("webhook-id"), request.body, request.arrived_wall);
}

void Arrivals::record(std::string_view webhook_id, std::string_view body, std::chrono::system_clock::time_point arrived) {
  // The body starts {"event":...,"eventId":...,"occurredAt":"..."}: no full parse needed.
  static const std::string warmup_id = "\"eventId\":\"" + std::string(kWarmupPrefix);
  if (body.substr(0, 200).find(warmup_id) != std::string_view::npos) {
    warmup_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  static constexpr std::string_view key = "\"occurredAt\":\"";
  const auto at = body.find(key);
  const auto end = at == std::string_view::npos ? at : body.find('"', at + key.size());
  if (end == std::string_view::npos || webhook_id.empty()) {
    unreadable_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const auto occurred = parse_rfc3339_micros(body.substr(at + key.size(), end - at - key.size()));
  const auto arrived_us = std::chrono::duration_cast<std::chrono::microseconds>(arrived.time_since_epoch()).count();
  std::lock_guard lock(mutex_);
  if (!seen_.emplace(webhook_id).second) {
    duplicates_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  samples_.push_back({occurred, occurred < 0 ? -1 : arrived_us - occurred});
  first_arrival_ = std::min(first_arrival_, arrived);
  last_arrival_ = std::max(last_arrival_, arrived);
  distinct_.fetch_add(1, std::memory_order_relaxed);
}

std::chrono::system_clock::time_point Arrivals::last_arrival() const {
  std::lock_guard lock(mutex_);
  return last_arrival_;
}

std::chrono::system_clock::time_point Arrivals::first_arrival() const {
  std::lock_guard lock(mutex_);
  return first_arrival_;
}

LatencySummary Arrivals::latency() const {
  std::vector<Sample> samples;
  {
    std::lock_guard lock(mutex_);
    samples = samples_;
  }
  std::erase_if(samples, [](const Sample& s) { return s.latency_us < 0; });
  LatencySummary s;
  s.samples = samples.size();
  if (samples.empty()) return s;
  std::vector<std::int64_t> sorted;
  sorted.reserve(samples.size());
  for (const auto& sample : samples) sorted.push_back(sample.latency_us);
  std::sort(sorted.begin(), sorted.end());
  // Nearest-rank percentile.
  auto at = [&](double p) {
    const auto rank = static_cast<std::size_t>(p * static_cast<double>(sorted.size()) + 0.999999);
    return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]) / 1000.0;
  };
  s.p50_ms = at(0.50);
  s.p90_ms = at(0.90);
  s.p99_ms = at(0.99);
  s.max_ms = static_cast<double>(sorted.back()) / 1000.0;
  s.mean_ms = static_cast<double>(std::accumulate(sorted.begin(), sorted.end(), std::int64_t{0})) /
              static_cast<double>(sorted.size()) / 1000.0;

  constexpr std::int64_t kQuarter = 250'000;
  std::int64_t first_us = samples.front().occurred_us;
  for (const auto& sample : samples) first_us = std::min(first_us, sample.occurred_us);
  s.first_published_us = first_us;
  std::map<std::int64_t, std::size_t> slow;  // quarter second -> deliveries over kSlowMs
  for (const auto& sample : samples) {
    if (static_cast<double>(sample.latency_us) > kSlowMs * 1000.0) ++slow[(sample.occurred_us - first_us) / kQuarter];
  }
  for (const auto& [quarter, count] : slow) {
    char part[48];
    std::snprintf(part, sizeof part, "%s+%.2f s: %zu", s.slow_by_publish_time.empty() ? "" : ", ",
                  static_cast<double>(quarter) * 0.25, count);
    s.slow_by_publish_time += part;
  }
  return s;
}

}  // namespace hookd::bench
