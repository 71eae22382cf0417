#include "delivery/rate_limiter.h"

#include <algorithm>

namespace hookd::delivery {

RateLimiter::Reservation RateLimiter::reserve(std::string_view webhook_id, double per_second,
                                              Clock::time_point now) {
  const auto interval =
      per_second > 0
          ? std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_second))
          : Clock::duration::zero();
  auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(webhook_id);
  if (it == shard.entries.end()) {
    if (per_second <= 0) return {true, now, 0, false};  // neither limited nor paused
    it = shard.entries.emplace(std::string(webhook_id), Entry{}).first;
  }
  Entry& entry = it->second;

  // An idle webhook does not bank unused slots: sending resumes at the rate, not in a burst.
  const Clock::time_point slot = std::max(entry.next_slot, now);
  const bool must_wait = slot > now;
  const bool held = entry.held_until > now;
  if (must_wait && (slot - now > settings_.max_wait || entry.waiting >= settings_.max_waiting)) {
    return {false, slot, entry.waiting, held};
  }
  entry.next_slot = slot + interval;
  if (must_wait) ++entry.waiting;
  return {true, slot, must_wait ? entry.waiting : 0, held};
}

void RateLimiter::hold_until(std::string_view webhook_id, Clock::time_point until) {
  {
    auto& shard = shard_of(webhook_id);
    std::lock_guard lock(shard.mu);
    auto it = shard.entries.find(webhook_id);
    if (it == shard.entries.end()) it = shard.entries.emplace(std::string(webhook_id), Entry{}).first;
    it->second.held_until = std::max(it->second.held_until, until);
    it->second.next_slot = std::max(it->second.next_slot, until);
  }
  Clock::rep latest = latest_hold_end_.load(std::memory_order_relaxed);
  const Clock::rep end = until.time_since_epoch().count();
  while (latest < end && !latest_hold_end_.compare_exchange_weak(latest, end, std::memory_order_relaxed)) {
  }
}

bool RateLimiter::held(std::string_view webhook_id, Clock::time_point now) {
  if (!may_hold(now)) return false;  // no pause runs anywhere: no lock
  auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  const auto it = shard.entries.find(webhook_id);
  return it != shard.entries.end() && it->second.held_until > now;
}

void RateLimiter::done_waiting(std::string_view webhook_id) {
  auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(webhook_id);
  if (it != shard.entries.end() && it->second.waiting > 0) --it->second.waiting;
}

std::size_t RateLimiter::retain(const std::function<bool(std::string_view webhook_id)>& keep) {
  std::size_t dropped = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    dropped += std::erase_if(shard.entries, [&](const auto& item) {
      // A webhook with deliveries still waiting keeps its entry until they have gone.
      return item.second.waiting == 0 && !keep(item.first);
    });
  }
  return dropped;
}

}  // namespace hookd::delivery
