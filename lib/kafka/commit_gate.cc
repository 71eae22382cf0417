#include "kafka/commit_gate.h"

namespace hookd::kafka {

CommitGate::CommitGate(const std::vector<std::string>& topics) {
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

}  // namespace hookd::kafka
