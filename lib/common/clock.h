// The one clock hookd reads time from (docs/architecture.md).
//
// Every decision that depends on time takes a Clock (or a `now` passed in), so tests drive it
// with a ManualClock in milliseconds instead of sleeping. Two readings, because they answer two
// questions: steady_now() measures waits and deadlines (never jumps), unix_ms_now() stamps what
// hookd writes (records, headers) and compares with Kafka timestamps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace hookd::common {

class Clock {
 public:
  using steady_time = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  virtual steady_time steady_now() const = 0;
  virtual std::int64_t unix_ms_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  steady_time steady_now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t unix_ms_now() const override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// A clock that moves only when told to; both readings advance together. Thread-safe, so a
// test may read it from the delivery threads while it advances it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t unix_ms = 1'767'225'600'000)  // 2026-01-01T00:00:00Z
      : unix_ms_(unix_ms) {}

  steady_time steady_now() const override {
    return steady_time(std::chrono::milliseconds(elapsed_ms_.load(std::memory_order_relaxed)));
  }
  std::int64_t unix_ms_now() const override { return unix_ms_.load(std::memory_order_relaxed); }

  void advance(std::chrono::milliseconds by) {
    elapsed_ms_.fetch_add(by.count(), std::memory_order_relaxed);
    unix_ms_.fetch_add(by.count(), std::memory_order_relaxed);
  }

 private:
  std::atomic<std::int64_t> unix_ms_;
  std::atomic<std::int64_t> elapsed_ms_{0};
};

// The process's system clock, for the places that are wiring, not decisions.
inline const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace hookd::common
