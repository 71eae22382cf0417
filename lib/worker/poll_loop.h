// What the event and retry loops share: one thread that keeps polling its consumer, offsets
// stored only behind durable outcomes (kafka/commit_gate.h), and a drain on shutdown.
//
// Pausing (docs/contract.md, bounds): a partition is paused while its uncommitted window is
// full, or (retry loop) while it holds a record that is not due. At the global cap (the
// deliveries in flight, in count or in bytes) the loop takes no records and does not poll,
// and pauses every partition only when that lasts (worker/global_cap.h says why). The reasons
// must not undo each other: GroupConsumer keeps one pause flag per partition, so lifting the
// global pause (resume_all) re-pauses at once what the loop still holds back for its own
// reasons, and a partition's own resume while everything is paused is left to resume_all.
#pragma once

#include "common/clock.h"
#include "delivery/handoff.h"
#include "kafka/commit_gate.h"
#include "kafka/group_consumer.h"
#include "dispatch/deliverer.h"
#include "worker/global_cap.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hookd::worker {

using dispatch::Deliverer;
using dispatch::DeliveryJob;
using dispatch::EventTicket;

// Memory held by the deliveries both loops dispatched and not finished, in bytes. The
// deliverer counts deliveries, not bytes, so the loops estimate it per record: the envelope
// once plus, per delivery, a body about the envelope's size and a fixed overhead. A record's
// bytes are released when its ticket (held by each of its jobs) is destroyed. Shared by the
// loops and the tickets; delivery threads may release after the loops are gone.
class InFlightBytes {
 public:
  void add(std::int64_t bytes) { value_.fetch_add(bytes, std::memory_order_relaxed); }
  void release(std::int64_t bytes) { value_.fetch_sub(bytes, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

  // What one record's ticket is counted at.
  static std::int64_t estimate(std::size_t envelope_bytes, int deliveries) {
    constexpr std::int64_t kPerDelivery = 1024;  // job, request headers, signature
    const auto envelope = static_cast<std::int64_t>(envelope_bytes);
    return envelope + deliveries * (envelope + kPerDelivery);
  }

 private:
  std::atomic<std::int64_t> value_{0};
};

// The bounds a loop keeps (config: delivery.*, kafka.revoke_grace).
struct PollLimits {
  std::int64_t max_in_flight = 2048;                      // deliveries, both loops (Deliverer::in_flight)
  std::int64_t max_in_flight_bytes = 256LL * 1024 * 1024;  // both loops (InFlightBytes)
  std::size_t max_uncommitted_per_partition = 1000;        // 0: no bound
  std::chrono::milliseconds revoke_grace{5000};
  // How long the loop may go without polling at the global cap before it pauses every
  // partition instead: the longest a rebalance waits for this member on its account.
  std::chrono::milliseconds max_cap_hold{1000};
};

class PollLoop {
 public:
  PollLoop(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics, Deliverer& deliverer,
           PollLimits limits, std::shared_ptr<InFlightBytes> bytes, const common::Clock& clock);
  virtual ~PollLoop() = default;

  // Polls until `stop` turns true. Returns with every finished delivery's offset stored.
  void run(const std::atomic<bool>& stop);
  // After run(): waits up to `grace` for in-flight deliveries, storing offsets as they finish.
  // Unfinished ones stay uncommitted and are redelivered after a restart.
  void drain(std::chrono::milliseconds grace);
  // Called by the consumer's revoke hook (inside poll, on this thread): waits up to
  // revoke_grace for the revoked partitions' deliveries, storing offsets as they finish, so
  // the next owner does not send them again (docs/contract.md, rebalances).
  virtual void on_revoke();
  // Stores the offsets of records finished since the last turn (after the loop stopped).
  void store_finished();

  common::Clock::steady_time last_turn() const {
    return common::Clock::steady_time(common::Clock::steady_time::duration(last_turn_.load(std::memory_order_relaxed)));
  }

 protected:
  virtual void handle(kafka::Message message) = 0;
  // Once per turn, before polling (backpressure, due retries).
  virtual void before_poll() {}
  // Whether this loop holds `tp` paused for a reason of its own besides its window.
  virtual bool holds(const kafka::TopicPartition&) const { return false; }

  // Marks a record read; its ticket (or a direct completion) reports it finished. Pauses the
  // record's partition when this fills its uncommitted window.
  kafka::RecordPosition dispatched(const kafka::Message& message);
  // One consumed record that `deliveries` jobs will finish; counted in InFlightBytes until
  // the last of them lets it go.
  std::shared_ptr<EventTicket> ticket(const kafka::RecordPosition& position, int deliveries, std::string envelope);
  // A record that needs no delivery is finished at once.
  void finished(const kafka::RecordPosition& position) { gate_.completions().push(position); }

  // The global cap, in deliveries and in bytes (GlobalCap): true from the turn either is
  // reached until both are under three quarters; meanwhile run() does not poll, or, after
  // max_cap_hold, every partition is paused.
  bool at_global_cap();
  // Resumes `tp` (its own reason to pause is gone) unless its window keeps it paused.
  void resume_unless_window_full(const kafka::TopicPartition& tp);

  // Records whose requests are handed over together at most. The first of them waits for the
  // rest: at ten webhooks an event, about a third of a millisecond of the loop's work
  // (docs/benchmarks.md, "Handing requests over in batches").
  static constexpr int kBatchRecords = 8;

  kafka::GroupConsumer& consumer_;
  Deliverer& deliverer_;
  const common::Clock& clock_;
  const PollLimits limits_;

 private:
  // Resumes the partitions whose window reopened.
  void reopen_windows();
  // The revoke wait: deliveries of the partitions being revoked, until none or revoke_grace.
  void wait_for_revoked();

  // Ends the hand-over batch, if one is open: its requests go to the io threads now.
  void end_batch();

  std::shared_ptr<InFlightBytes> bytes_;
  // Records handled back to back hand their requests over together (delivery/handoff.h): the
  // batch ends when no record is waiting, after kBatchRecords, and before the loop waits (at the
  // cap, on a revoke), so no wait is for requests it holds.
  std::optional<delivery::Handoff::Batch> batch_;
  int batched_ = 0;
  kafka::CommitGate gate_;
  std::set<kafka::TopicPartition> window_paused_;  // paused for their window, by this loop
  GlobalCap cap_;
  // Whether the cap has room now; asked by the delivery threads whose completions would wake
  // a loop held at the cap (kafka::CompletionQueue::wait_for), so it reads only atomics.
  const std::function<bool()> cap_has_room_;
  std::atomic<common::Clock::steady_time::rep> last_turn_{0};
};

}  // namespace hookd::worker
