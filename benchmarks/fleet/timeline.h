// Every delivery the fleet benchmark's receivers saw, with its arrival time, event and webhook,
// and the figures of one phase of the run: deliveries/s, the longest gap between consecutive
// deliveries (fleet-wide and per partition), duplicates; and, at the end, the event x webhook
// pairs never delivered.
//
// A duplicate is a webhook-id that arrives a second time, as in common/arrivals.h; gaps and
// deliveries/s count first arrivals only, so a redelivery after a crash is not progress.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "support/https_receiver.h"

namespace hookd::bench {

struct Arrival {
  std::chrono::steady_clock::time_point at;  // when the receiver had read the request
  long event = 0;                            // n of the event's id
  int webhook = 0;
  bool duplicate = false;
};

// A gap between two consecutive first arrivals; `from` is the earlier one.
struct Gap {
  std::chrono::steady_clock::duration length{};
  std::chrono::steady_clock::time_point from{};
  int partition = -1;  // -1: fleet-wide
};

struct PhaseFigures {
  double seconds = 0;
  std::size_t deliveries = 0;  // first arrivals inside the phase
  std::size_t duplicates = 0;  // repeated webhook-ids inside the phase
  Gap longest;                 // fleet-wide, among gaps that start inside the phase
  Gap longest_partition;       // the longest of one partition's own gaps, same rule
};

class Timeline {
 public:
  // Events are recognised by their eventId "<event_prefix><n>"; warm-up events (ids
  // starting with common/arrivals.h's kWarmupPrefix) are only counted. Room for
  // `expected_deliveries` is made up front: record() holds the lock the receivers' threads share,
  // and growing the sets there (a rehash of millions of entries) stalled every receiver for
  // about a second, which the worker then saw as receivers that had stopped answering.
  Timeline(std::string event_prefix, std::size_t expected_deliveries);

  // Called from receiver threads for every request to webhook `webhook`.
  void record(int webhook, const test_support::ReceivedRequest& request);

  std::size_t distinct() const;
  std::size_t warmup() const;
  std::size_t unreadable() const;

  // The figures of [start, end). A gap belongs to the phase it starts in: the stall a kill
  // causes counts in the phase of the kill even when it runs past the phase's end.
  // `partition_of(event)` gives the partition the event was written to.
  PhaseFigures figures(std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end,
                       const std::function<int(long)>& partition_of) const;

  // The pairs (event < events, webhook < webhooks) with no delivery at all.
  std::vector<std::pair<long, int>> missing(long events, int webhooks) const;

 private:
  std::string event_key_;  // "\"eventId\":\"<prefix>"
  std::string warmup_key_;
  mutable std::mutex mutex_;
  std::vector<Arrival> arrivals_;            // in the order record() saw them
  std::unordered_set<std::string> seen_;     // webhook-id of every delivery so far
  std::unordered_set<std::int64_t> pairs_;   // event * kMaxWebhooks + webhook, delivered
  std::size_t distinct_ = 0;
  std::size_t warmup_ = 0;
  std::size_t unreadable_ = 0;
};

}  // namespace hookd::bench
