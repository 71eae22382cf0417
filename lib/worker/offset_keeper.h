// Offsets of one consumer, stored only as far as every earlier record is durable.
//
// The poll thread owns it: records are marked dispatched as they are read, and completions
// pushed from delivery threads are applied on the poll thread, which then stores the new
// committable offset with librdkafka (auto-commit writes it to Kafka).
#pragma once

#include "kafka/group_consumer.h"
#include "kafka/message.h"
#include "kafka/offset_tracker.h"
#include "worker/delivery_job.h"

#include <map>
#include <string>
#include <vector>

namespace hookd::worker {

class OffsetKeeper {
 public:
  OffsetKeeper(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics);

  // Marks a record read and returns its position (with a topic view that outlives the message).
  Completion dispatched(const kafka::Message& message);
  // Where delivery threads report finished records.
  CompletionQueue& completions() { return completions_; }
  // Applies finished records of the current assignment and stores offsets that moved.
  void apply();
  // On revoke, after apply(): the next owner starts from the stored offsets.
  void reset();

 private:
  kafka::GroupConsumer& consumer_;
  std::map<std::string, kafka::OffsetTracker, std::less<>> trackers_;
  CompletionQueue completions_;
  std::vector<Completion> drained_;  // reused
};

}  // namespace hookd::worker
