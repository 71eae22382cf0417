#include "dispatch/tenant_budget.h"

#include <algorithm>
#include <utility>

namespace hookd::dispatch {

TenantBudget::Ticket& TenantBudget::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    shards_ = std::move(other.shards_);
    shard_ = std::exchange(other.shard_, nullptr);
    usage_ = std::exchange(other.usage_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
    since_ = other.since_;
  }
  return *this;
}

void TenantBudget::Ticket::release() {
  if (shard_ == nullptr) return;
  {
    const std::lock_guard lock(shard_->mutex);
    usage_->in_flight -= 1;
    usage_->bytes -= bytes_;
    usage_->pace.abandoned();
  }
  shard_ = nullptr;
  usage_ = nullptr;
  bytes_ = 0;
  shards_.reset();
}

TenantBudget::Limits TenantBudget::within_global_caps(Limits configured, std::int64_t max_in_flight,
                                                     std::int64_t max_in_flight_bytes) {
  if (configured.max_in_flight >= max_in_flight) configured.max_in_flight = unlimited;
  if (configured.max_in_flight_bytes >= max_in_flight_bytes) configured.max_in_flight_bytes = unlimited;
  return configured;
}

TenantBudget::TenantBudget(Limits limits)
    : limits_(limits),
      max_tracked_per_shard_(std::max<std::size_t>(1, limits.max_tracked / kShards)),
      shards_(std::make_shared<Shards>()) {}

TenantBudget::~TenantBudget() {
  // The queued jobs are destroyed outside the locks: a job's last reference may be its event's.
  std::vector<std::shared_ptr<DeliveryJob>> dropped;
  for (auto& shard : *shards_) {
    const std::lock_guard lock(shard.mutex);
    for (auto& [tenant, usage] : shard.tenants) {
      if (!usage.queue) continue;
      for (auto& waiting : *usage.queue) dropped.push_back(std::move(waiting.job));
      usage.queue->clear();
      usage.queued_bytes = 0;
    }
  }
}

TenantBudget::Ticket TenantBudget::take(Shard& shard, Usage& usage, std::int64_t bytes, Clock::time_point now) {
  usage.in_flight += 1;
  usage.bytes += bytes;
  usage.pace.started(now);
  return Ticket(shards_, &shard, &usage, bytes, now);
}

TenantBudget::Admission TenantBudget::acquire(std::string_view tenant, std::int64_t bytes, Clock::time_point now,
                                              const std::shared_ptr<DeliveryJob>& job) {
  Shard& shard = shard_of(tenant);
  const std::lock_guard lock(shard.mutex);
  auto it = shard.tenants.find(tenant);
  if (it == shard.tenants.end()) {
    // A tenant not seen lately: the one allocation, after making room among the idle ones.
    if (shard.tenants.size() >= max_tracked_per_shard_) forget_idle(shard);
    it = shard.tenants.emplace(std::string(tenant), Usage{}).first;
  }
  Usage& usage = it->second;
  const bool others_waiting = usage.queue && !usage.queue->empty();
  if (!others_waiting && fits(usage, bytes)) return {take(shard, usage, bytes, now), false};
  if (!job) return {};
  // Over the budget: wait for a share only while the queue is under its bounds and the wait,
  // at the pace the tenant's shares come back, is short (docs/contract.md, "Isolation between
  // companies"). A tenant over its budget has a delivery in flight, whose end hands the share
  // on, so a queued job is never left without one to wait for.
  // Before any of its shares came back the tenant's pace is unknown: a first burst could fill
  // the queue behind receivers that take their full timeout, so it is deferred as before.
  if (!usage.pace.measured()) return {};
  const std::size_t waiting = others_waiting ? usage.queue->size() : 0;
  if (static_cast<std::int64_t>(waiting) >= limits_.max_queued) return {};
  if (usage.queued_bytes + bytes > limits_.max_queued_bytes) return {};
  const auto slots = static_cast<std::size_t>(std::max<std::int64_t>(1, usage.in_flight));
  if (usage.pace.expected_wait(waiting, now, slots) > limits_.max_queue_wait) return {};
  if (!usage.queue) usage.queue = std::make_unique<std::deque<Waiting>>();
  usage.queue->push_back({job, bytes, now});
  usage.queued_bytes += bytes;
  return {{}, true};
}

std::vector<TenantBudget::Handoff> TenantBudget::release(Ticket& ticket, Clock::time_point now) {
  std::vector<Handoff> handed;
  if (!ticket) return handed;
  Shard& shard = *ticket.shard_;
  Usage& usage = *ticket.usage_;
  {
    const std::lock_guard lock(shard.mutex);
    usage.in_flight -= 1;
    usage.bytes -= ticket.bytes_;
    usage.pace.finished(now, now - ticket.since_);
    if (usage.queue) {
      auto& queue = *usage.queue;
      while (!queue.empty() && fits(usage, queue.front().bytes)) {
        Waiting next = std::move(queue.front());
        queue.pop_front();
        usage.queued_bytes -= next.bytes;
        handed.push_back({std::move(next.job), take(shard, usage, next.bytes, now)});
      }
      // Those that waited far longer than the queue promised are not kept waiting on: their
      // company slowed down after they joined.
      while (!queue.empty() && now - queue.front().since > 2 * limits_.max_queue_wait) {
        usage.queued_bytes -= queue.front().bytes;
        handed.push_back({std::move(queue.front().job), {}});
        queue.pop_front();
      }
    }
  }
  // The ticket is spent: empty it without touching the counters again.
  ticket.shard_ = nullptr;
  ticket.usage_ = nullptr;
  ticket.bytes_ = 0;
  ticket.shards_.reset();
  return handed;
}

void TenantBudget::forget_idle(Shard& shard) {
  // Only entries with nothing in flight go: a held ticket points at its entry. Busy tenants
  // are at most the deliveries in flight, which the global cap bounds; queued ones are
  // counted in flight by the deliverer, so the same bound holds for tenants with a queue.
  std::erase_if(shard.tenants, [](const auto& entry) { return entry.second.idle(); });
}

std::int64_t TenantBudget::in_flight(std::string_view tenant) const {
  Shard& shard = shard_of(tenant);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.tenants.find(tenant);
  return it == shard.tenants.end() ? 0 : it->second.in_flight;
}

std::int64_t TenantBudget::queued(std::string_view tenant) const {
  Shard& shard = shard_of(tenant);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.tenants.find(tenant);
  return it == shard.tenants.end() || !it->second.queue ? 0 : static_cast<std::int64_t>(it->second.queue->size());
}

std::size_t TenantBudget::tracked() const {
  std::size_t n = 0;
  for (auto& shard : *shards_) {
    const std::lock_guard lock(shard.mutex);
    n += shard.tenants.size();
  }
  return n;
}

}  // namespace hookd::dispatch
