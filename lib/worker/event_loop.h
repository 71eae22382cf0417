// The events consumer loop: one thread that polls the consumer group, parses and matches
// each event, hands its deliveries to the Deliverer, and stores offsets as deliveries become
// durable. It never waits on HTTP: the only thing it waits on is the consumer poll.
#pragma once

#include "events/parser.h"
#include "kafka/group_consumer.h"
#include "kafka/offset_tracker.h"
#include "kafka/producer.h"
#include "metrics/metrics.h"
#include "subscriptions/store.h"
#include "worker/deliverer.h"
#include "worker/delivery_job.h"

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace hookd::worker {

struct EventLoopSettings {
  std::vector<std::string> topics;
  std::string dead_letter_topic;
  std::size_t max_event_bytes = 1 << 20;
  std::int64_t max_in_flight = 2048;
};

class EventLoop {
 public:
  EventLoop(EventLoopSettings settings, kafka::GroupConsumer& consumer, kafka::Producer& producer,
            const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics);

  // Polls until `stop` turns true. Returns with every finished delivery's offset stored.
  void run(const std::atomic<bool>& stop);

  // After run(): waits up to `grace` for in-flight deliveries, storing offsets as they finish.
  // Unfinished ones stay uncommitted and are redelivered after a restart.
  void drain(std::chrono::milliseconds grace);

  // Called by the consumer's revoke hook (inside poll, on this thread): stores what is done.
  void on_revoke();

  std::chrono::steady_clock::time_point last_loop() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_loop_.load(std::memory_order_relaxed)));
  }

 private:
  void handle(const kafka::Message& message);
  void dead_letter_invalid(const kafka::Message& message, std::string_view topic, events::InvalidReason reason);
  void apply_completions();
  void apply_backpressure();
  std::string_view stable_topic(std::string_view topic) const;

  EventLoopSettings settings_;
  kafka::GroupConsumer& consumer_;
  kafka::Producer& producer_;
  subscriptions::SnapshotReader snapshot_;
  Deliverer& deliverer_;
  metrics::Metrics& metrics_;

  events::EventParser parser_;
  events::Event event_;                                   // reused: its field vector keeps its capacity
  std::vector<const subscriptions::Subscription*> matches_;  // reused
  CompletionQueue completions_;
  std::vector<Completion> drained_;                       // reused
  std::map<std::string, kafka::OffsetTracker, std::less<>> trackers_;
  bool paused_for_backpressure_ = false;
  std::atomic<std::int64_t> last_loop_{0};
};

}  // namespace hookd::worker
