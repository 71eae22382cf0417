// The unit of work between the event loop and the deliverer.
//
// An EventTicket stands for one consumed event: its offset may be committed only when every
// delivery matched for it has a durable outcome (a 2xx, or a retry or dead-letter record
// acknowledged by Kafka). Each DeliveryJob holds the ticket and calls finish() exactly once.
#pragma once

#include "retry/records.h"
#include "subscriptions/subscription.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hookd::worker {

struct Completion {
  std::uint64_t generation = 0;  // the assignment this event was dispatched under
  std::string_view topic;        // points into the loop's topic list, which outlives every ticket
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// Multi-producer, single-consumer: delivery threads push, the event loop drains. The lock is
// held for a vector push_back or a swap, never across I/O, so it is not contended in practice.
class CompletionQueue {
 public:
  void push(const Completion& c) {
    std::lock_guard lock(mu_);
    items_.push_back(c);
  }
  // Swaps the pending items into `out` (cleared first); the caller keeps its vector's capacity.
  void drain(std::vector<Completion>& out) {
    out.clear();
    std::lock_guard lock(mu_);
    out.swap(items_);
  }

 private:
  std::mutex mu_;
  std::vector<Completion> items_;
};

struct EventTicket {
  Completion position;
  std::atomic<int> remaining{0};
  std::string envelope;  // the original event bytes: dead letters and retry records carry them
  CompletionQueue* completions = nullptr;

  void finish_one() {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) completions->push(position);
  }
};

struct DeliveryJob {
  std::shared_ptr<EventTicket> ticket;  // the consumed record (an event, or a retry record)
  std::shared_ptr<const subscriptions::Subscription> subscription;  // as matched: a later snapshot never changes it
  std::string delivery_id;
  std::string event_id;
  std::string event_type;
  std::int64_t occurred_at_unix_ms = 0;
  std::shared_ptr<const std::string> body;  // built once; the request and a retry record share it
  int attempt = 1;                          // the number of the attempt about to be made
  int step = -1;                            // the schedule step last waited on; -1 before any retry
  bool breaker_probe = false;               // admitted as its breaker's probe: goes out whatever the breaker says
  retry::SourcePosition origin;             // the event's position in the events topic
  std::vector<retry::AttemptRecord> history;  // earlier attempts (from the retry record)
};

}  // namespace hookd::worker
