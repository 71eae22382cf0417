#include "worker/global_cap.h"

namespace hookd::worker {

GlobalCap::Step GlobalCap::next(std::int64_t in_flight, std::int64_t bytes, common::Clock::steady_time now) {
  const bool at_cap = in_flight >= max_in_flight_ || bytes >= max_bytes_;
  // Hysteresis: leave the cap only with a quarter of both to spare, so the loop does not flap.
  const bool room = has_room(in_flight, bytes);
  switch (state_) {
    case State::open:
      if (!at_cap) return Step::take;
      state_ = State::holding;
      held_since_ = now;
      return Step::hold;
    case State::holding:
      if (room) {
        state_ = State::open;
        return Step::take;
      }
      if (now - held_since_ < max_hold_) return Step::hold;
      state_ = State::paused;
      return Step::pause_all;
    case State::paused:
      if (!room) return Step::stay_paused;
      state_ = State::open;
      return Step::resume_all;
  }
  return Step::take;
}

}  // namespace hookd::worker
