#include "kafka/commit_gate.h"

#include <algorithm>

namespace hookd::kafka {

CommitGate::CommitGate(const std::vector<std::string>& topics, std::size_t max_window) : max_window_(max_window) {
  for (const auto& topic : topics) trackers_.emplace(topic, OffsetTracker{});
}

RecordPosition CommitGate::dispatched(std::string_view topic, std::int32_t partition, std::int64_t offset,
                                      std::uint64_t generation) {
  auto it = trackers_.find(topic);
  if (it == trackers_.end()) it = trackers_.emplace(std::string(topic), OffsetTracker{}).first;
  it->second.dispatched(partition, offset);
  return {generation, std::string_view(it->first), partition, offset};
}

const std::vector<CommitOffset>& CommitGate::apply(std::uint64_t generation) {
  to_store_.clear();
  completions_.drain(drained_);
  for (const auto& c : drained_) {
    if (c.generation != generation) continue;  // from a revoked assignment: its new owner redelivers it
    auto& tracker = trackers_.find(c.topic)->second;
    if (auto committable = tracker.completed(c.partition, c.offset)) {
      to_store_.push_back({c.topic, c.partition, *committable});
    }
  }
  return to_store_;
}

void CommitGate::reset() {
  for (auto& [topic, tracker] : trackers_) tracker.reset();
}

const OffsetTracker* CommitGate::tracker(std::string_view topic) const {
  auto it = trackers_.find(topic);
  return it == trackers_.end() ? nullptr : &it->second;
}

std::size_t CommitGate::outstanding(std::string_view topic, std::int32_t partition) const {
  const auto* t = tracker(topic);
  return t == nullptr ? 0 : t->outstanding(partition);
}

std::size_t CommitGate::window(std::string_view topic, std::int32_t partition) const {
  const auto* t = tracker(topic);
  return t == nullptr ? 0 : t->window(partition);
}

bool CommitGate::window_full(std::string_view topic, std::int32_t partition) const {
  return max_window_ > 0 && window(topic, partition) >= max_window_;
}

bool CommitGate::window_reopened(std::string_view topic, std::int32_t partition) const {
  if (max_window_ == 0) return true;
  const std::size_t resume_level = max_window_ - std::max<std::size_t>(1, max_window_ / 4);
  return window(topic, partition) <= resume_level;
}

}  // namespace hookd::kafka
