// Endpoint health and the circuit breaker, per webhook, as this worker sees it.
//
// State machine (docs/endpoints.md, "Health and circuit breaking"):
//   - every failed attempt adds one to the webhook's consecutive failures; at
//     `failures_to_unhealthy` it turns UNHEALTHY, which opens its breaker;
//   - a 2xx resets the count and makes it HEALTHY (closing the breaker);
//   - a 410 makes it GONE; only a 2xx leaves GONE (a later 5xx does not withdraw the 410).
// A webhook this worker has not seen succeed or fail enough has no status yet: HEALTHY means
// "seen to succeed", never "assumed fine".
//
// While the breaker is open, admit() defers every delivery except one probe per
// `probe_interval`; the probe's outcome is recorded like any attempt, so a 2xx closes it.
//
// Threading: called from every delivery thread. State lives in a map sharded by webhook id,
// one mutex per shard, so two webhooks rarely share a lock and none is global. When no
// breaker is open anywhere, admit() takes no lock at all. The listener is called under the
// shard's lock, so one webhook's transitions reach it (and the status topic) in the order
// they happened; it must not call back into the tracker.
#pragma once

#include "health/status.h"

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd::health {

struct Settings {
  int failures_to_unhealthy = 5;
  std::chrono::milliseconds probe_interval{30'000};
};

// What one attempt says about its endpoint.
enum class Verdict : std::uint8_t { success, gone, failure };

struct AttemptSummary {
  Verdict verdict = Verdict::failure;
  std::string_view result;  // the result word, for the status record
  int http_status = 0;
};

enum class Admission : std::uint8_t {
  send,   // breaker closed: attempt as usual
  probe,  // breaker open, and this delivery is the interval's one probe
  defer,  // breaker open: no attempt
};

class Listener {
 public:
  virtual ~Listener() = default;
  virtual void on_transition(const Transition& transition) = 0;
  // A webhook's state was dropped (its subscription is gone) while it had `last` status.
  virtual void on_forget(std::string_view webhook_id, Status last) = 0;
};

// What the tracker knows of one webhook (for tests and logs).
struct WebhookHealth {
  std::optional<Status> status;
  int consecutive_failures = 0;
};

class Tracker {
 public:
  // `clock` and `listener` must outlive the tracker.
  Tracker(Settings settings, const Clock& clock, Listener& listener);

  // Before an attempt: whether it may go out.
  Admission admit(std::string_view webhook_id);
  // After an attempt (not after a deferral or a refusal: they say nothing of the endpoint).
  void record(std::string_view webhook_id, const AttemptSummary& attempt);

  std::optional<WebhookHealth> find(std::string_view webhook_id) const;
  // Webhooks in each status (those without a status yet are not counted).
  std::size_t count(Status status) const;
  std::size_t size() const;  // webhooks with any state, status or not
  // Drops the state of every webhook `keep` says no longer exists; keeps the map bounded by
  // the subscriptions. Returns how many were dropped.
  std::size_t retain(const std::function<bool(std::string_view webhook_id)>& keep);

  const Settings& settings() const { return settings_; }

 private:
  struct Entry {
    std::optional<Status> status;
    int consecutive_failures = 0;
    std::chrono::steady_clock::time_point next_probe{};  // while UNHEALTHY
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;
  };
  static constexpr std::size_t kShards = 16;

  Shard& shard_of(std::string_view webhook_id);
  const Shard& shard_of(std::string_view webhook_id) const;
  void change(std::string_view webhook_id, Entry& entry, Status to, const AttemptSummary& attempt);

  Settings settings_;
  const Clock& clock_;
  Listener& listener_;
  std::array<Shard, kShards> shards_;
  std::atomic<int> open_breakers_{0};  // lets admit() skip every lock while it is zero
  std::array<std::atomic<std::int64_t>, kAllStatuses.size()> counts_{};
};

}  // namespace hookd::health
