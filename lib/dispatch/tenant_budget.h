// Each company's (tenant's) share of the deliveries in flight, in count and in estimated bytes
// (docs/contract.md, "Bounded memory"; delivery.max_in_flight_per_tenant and
// delivery.max_in_flight_bytes_per_tenant in docs/configuration.md).
//
// At the global cap (delivery.max_in_flight) the poll loops take no more records
// (worker/global_cap.h), so one company whose receivers are slow but answer 2xx could otherwise
// hold all of it: nothing fails, no breaker opens, and every other company waits. A delivery
// that would take its company over the budget is not sent at once. It waits in its company's
// FIFO for one of that company's deliveries to finish, as a request waits for its origin
// (docs/endpoints.md, "Origin queues"), but only while the queue is under its bounds
// (delivery.max_queued_per_tenant, delivery.max_queued_bytes_per_tenant) and its expected wait,
// from the pace the company's deliveries finish at (delivery/drain_estimate.h), is within
// delivery.max_tenant_queue_wait. Otherwise the deliverer defers it to a retry tier, as an
// origin whose queue is full does (`tenant_over_budget`), and its event is committed once that
// record is durable. So a busy company whose receivers are fast waits milliseconds in memory,
// and one whose receivers are slow is deferred as before. The budget is taken before the attempt
// is admitted, so a fan-out of one event to many webhooks of one company sends at most the
// budget and queues or defers the rest.
//
// A queued delivery holds no share; the deliverer still counts it in flight, so it stays in the
// global caps (count and bytes) until its outcome is durable. A company holds at most its budget
// plus its queue bounds, which the loader keeps within the global caps (docs/contract.md,
// "Isolation between companies").
//
// Threads: acquire() runs on the poll loops (the event loop and the retry loop, through
// Deliverer::dispatch); a Ticket is released on a delivery io thread or the producer's
// acknowledgement thread, and the deliverer admits what release() hands on there, outside
// any lock. Tenants are spread over kShards mutexes by hash; each critical section is one
// hash lookup and a few additions (and queue pushes or pops), so the locks are short and, with
// two poll threads and a few io threads, rarely contended. A tenant seen before costs no
// allocation unless its deliveries queue. The counters are shared with the tickets: a job
// still held by a stopped io_context or a producer callback may give its share back after
// the deliverer is gone; such a release (the ticket's own) hands nothing on.
#pragma once

#include "delivery/drain_estimate.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hookd::dispatch {

struct DeliveryJob;  // dispatch/delivery_job.h: queued jobs are only held here

class TenantBudget {
 public:
  using Clock = std::chrono::steady_clock;

  // A limit that is none: see within_global_caps().
  static constexpr std::int64_t unlimited = std::numeric_limits<std::int64_t>::max();

  struct Limits {
    std::int64_t max_in_flight = 512;                        // deliveries per tenant
    std::int64_t max_in_flight_bytes = 64LL * 1024 * 1024;  // estimated bytes per tenant
    // The tenant's wait queue: at most this many deliveries and estimated bytes, joined only
    // while the expected wait is within max_queue_wait. 0 queued: over the budget is deferred
    // at once. A delivery still queued after twice max_queue_wait (its company's receivers
    // slowed down after it joined) is deferred when the next of its company's finishes.
    std::int64_t max_queued = 0;
    std::int64_t max_queued_bytes = 0;
    std::chrono::milliseconds max_queue_wait{1000};
    // Idle tenants (nothing in flight) are forgotten once this many are remembered, so a
    // long-running worker's map stays bounded whatever the number of companies.
    std::size_t max_tracked = 4096;
  };

 private:
  struct Waiting {
    std::shared_ptr<DeliveryJob> job;
    std::int64_t bytes = 0;
    Clock::time_point since;
  };
  struct Usage {
    std::int64_t in_flight = 0;
    std::int64_t bytes = 0;
    // How fast the tenant's shares come back; its slots are passed per estimate.
    delivery::DrainEstimate pace{1};
    std::int64_t queued_bytes = 0;
    std::unique_ptr<std::deque<Waiting>> queue;  // made when the tenant first queues
    bool idle() const { return in_flight == 0 && (!queue || queue->empty()); }
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

    // Gives the share back without handing it on: nothing is said about the tenant's pace.
    void release();
    explicit operator bool() const { return shard_ != nullptr; }

