#include "kafka/offset_tracker.h"

#include <algorithm>

namespace hookd::kafka {
namespace {

auto lower_bound_offset(auto& entries, std::int64_t offset) {
  return std::lower_bound(entries.begin(), entries.end(), offset,
                          [](const auto& e, std::int64_t o) { return e.offset < o; });
}

}  // namespace

void OffsetTracker::dispatched(std::int32_t partition, std::int64_t offset) {
  auto [it, inserted] = partitions_.try_emplace(partition);
  Window& w = it->second;
  if (inserted) w.committable = offset;
  if (offset > w.last_dispatched) {
    w.entries.push_back({offset, false});
    w.last_dispatched = offset;
    ++w.outstanding;
    ++outstanding_;
    return;
  }
  // An older offset: a re-fetch after a seek. Keep the window sorted; the committable
  // offset may step back, which is safe (redelivery), never past unfinished work.
  auto pos = lower_bound_offset(w.entries, offset);
  if (pos != w.entries.end() && pos->offset == offset) {
    if (pos->done) {
      pos->done = false;
      ++w.outstanding;
      ++outstanding_;
    }
    return;
  }
  w.entries.insert(pos, {offset, false});
  ++w.outstanding;
  ++outstanding_;
  w.committable = std::min(w.committable, offset);
}

std::optional<std::int64_t> OffsetTracker::completed(std::int32_t partition, std::int64_t offset) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  Window& w = it->second;
  auto pos = lower_bound_offset(w.entries, offset);
  if (pos == w.entries.end() || pos->offset != offset || pos->done) return std::nullopt;
  pos->done = true;
  --w.outstanding;
  --outstanding_;
  if (pos != w.entries.begin()) return std::nullopt;  // something older is still in flight
  while (!w.entries.empty() && w.entries.front().done) w.entries.pop_front();
  const std::int64_t next = committable_of(w);
  if (next <= w.committable) return std::nullopt;
  w.committable = next;
  return next;
}

std::optional<std::int64_t> OffsetTracker::committable(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return std::nullopt;
  return it->second.committable;
}

std::size_t OffsetTracker::outstanding(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? 0 : it->second.outstanding;
}

std::size_t OffsetTracker::window(std::int32_t partition) const {
  // The front entry is never done, so every entry is at or past the committable offset.
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? 0 : it->second.entries.size();
}

void OffsetTracker::reset() {
  partitions_.clear();
  outstanding_ = 0;
}

void OffsetTracker::reset(std::int32_t partition) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  outstanding_ -= it->second.outstanding;
  partitions_.erase(it);
}

}  // namespace hookd::kafka
