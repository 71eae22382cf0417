// The events consumer loop: parses and matches each event, hands its deliveries to the
// Deliverer, and sends an invalid event to the dead-letter topic. It never waits on HTTP: the
// only thing it waits on is the consumer poll.
#pragma once

#include "events/parser.h"
#include "metrics/metrics.h"
#include "subscriptions/store.h"
#include "worker/poll_loop.h"

namespace hookd::worker {

struct EventLoopSettings {
  std::vector<std::string> topics;
  std::string dead_letter_topic;
  std::size_t max_event_bytes = 1 << 20;
  PollLimits limits;
};

class EventLoop final : public PollLoop {
 public:
  EventLoop(EventLoopSettings settings, kafka::GroupConsumer& consumer, const subscriptions::SnapshotStore& snapshots,
            Deliverer& deliverer, std::shared_ptr<InFlightBytes> bytes, metrics::Metrics& metrics,
            const common::Clock& clock);

 private:
  void handle(kafka::Message message) override;
  void before_poll() override {
    // Every turn, not only per record: a loop with no records would hold a replaced snapshot
    // (tens of MiB at a million subscriptions) until its next one.
    snapshot_.current_ptr();
    at_global_cap();
  }
  void dead_letter_invalid(const kafka::Message& message, const kafka::RecordPosition& position,
                           events::InvalidReason reason);

  EventLoopSettings settings_;
  subscriptions::SnapshotReader snapshot_;
  metrics::Metrics& metrics_;
  events::EventParser parser_;
  events::Event event_;                                      // reused: its field vector keeps its capacity
  std::vector<const subscriptions::Subscription*> matches_;  // reused
};

}  // namespace hookd::worker
