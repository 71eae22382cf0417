#include "delivery/rate_limiter.h"

#include <algorithm>

namespace hookd::delivery {

RateLimiter::Reservation RateLimiter::reserve(std::string_view webhook_id, double per_second,
                                              Clock::time_point now) {
  const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_second));
  auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(webhook_id);
  if (it == shard.entries.end()) it = shard.entries.emplace(std::string(webhook_id), Entry{}).first;
  Entry& entry = it->second;

  // An idle webhook does not bank unused slots: sending resumes at the rate, not in a burst.
  const Clock::time_point slot = std::max(entry.next_slot, now);
  const bool must_wait = slot > now;
  if (must_wait && (slot - now > settings_.max_wait || entry.waiting >= settings_.max_waiting)) return {};
  entry.next_slot = slot + interval;
  if (must_wait) ++entry.waiting;
  return {true, slot, must_wait ? entry.waiting : 0};
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
