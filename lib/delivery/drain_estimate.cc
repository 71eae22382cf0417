#include "delivery/drain_estimate.h"

#include <algorithm>

namespace hookd::delivery {

namespace {
// Weight of the newest latency in the moving average: about the last 8 requests count, so a
// receiver that slows down is followed within a few completions.
constexpr int kAverageWeight = 8;
}  // namespace

DrainEstimate::DrainEstimate(std::size_t slots) : slots_(std::max<std::size_t>(1, slots)) {}

void DrainEstimate::started(Clock::time_point now) {
  if (in_flight_++ == 0) last_progress_ = now;
}

void DrainEstimate::finished(Clock::time_point now, Clock::duration latency) {
  if (in_flight_ > 0) --in_flight_;
  last_progress_ = now;
  if (!measured_) {
    average_latency_ = latency;
    measured_ = true;
    return;
  }
  average_latency_ += (latency - average_latency_) / kAverageWeight;
}

void DrainEstimate::opened(Clock::duration open_time) {
  if (!open_measured_) {
    average_open_time_ = open_time;
    open_measured_ = true;
    return;
  }
  average_open_time_ += (open_time - average_open_time_) / kAverageWeight;
}

bool DrainEstimate::sooner_on_new_connection(std::size_t queued, Clock::time_point now, std::size_t busy,
                                             std::size_t opening) const {
  if (!measured_ || !open_measured_) return true;
  if (opening >= std::max<std::size_t>(1, busy)) return false;
  if (busy == 0) return true;
  return expected_wait(queued, now, busy) >= average_open_time_;
}

DrainEstimate::Clock::duration DrainEstimate::expected_wait(std::size_t queued, Clock::time_point now,
                                                           std::size_t slots) const {
  Clock::duration latency = measured_ ? average_latency_ : Clock::duration::zero();
  if (in_flight_ > 0) latency = std::max(latency, now - last_progress_);
  return latency * static_cast<Clock::rep>(queued + 1) / static_cast<Clock::rep>(std::max<std::size_t>(1, slots));
}

}  // namespace hookd::delivery
