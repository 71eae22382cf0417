// Per-webhook send pacing for a subscription's `"rateLimit": {"perSecond": N}`, per worker.
//
// Each webhook has the time its next request may start. A reservation takes that slot and
// moves it on by 1/N (GCRA, a token bucket one token deep), so sends are spaced evenly and
// never burst above N in any second. A reservation whose slot is later than `max_wait`, or
// that would make more than `max_waiting` deliveries of one webhook wait at once, is refused:
// the caller defers that delivery through the retry topics instead of holding it in memory.
// Both bounds keep one rate-limited webhook from filling the worker's global in-flight cap,
// which every other webhook shares.
//
// A receiver can ask for a pause too (429, or 503 with Retry-After): hold_until() moves the
// webhook's next slot to the end of the pause, rate limit or not, and the same bounds apply.
//
// Threading: any thread. State lives in a map sharded by webhook id, one mutex per shard,
// taken only for webhooks that carry a rate limit, or while some receiver's pause runs.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd::delivery {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Settings {
    Clock::duration max_wait = std::chrono::seconds(5);
    std::size_t max_waiting = 1024;
  };

  struct Reservation {
    bool granted = false;
    Clock::time_point send_at{};  // when granted: now, or the slot to wait for
    std::size_t waiting = 0;      // when granted with a wait: how many of the webhook's deliveries wait now
    bool held = false;            // the receiver's pause, not the rate, is what the slot waits for
  };

  explicit RateLimiter(Settings settings) : settings_(settings) {}

  // Takes the webhook's next send slot at `per_second` (0: no rate limit, only pauses apply).
  // A granted reservation with send_at > now must be followed by done_waiting() once its time
  // came. A refused one carries the slot it would have had in send_at.
  Reservation reserve(std::string_view webhook_id, double per_second, Clock::time_point now);
  void done_waiting(std::string_view webhook_id);

  // The receiver asked for a pause: no request to this webhook starts before `until`.
  void hold_until(std::string_view webhook_id, Clock::time_point until);
  // Whether the webhook's receiver asked for a pause that still runs at `now`.
  bool held(std::string_view webhook_id, Clock::time_point now);
  // False once every pause has ended: webhooks without a rate limit then skip reserve().
  bool may_hold(Clock::time_point now) const {
    return now.time_since_epoch().count() < latest_hold_end_.load(std::memory_order_relaxed);
  }

  // Drops the state of every webhook `keep` says no longer exists. Returns how many were dropped.
  std::size_t retain(const std::function<bool(std::string_view webhook_id)>& keep);

 private:
  struct Entry {
    Clock::time_point next_slot{};
    Clock::time_point held_until{};
    std::size_t waiting = 0;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard_of(std::string_view webhook_id) { return shards_[StringHash{}(webhook_id) % kShards]; }

  Settings settings_;
  std::array<Shard, kShards> shards_;
  std::atomic<Clock::rep> latest_hold_end_{0};
};

}  // namespace hookd::delivery
