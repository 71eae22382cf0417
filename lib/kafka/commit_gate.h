// The commit gate: an offset is stored for commit only once every earlier record of its
// partition has a durable outcome (docs/contract.md, at least once).
//
// The poll thread owns the gate: it marks records dispatched as it reads them; delivery
// threads report finished records through the gate's CompletionQueue; the poll thread applies
// them each turn and stores the offsets that moved. Completions from an older assignment
// generation are ignored: after a rebalance the partition's new owner redelivers them.
//
// The gate also bounds each partition's uncommitted window: the offsets dispatched at or past
// the committable one, finished or not, are what a crash redelivers. At `max_window` the
// poll loop pauses the partition until the window falls back to the resume level
// (docs/contract.md, duplicates after a crash).
#pragma once

#include "kafka/offset_tracker.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::kafka {

// A consumed record's place, as a completion reports it.
struct RecordPosition {
  std::uint64_t generation = 0;  // the assignment the record was dispatched under
  std::string_view topic;        // points into the gate's topic names, which outlive every position
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// An offset to store: everything below `offset` on the partition is durable.
struct CommitOffset {
  std::string_view topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
};

// Multi-producer, single-consumer: delivery threads push, the poll thread drains. The lock is
// held for a vector push_back or a swap, never across I/O, so it is not contended in practice.
class CompletionQueue {
 public:
  void push(const RecordPosition& position) {
    bool wake = false;
    {
      std::lock_guard lock(mu_);
      items_.push_back(position);
      // Asked with the lock held, so a waiter that checked before it slept misses no push.
      if (waiter_ != nullptr && (*waiter_)()) wake = woken_ = true;
    }
    if (wake) {
      ++wakeups_;
      pushed_.notify_one();
    }
  }
  // Waits until a push finds `worth_waking()` true, or `timeout` passed; returns at once if it
  // is true already. A poll loop that takes no records at the global cap waits here for room
  // (worker/global_cap.h): the record that finished is not enough to wake it for, since at the
  // cap it would only look and sleep again, a context switch for every record. The predicate
  // runs on the pushing threads, under the queue's lock: it must only read atomics.
  void wait_for(std::chrono::milliseconds timeout, const std::function<bool()>& worth_waking) {
    std::unique_lock lock(mu_);
    if (worth_waking()) return;
    woken_ = false;
    waiter_ = &worth_waking;
    pushed_.wait_for(lock, timeout, [this] { return woken_; });
    waiter_ = nullptr;
  }
  // Swaps the pending items into `out` (cleared first); the caller keeps its vector's capacity.
  void drain(std::vector<RecordPosition>& out) {
    out.clear();
    std::lock_guard lock(mu_);
    out.swap(items_);
  }
  // For tests: whether a wait_for is in progress, and how many pushes woke one.
  bool waiting() {
    std::lock_guard lock(mu_);
    return waiter_ != nullptr;
  }
  std::size_t wakeups() const { return wakeups_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable pushed_;
  std::vector<RecordPosition> items_;
  const std::function<bool()>* waiter_ = nullptr;  // the waiting poll loop's predicate
  bool woken_ = false;
  std::atomic<std::size_t> wakeups_{0};
};

// One consumed record that fans out into `remaining` pieces of work (one per matched webhook):
// the last one to finish reports the record complete.
class PendingRecord {
 public:
  PendingRecord(RecordPosition position, int pieces, CompletionQueue& completions)
      : position_(position), remaining_(pieces), completions_(&completions) {}

  const RecordPosition& position() const { return position_; }
  void finish_one() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) completions_->push(position_);
  }

 private:
  RecordPosition position_;
  std::atomic<int> remaining_;
  CompletionQueue* completions_;
};

class CommitGate {
 public:
  // `max_window`: the most offsets a partition may have dispatched past its committable one
  // (0: no bound).
  explicit CommitGate(const std::vector<std::string>& topics, std::size_t max_window = 0);

  // Marks a record read under assignment `generation` and returns its position.
  RecordPosition dispatched(std::string_view topic, std::int32_t partition, std::int64_t offset,
                            std::uint64_t generation);
  // Where delivery threads report finished records.
  CompletionQueue& completions() { return completions_; }
  // Applies the finished records of assignment `generation`; returns the offsets that moved
  // (valid until the next call).
  const std::vector<CommitOffset>& apply(std::uint64_t generation);
  // On revoke, after apply(): the next owner starts from the stored offsets.
  void reset();

  // Records of the partition dispatched and not finished (what a revoke waits for).
  std::size_t outstanding(std::string_view topic, std::int32_t partition) const;
  // Offsets of the partition dispatched at or past its committable one, finished or not.
  std::size_t window(std::string_view topic, std::int32_t partition) const;
  // The pause decision: the partition's window is at the bound, stop fetching it.
  bool window_full(std::string_view topic, std::int32_t partition) const;
  // The resume decision for a partition paused for its window: it fell a quarter below the
  // bound, so a window that hovers at the bound does not pause and resume on every record.
  bool window_reopened(std::string_view topic, std::int32_t partition) const;
  std::size_t max_window() const { return max_window_; }

 private:
  const OffsetTracker* tracker(std::string_view topic) const;

  std::size_t max_window_;
  std::map<std::string, OffsetTracker, std::less<>> trackers_;
  CompletionQueue completions_;
  std::vector<RecordPosition> drained_;  // reused
  std::vector<CommitOffset> to_store_;   // reused
};

}  // namespace hookd::kafka
