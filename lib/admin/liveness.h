// What /healthz and /readyz answer (docs/operations.md, probes), from facts the threads that
// own them write: the poll loops beat, the Kafka clients report brokers down and up, the
// subscription feed reports its snapshot, the heartbeat copies the group membership.
// Lock-free: every fact is one atomic, read by the admin thread.
#pragma once

#include "admin/admin_server.h"
#include "common/clock.h"

#include <atomic>
#include <chrono>
#include <limits>

namespace hookd::admin {

class Liveness {
 public:
  struct Settings {
    std::chrono::milliseconds stalled_after{30'000};           // no beat this long: unhealthy
    std::chrono::milliseconds kafka_unavailable_after{60'000};  // brokers down this long: unready
  };

  Liveness(const common::Clock& clock, Settings settings) : clock_(clock), settings_(settings) { beat(); }

  void beat() { heartbeat_.store(now(), std::memory_order_relaxed); }
  // Every broker is down (from the first such report on) / some broker is up again.
  void kafka_down() {
    common::Clock::steady_time::rep expected = kUp;
    kafka_down_since_.compare_exchange_strong(expected, now());
  }
  void kafka_up() { kafka_down_since_.store(kUp, std::memory_order_relaxed); }
  void set_snapshot_ready(bool ready) { snapshot_ready_ = ready; }
  void set_consuming(bool consuming) { consuming_ = consuming; }
  void set_joined(bool joined) { joined_ = joined; }
  // The worker cannot do its job whatever its loops do (its writes fail for good): unhealthy,
  // so the orchestrator restarts it.
  void set_failed(bool failed) { failed_ = failed; }
  bool consuming() const { return consuming_.load(); }
  bool joined() const { return joined_.load(); }
  // No report that every broker is down since the last one that some broker is up.
  bool kafka_reachable() const { return kafka_down_since_.load(std::memory_order_relaxed) == kUp; }

  // The process and its loops are turning, and it has not failed.
  bool healthy() const { return !failed_.load() && elapsed_since(heartbeat_) < settings_.stalled_after; }
  // Snapshot loaded, consuming, joined to the group, and Kafka not unreachable for too long.
  bool ready() const {
    const auto down_since = kafka_down_since_.load(std::memory_order_relaxed);
    const bool kafka_ok = down_since == kUp || elapsed_since(kafka_down_since_) < settings_.kafka_unavailable_after;
    return snapshot_ready_.load() && consuming_.load() && joined_.load() && kafka_ok;
  }
  Probes probes() {
    return {[this] { return healthy(); }, [this] { return ready(); }};
  }

 private:
  // Not a time any clock reads (a manual clock starts at its epoch, 0).
  static constexpr common::Clock::steady_time::rep kUp = std::numeric_limits<common::Clock::steady_time::rep>::min();
  common::Clock::steady_time::rep now() const { return clock_.steady_now().time_since_epoch().count(); }
  common::Clock::steady_time::duration elapsed_since(const std::atomic<common::Clock::steady_time::rep>& at) const {
    return common::Clock::steady_time::duration(now() - at.load(std::memory_order_relaxed));
  }

  const common::Clock& clock_;
  const Settings settings_;
  std::atomic<common::Clock::steady_time::rep> heartbeat_{0};
  std::atomic<common::Clock::steady_time::rep> kafka_down_since_{kUp};
  std::atomic<bool> snapshot_ready_{false};
  std::atomic<bool> consuming_{false};
  std::atomic<bool> joined_{false};
  std::atomic<bool> failed_{false};
};

}  // namespace hookd::admin
