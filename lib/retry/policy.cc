#include "retry/policy.h"

#include "common/units.h"

#include <algorithm>
#include <stdexcept>

namespace hookd::retry {

RetryPolicy::RetryPolicy(const std::vector<std::string>& schedule) {
  if (schedule.empty()) throw std::invalid_argument("retry schedule is empty");
  for (const auto& text : schedule) {
    const auto delay = parse_duration(text);
    if (!delay) throw std::invalid_argument("retry delay '" + text + "' is not a duration");
    steps_.push_back({static_cast<int>(steps_.size()), text, *delay});
    if (std::find(tiers_.begin(), tiers_.end(), text) == tiers_.end()) tiers_.push_back(text);
  }
}

std::chrono::milliseconds RetryPolicy::tier_delay(const std::string& delay_text) const {
  for (const auto& s : steps_)
    if (s.delay_text == delay_text) return s.delay;
  return std::chrono::milliseconds(-1);
}

std::optional<Step> RetryPolicy::next(int attempts_made, int previous_step,
                                      std::optional<std::chrono::milliseconds> required_wait) const {
  if (attempts_made >= max_attempts()) return std::nullopt;
  const int last = static_cast<int>(steps_.size()) - 1;
  if (required_wait) {
    const Step* longest = &steps_.front();
    for (const auto& s : steps_) {
      if (s.delay >= *required_wait) return s;
      if (s.delay >= longest->delay) longest = &s;  // a schedule need not be ascending
    }
    return *longest;  // the longest tier when none waits long enough
  }
  // `previous_step` comes from a retry record, written under a schedule that may have been
  // longer (or by anything else that writes the topic): a step beyond this schedule is its
  // last step, and anything below -1 is "before the first retry".
  return steps_[static_cast<std::size_t>(std::clamp(previous_step, -1, last - 1) + 1)];
}

}  // namespace hookd::retry
