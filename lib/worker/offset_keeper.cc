#include "worker/offset_keeper.h"

namespace hookd::worker {

OffsetKeeper::OffsetKeeper(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics)
    : consumer_(consumer) {
  for (const auto& topic : topics) trackers_.emplace(topic, kafka::OffsetTracker{});
}

Completion OffsetKeeper::dispatched(const kafka::Message& message) {
  auto it = trackers_.find(message.topic());
  if (it == trackers_.end()) it = trackers_.emplace(std::string(message.topic()), kafka::OffsetTracker{}).first;
  it->second.dispatched(message.partition(), message.offset());
  return {consumer_.assignment_generation(), std::string_view(it->first), message.partition(), message.offset()};
}

void OffsetKeeper::apply() {
  completions_.drain(drained_);
  const std::uint64_t generation = consumer_.assignment_generation();
  for (const auto& c : drained_) {
    if (c.generation != generation) continue;  // from a revoked assignment: its new owner redelivers it
    auto& tracker = trackers_.find(c.topic)->second;
    if (auto committable = tracker.completed(c.partition, c.offset)) {
      consumer_.store_offset(c.topic, c.partition, *committable);
    }
  }
}

void OffsetKeeper::reset() {
  for (auto& [topic, tracker] : trackers_) tracker.reset();
}

}  // namespace hookd::worker
