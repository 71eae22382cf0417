#include "health/tracker.h"

#include <algorithm>

namespace hookd::health {

Tracker::Tracker(Settings settings, const Clock& clock, Listener& listener)
    : settings_(settings), clock_(clock), listener_(listener) {
  settings_.failures_to_unhealthy = std::max(settings_.failures_to_unhealthy, 1);
}

Tracker::Shard& Tracker::shard_of(std::string_view webhook_id) {
  return shards_[StringHash{}(webhook_id) % kShards];
}

const Tracker::Shard& Tracker::shard_of(std::string_view webhook_id) const {
  return shards_[StringHash{}(webhook_id) % kShards];
}

Admission Tracker::admit(std::string_view webhook_id) {
  // The common case, no breaker open anywhere, costs one atomic load. A breaker opened a
  // moment ago may let one more attempt through; that is harmless.
  if (open_breakers_.load(std::memory_order_acquire) == 0) return Admission::send;
  auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(webhook_id);
  if (it == shard.entries.end() || it->second.status != Status::unhealthy) return Admission::send;
  auto& entry = it->second;
  const auto now = clock_.steady_now();
  if (now < entry.next_probe) return Admission::defer;
  // The probe slot is taken when the probe goes out, not when it ends: a probe that hangs
  // until its timeout still lets the next one go one interval later.
  entry.next_probe = now + settings_.probe_interval;
  return Admission::probe;
}

void Tracker::record(std::string_view webhook_id, const AttemptSummary& attempt) {
  auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(webhook_id);
  if (it == shard.entries.end()) {
    // Only the first outcome of a webhook allocates its entry.
    it = shard.entries.emplace(std::string(webhook_id), Entry{}).first;
  }
  auto& entry = it->second;
  switch (attempt.verdict) {
    case Verdict::success:
      entry.consecutive_failures = 0;
      if (entry.status != Status::healthy) change(it->first, entry, Status::healthy, attempt);
      return;
    case Verdict::gone:
      ++entry.consecutive_failures;
      if (entry.status != Status::gone) change(it->first, entry, Status::gone, attempt);
      return;
    case Verdict::failure:
      ++entry.consecutive_failures;
      if (entry.status != Status::unhealthy && entry.status != Status::gone &&
          entry.consecutive_failures >= settings_.failures_to_unhealthy) {
        change(it->first, entry, Status::unhealthy, attempt);
      }
      return;
  }
}

void Tracker::change(std::string_view webhook_id, Entry& entry, Status to, const AttemptSummary& attempt) {
  const std::optional<Status> from = entry.status;
  if (from) counts_[static_cast<std::size_t>(*from)].fetch_sub(1, std::memory_order_relaxed);
  counts_[static_cast<std::size_t>(to)].fetch_add(1, std::memory_order_relaxed);
  if (from == Status::unhealthy) open_breakers_.fetch_sub(1, std::memory_order_release);
  if (to == Status::unhealthy) {
    // The first probe goes out one interval after the breaker opened.
    entry.next_probe = clock_.steady_now() + settings_.probe_interval;
    open_breakers_.fetch_add(1, std::memory_order_release);
  }
  entry.status = to;
  listener_.on_transition(Transition{webhook_id, from, to, clock_.unix_ms_now(), entry.consecutive_failures,
                                     attempt.result, attempt.http_status});
}

std::optional<WebhookHealth> Tracker::find(std::string_view webhook_id) const {
  const auto& shard = shard_of(webhook_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(webhook_id);
  if (it == shard.entries.end()) return std::nullopt;
  return WebhookHealth{it->second.status, it->second.consecutive_failures};
}

std::size_t Tracker::count(Status status) const {
  return static_cast<std::size_t>(counts_[static_cast<std::size_t>(status)].load(std::memory_order_relaxed));
}

std::size_t Tracker::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.entries.size();
  }
  return n;
}

std::size_t Tracker::retain(const std::function<bool(std::string_view webhook_id)>& keep) {
  std::size_t dropped = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (auto it = shard.entries.begin(); it != shard.entries.end();) {
      if (keep(it->first)) {
        ++it;
        continue;
      }
      if (const auto status = it->second.status) {
        counts_[static_cast<std::size_t>(*status)].fetch_sub(1, std::memory_order_relaxed);
        if (*status == Status::unhealthy) open_breakers_.fetch_sub(1, std::memory_order_release);
        listener_.on_forget(it->first, *status);
      }
      it = shard.entries.erase(it);
      ++dropped;
    }
  }
  return dropped;
}

}  // namespace hookd::health