   private:
    friend class TenantBudget;
    Ticket(std::shared_ptr<Shards> shards, Shard* shard, Usage* usage, std::int64_t bytes, Clock::time_point since)
        : shards_(std::move(shards)), shard_(shard), usage_(usage), bytes_(bytes), since_(since) {}
    std::shared_ptr<Shards> shards_;  // keeps shard_ alive
    Shard* shard_ = nullptr;
    Usage* usage_ = nullptr;  // stable: an entry with something in flight is never erased
    std::int64_t bytes_ = 0;
    Clock::time_point since_;  // when the share was taken
  };

  // The configured budget against the global caps: a limit equal to its global cap is no limit
  // (the configuration's "equal turns it off"). Enforced, it would not be off: the poll loops
  // take a record while under the global cap, so one event's fan-out goes past it by up to its
  // number of webhooks, and a budget of the same size would defer exactly those deliveries.
  static Limits within_global_caps(Limits configured, std::int64_t max_in_flight, std::int64_t max_in_flight_bytes);

  explicit TenantBudget(Limits limits);
  // False when neither limit is one: the deliverer then takes no ticket at all.
  bool enforced() const { return limits_.max_in_flight != unlimited || limits_.max_in_flight_bytes != unlimited; }
  // Drops what is still queued: those jobs stay unfinished and their events uncommitted, as
  // for any delivery cut short by shutdown.
  ~TenantBudget();
  TenantBudget(const TenantBudget&) = delete;
  TenantBudget& operator=(const TenantBudget&) = delete;

  // One delivery of about `bytes` for `tenant`: a held ticket, or an empty one when the tenant
  // is at its budget. A delivery larger than the byte budget goes out when its tenant has
  // nothing else in flight, so no delivery is held back for ever.
  Ticket acquire(std::string_view tenant, std::int64_t bytes) { return acquire(tenant, bytes, {}, nullptr).ticket; }

  // The same for `job` at `now`: a held ticket; or, over the budget, `job` queued behind its
  // tenant's other waiting deliveries (it is handed on by a later release()); or neither, and
  // the caller defers it. A tenant with deliveries queued gives no share to a newcomer: first
  // come, first served. A null `job` is never queued.
  struct Admission {
    Ticket ticket;
    bool queued = false;
  };
  Admission acquire(std::string_view tenant, std::int64_t bytes, Clock::time_point now,
                    const std::shared_ptr<DeliveryJob>& job);

  // A queued job leaving its queue: with its share (admit it), or without one, after waiting
  // longer than twice max_queue_wait (defer it).
  struct Handoff {
    std::shared_ptr<DeliveryJob> job;
    Ticket ticket;
  };
  // Gives `ticket`'s share back at `now` (its tenant's pace learns how long it was held) and
  // hands the freed share on to the tenant's queue, oldest first, as far as it goes. The caller
  // admits or defers what comes back, outside the lock.
  std::vector<Handoff> release(Ticket& ticket, Clock::time_point now);

  // What a delivery is counted at: its body plus the job, request headers and signature (the
  // same per-delivery overhead the poll loops' byte estimate uses).
  static std::int64_t estimate(std::size_t body_bytes) { return static_cast<std::int64_t>(body_bytes) + 1024; }

  // For tests and logs: the tenant's deliveries in flight and queued, and how many tenants
  // are remembered.
  std::int64_t in_flight(std::string_view tenant) const;
  std::int64_t queued(std::string_view tenant) const;
  std::size_t tracked() const;

  const Limits& limits() const { return limits_; }

 private:
  Shard& shard_of(std::string_view tenant) const { return (*shards_)[Hash{}(tenant) % kShards]; }
  // Erases the shard's idle tenants; called with its mutex held when it is full.
  static void forget_idle(Shard& shard);
  // Whether the tenant may take a share of `bytes` now; with its shard's mutex held.
  bool fits(const Usage& usage, std::int64_t bytes) const {
    if (usage.in_flight >= limits_.max_in_flight) return false;
    return usage.in_flight == 0 || usage.bytes + bytes <= limits_.max_in_flight_bytes;
  }
  Ticket take(Shard& shard, Usage& usage, std::int64_t bytes, Clock::time_point now);

  Limits limits_;
  std::size_t max_tracked_per_shard_;
  std::shared_ptr<Shards> shards_;
};

}  // namespace hookd::dispatch
