// What a poll loop does at the global in-flight cap (docs/contract.md, bounded memory): the
// deliveries in flight, first attempts and retries together, in count and in estimated bytes.
//
// Why it holds instead of pausing: in librdkafka 2.0.2 pausing a partition drops the records
// it has prefetched, and resuming fetches them again from the broker. A backlog drain meets
// the cap every few milliseconds, so pausing there threw away and refetched the same records
// over and over (docs/benchmarks.md, "What held the drain back"). At the cap the loop now stops
// taking records from the consumer queue instead. That keeps memory bounded without the purge:
// librdkafka prefetches into that queue only up to queued.max.messages.kbytes (64 MiB by
// default, for the whole consumer queue of a group consumer) and queued.min.messages, the same
// bound that holds between any two polls.
//
// Rebalances and max.poll.interval.ms are served only inside a poll, though. A hold that lasts
// `max_hold` (receivers that stopped answering keep the cap full until their timeouts) falls
// back to pausing every partition and polling, so a rebalance waits at most max_hold for this
// member. Either way the loop takes records again once both figures are under three quarters
// of their caps.
//
// Pure: the caller passes the figures and the time, and applies the step.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.h"

namespace hookd::worker {

class GlobalCap {
 public:
  enum class Step {
    take,         // under the cap: poll and take records
    hold,         // at the cap: take nothing from the consumer queue this turn (no poll)
    pause_all,    // held for max_hold: pause every partition, then poll (rebalances, liveness)
    stay_paused,  // still at the cap after pausing: keep polling, paused
    resume_all,   // under three quarters after pausing: resume what the pause paused, then poll
  };

  GlobalCap(std::int64_t max_in_flight, std::int64_t max_bytes, std::chrono::milliseconds max_hold)
      : max_in_flight_(max_in_flight), max_bytes_(max_bytes), max_hold_(max_hold) {}

  Step next(std::int64_t in_flight, std::int64_t bytes, common::Clock::steady_time now);

  // Whether the loop may leave the cap: both figures under three quarters of their caps.
  // Reads only the caps, so any thread may ask (the completion queue's wake-up does).
  bool has_room(std::int64_t in_flight, std::int64_t bytes) const {
    return in_flight < max_in_flight_ * 3 / 4 && bytes < max_bytes_ / 4 * 3;
  }

  // True from the step that reached the cap until the one that leaves it.
  bool capped() const { return state_ != State::open; }
  // True while at the cap and not (yet) paused: the loop must not poll.
  bool holding() const { return state_ == State::holding; }

 private:
  enum class State { open, holding, paused };

  std::int64_t max_in_flight_;
  std::int64_t max_bytes_;
  std::chrono::milliseconds max_hold_;
  State state_ = State::open;
  common::Clock::steady_time held_since_{};
};

}  // namespace hookd::worker
