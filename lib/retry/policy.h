// The retry schedule: which tier a failed delivery waits on next, or that it is exhausted.
//
// A schedule of N delays gives N + 1 attempts. A position in the schedule ("step") picks the
// delay; tiers are the distinct delays, one topic each ("10h" twice is one topic). Normally
// each failure moves one step on. A required minimum wait (Retry-After on 429/503, or the
// throttle floor after a timeout or a 429) jumps to the first step whose delay is at least
// that wait, and the schedule goes on from there. The attempt count alone decides when the
// delivery is exhausted, so jumps can never make a delivery retry forever.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hookd::retry {

struct Step {
  int index = 0;                    // position in the schedule
  std::string delay_text;           // as written, e.g. "5m": names the tier topic
  std::chrono::milliseconds delay{};
};

class RetryPolicy {
 public:
  // `schedule` holds delays as written (validated by the config loader); must not be empty.
  explicit RetryPolicy(const std::vector<std::string>& schedule);

  int max_attempts() const { return static_cast<int>(steps_.size()) + 1; }
  const std::vector<Step>& steps() const { return steps_; }
  // The distinct tiers in schedule order (one topic each).
  const std::vector<std::string>& tiers() const { return tiers_; }
  std::chrono::milliseconds tier_delay(const std::string& delay_text) const;

  // After a failed attempt: the step to wait on next, or nullopt when the delivery is exhausted.
  // `attempts_made` counts HTTP attempts including the one that just failed; `previous_step`
  // is the step the delivery last waited on (-1 before its first retry); a step beyond this
  // schedule (it was shortened since) counts as its last step.
  std::optional<Step> next(int attempts_made, int previous_step,
                           std::optional<std::chrono::milliseconds> required_wait) const;

 private:
  std::vector<Step> steps_;
  std::vector<std::string> tiers_;
};

}  // namespace hookd::retry
