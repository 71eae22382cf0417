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
  }
  return *this;
}

void TenantBudget::Ticket::release() {
  if (shard_ == nullptr) return;
  {
    const std::lock_guard lock(shard_->mutex);
    usage_->in_flight -= 1;
    usage_->bytes -= bytes_;
  }
  shard_ = nullptr;
  usage_ = nullptr;
  bytes_ = 0;
  shards_.reset();
}

TenantBudget::TenantBudget(Limits limits)
    : limits_(limits),
      max_tracked_per_shard_(std::max<std::size_t>(1, limits.max_tracked / kShards)),
      shards_(std::make_shared<Shards>()) {}

TenantBudget::Ticket TenantBudget::acquire(std::string_view tenant, std::int64_t bytes) {
  Shard& shard = shard_of(tenant);
  const std::lock_guard lock(shard.mutex);
  auto it = shard.tenants.find(tenant);
  if (it == shard.tenants.end()) {
    // A tenant not seen lately: the one allocation, after making room among the idle ones.
    if (shard.tenants.size() >= max_tracked_per_shard_) forget_idle(shard);
    it = shard.tenants.emplace(std::string(tenant), Usage{}).first;
  }
  Usage& usage = it->second;
  if (usage.in_flight >= limits_.max_in_flight) return {};
  if (usage.in_flight > 0 && usage.bytes + bytes > limits_.max_in_flight_bytes) return {};
  usage.in_flight += 1;
  usage.bytes += bytes;
  return Ticket(shards_, &shard, &usage, bytes);
}

void TenantBudget::forget_idle(Shard& shard) {
  // Only entries with nothing in flight go: a held ticket points at its entry. Busy tenants
  // are at most the deliveries in flight, which the global cap bounds.
  std::erase_if(shard.tenants, [](const auto& entry) { return entry.second.in_flight == 0; });
}

std::int64_t TenantBudget::in_flight(std::string_view tenant) const {
  Shard& shard = shard_of(tenant);
  const std::lock_guard lock(shard.mutex);
  const auto it = shard.tenants.find(tenant);
  return it == shard.tenants.end() ? 0 : it->second.in_flight;
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
