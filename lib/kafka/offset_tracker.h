// Which offset of a partition may be committed when records complete out of order.
//
// hookd dispatches a partition's records in offset order but they finish in any order
// (fast and slow endpoints, retries). Committing offset N means "everything below N is
// done", so the committable offset is the smallest one still outstanding, or the last
// dispatched + 1 when none is. Offsets need not be contiguous (compaction, transaction
// markers leave gaps).
//
// One tracker per topic. Not thread-safe: the worker owns it on one thread/strand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

namespace hookd::kafka {

class OffsetTracker {
 public:
  // Records that `offset` is in flight. Offsets normally arrive increasing per partition;
  // an older one (a re-fetch) is still tracked correctly, a duplicate is ignored.
  void dispatched(std::int32_t partition, std::int64_t offset);

  // Marks `offset` done. Returns the partition's new committable offset when it moved
  // forward, nullopt otherwise (including unknown or already completed offsets).
  std::optional<std::int64_t> completed(std::int32_t partition, std::int64_t offset);

  // The partition's current committable offset, nullopt if nothing was dispatched.
  std::optional<std::int64_t> committable(std::int32_t partition) const;

  // Forgets every partition (after a rebalance) or one.
  void reset();
  void reset(std::int32_t partition);

  // Offsets dispatched and not completed, over all partitions.
  std::size_t outstanding() const { return outstanding_; }
  // Offsets dispatched and not completed on one partition.
  std::size_t outstanding(std::int32_t partition) const;
  // Offsets dispatched at or past the partition's committable one, finished or not: what a
  // crash now would deliver again (docs/contract.md, duplicates).
  std::size_t window(std::int32_t partition) const;

 private:
  struct Entry {
    std::int64_t offset;
    bool done;
  };
  struct Window {
    // Sorted by offset; the front is never done (done fronts are popped at once).
    std::deque<Entry> entries;
    std::int64_t last_dispatched = -1;
    std::int64_t committable = -1;
    std::size_t outstanding = 0;  // entries not done
  };
  static std::int64_t committable_of(const Window& w) {
    return w.entries.empty() ? w.last_dispatched + 1 : w.entries.front().offset;
  }

  std::unordered_map<std::int32_t, Window> partitions_;
  std::size_t outstanding_ = 0;
};

}  // namespace hookd::kafka
