#include "delivery/concurrency_growth.h"

#include <algorithm>
#include <cmath>

namespace hookd::delivery {

namespace {
// Exchanges in the moving average: enough to average a receiver's noise out (its lowest point
// is then not one lucky request), few enough to follow a change within a few dozen.
constexpr std::size_t kAverageOver = 16;

std::chrono::steady_clock::duration from_seconds(double seconds) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}
}  // namespace

void ConcurrencyGrowth::answered(Clock::time_point now, Clock::duration latency, std::size_t running) {
  ++samples_;
  last_latency_s_ = std::chrono::duration<double>(latency).count();
  latency_s_ += (last_latency_s_ - latency_s_) / static_cast<double>(std::min(samples_, kAverageOver));
  last_progress_ = now;
  if (samples_ < kAverageOver) return;  // not an average yet

  if (now - window_start_ >= kBaselineWindow) {
    // The window that ended becomes the last one, unless it ended long ago (nothing answered).
    if (!too_many_this_window_ || now - window_start_ >= 2 * kBaselineWindow) one_a_round_ = false;
    too_many_this_window_ = false;
    low_last_window_ = now - window_start_ < 2 * kBaselineWindow ? low_this_window_ : 0;
    low_this_window_ = 0;
    window_start_ = now;
  }
  if (low_this_window_ == 0 || latency_s_ < low_this_window_) low_this_window_ = latency_s_;

  const double free = static_cast<double>(kFreeConcurrency);
  const double running_now = static_cast<double>(std::max<std::size_t>(1, running));
  if (limit_ == 0) limit_ = std::max(free, running_now);
  const double base = std::chrono::duration<double>(baseline()).count();
  const double slower = latency_s_ / base;
  // Exchanges waiting somewhere (in the receiver, in either machine's run queue) rather than
  // being served: those running, less those the baseline's pace would need.
  const double waiting = running_now * (1.0 - base / latency_s_);
  const double scale = std::log10(std::max(limit_, free));
  if (slower > kShrinkAbove && waiting > kWaitingToShrink * scale) {
    too_many_this_window_ = true;
    if (static_cast<double>(++too_many_in_a_row_) >= limit_) one_a_round_ = true;
    limit_ = std::max(free, std::min(limit_, running_now) - (one_a_round_ ? 1.0 / limit_ : 1.0));
  } else {
    too_many_in_a_row_ = 0;
    if ((slower < kGrowBelow || waiting < kWaitingToGrow * scale) && running_now * 2 >= limit_) {
      limit_ += one_a_round_ ? 1.0 / limit_ : 1.0;
    }
  }
}

ConcurrencyGrowth::Clock::duration ConcurrencyGrowth::latency() const {
  return samples_ < kAverageOver ? Clock::duration::zero() : from_seconds(latency_s_);
}

ConcurrencyGrowth::Clock::duration ConcurrencyGrowth::baseline() const {
  if (low_last_window_ == 0) return from_seconds(low_this_window_);
  return from_seconds(std::min(low_this_window_, low_last_window_));
}

void ConcurrencyGrowth::started(Clock::time_point now, std::size_t running) {
  if (running == 1) last_progress_ = now;  // idle until now: the stall clock starts here
}

ConcurrencyGrowth::Clock::time_point ConcurrencyGrowth::stalled_at() const {
  // The longer of the average and the last answer: a receiver that answers what arrived
  // together, together, is silent between waves for as long as its last wave took, longer than
  // the average while that still follows a rise (docs/endpoints.md, "How many at once").
  const double expected_s = samples_ < kAverageOver ? 0 : std::max(latency_s_, last_latency_s_);
  return last_progress_ + std::max<Clock::duration>(kStallFloor, from_seconds(expected_s * kStallFactor));
}

bool ConcurrencyGrowth::may_run(std::size_t running, Clock::time_point now) const {
  if (running <= kFreeConcurrency || now >= stalled_at()) return true;
  return limit_ != 0 && static_cast<double>(running) <= limit_;
}

}  // namespace hookd::delivery
