// Each company's (tenant's) share of the deliveries in flight, in count and in estimated bytes
// (docs/contract.md, "Bounded memory"; delivery.max_in_flight_per_tenant and
// delivery.max_in_flight_bytes_per_tenant in docs/configuration.md).
//
// At the global cap (delivery.max_in_flight) the poll loops take no more records
// (worker/global_cap.h), so one company whose receivers are slow but answer 2xx could otherwise
// hold all of it: nothing fails, no breaker opens, and every other company waits. A delivery that would take its
// company over the budget is not sent; the deliverer defers it to a retry tier, as an origin
// at its cap does (`tenant_over_budget`), and its event is committed once that record is
// durable. The budget is taken before the attempt is admitted, so a fan-out of one event to
// many webhooks of one company sends at most the budget and defers the rest.
//
// Threads: acquire() runs on the poll loops (the event loop and the retry loop, through
// Deliverer::dispatch); a Ticket is released on a delivery io thread or the producer's
// acknowledgement thread. Tenants are spread over kShards mutexes by hash; each critical
// section is one hash lookup and two additions, so the locks are short and, with two poll
// threads and a few io threads, rarely contended. A tenant seen before costs no allocation.
// The counters are shared with the tickets: a job still held by a stopped io_context or a
// producer callback may give its share back after the deliverer is gone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hookd::dispatch {

class TenantBudget {
 public:
  struct Limits {
    std::int64_t max_in_flight = 512;                        // deliveries per tenant
    std::int64_t max_in_flight_bytes = 64LL * 1024 * 1024;  // estimated bytes per tenant
    // Idle tenants (nothing in flight) are forgotten once this many are remembered, so a
    // long-running worker's map stays bounded whatever the number of companies.
    std::size_t max_tracked = 4096;
  };

 private:
  struct Usage {
    std::int64_t in_flight = 0;
    std::int64_t bytes = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<std::string, Usage, Hash, std::equal_to<>> tenants;
  };
  static constexpr std::size_t kShards = 8;
  using Shards = std::array<Shard, kShards>;

 public:
  // One delivery's share of its tenant's budget, given back when the ticket is released or
  // destroyed, whichever comes first (a job dropped by a stopped io_context included).
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { release(); }

    void release();
    explicit operator bool() const { return shard_ != nullptr; }

   private:
    friend class TenantBudget;
    Ticket(std::shared_ptr<Shards> shards, Shard* shard, Usage* usage, std::int64_t bytes)
        : shards_(std::move(shards)), shard_(shard), usage_(usage), bytes_(bytes) {}
    std::shared_ptr<Shards> shards_;  // keeps shard_ alive
    Shard* shard_ = nullptr;
    Usage* usage_ = nullptr;  // stable: an entry with something in flight is never erased
    std::int64_t bytes_ = 0;
  };

  explicit TenantBudget(Limits limits);

  // One delivery of about `bytes` for `tenant`: a held ticket, or an empty one when the tenant
  // is at its budget. A delivery larger than the byte budget goes out when its tenant has
  // nothing else in flight, so no delivery is held back for ever.
  Ticket acquire(std::string_view tenant, std::int64_t bytes);

  // What a delivery is counted at: its body plus the job, request headers and signature (the
  // same per-delivery overhead the poll loops' byte estimate uses).
  static std::int64_t estimate(std::size_t body_bytes) { return static_cast<std::int64_t>(body_bytes) + 1024; }

  // For tests and logs: the tenant's deliveries in flight, and how many tenants are remembered.
  std::int64_t in_flight(std::string_view tenant) const;
  std::size_t tracked() const;

  const Limits& limits() const { return limits_; }

 private:
  Shard& shard_of(std::string_view tenant) const { return (*shards_)[Hash{}(tenant) % kShards]; }
  // Erases the shard's idle tenants; called with its mutex held when it is full.
  static void forget_idle(Shard& shard);

  Limits limits_;
  std::size_t max_tracked_per_shard_;
  std::shared_ptr<Shards> shards_;
};

}  // namespace hookd::dispatch
