// The events consumer loop: one thread that polls the consumer group, parses and matches
// each event, hands its deliveries to the Deliverer, and stores offsets as deliveries become
// durable. It never waits on HTTP: the only thing it waits on is the consumer poll.
#pragma once

#include "events/parser.h"
#include "kafka/group_consumer.h"
#include "metrics/metrics.h"
#include "subscriptions/store.h"
#include "worker/deliverer.h"
#include "worker/offset_keeper.h"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace hookd::worker {

struct EventLoopSettings {
  std::vector<std::string> topics;
  std::string dead_letter_topic;
  std::size_t max_event_bytes = 1 << 20;
  std::int64_t max_in_flight = 2048;
};

// What the event and retry loops share: a poll loop that keeps turning, offsets stored only
// behind durable outcomes, and a drain on shutdown.
class PollLoop {
 public:
  PollLoop(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics, Deliverer& deliverer);
  virtual ~PollLoop() = default;

  // Polls until `stop` turns true. Returns with every finished delivery's offset stored.
  void run(const std::atomic<bool>& stop);
  // After run(): waits up to `grace` for in-flight deliveries, storing offsets as they finish.
  // Unfinished ones stay uncommitted and are redelivered after a restart.
  void drain(std::chrono::milliseconds grace);
  // Called by the consumer's revoke hook (inside poll, on this thread): stores what is done.
  virtual void on_revoke();
  // Stores the offsets of records finished since the last turn (after the loop stopped).
  void store_finished() { offsets_.apply(); }

  std::chrono::steady_clock::time_point last_turn() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(last_turn_.load(std::memory_order_relaxed)));
  }

 protected:
  virtual void handle(kafka::Message message) = 0;
  // Once per turn, before polling (backpressure, due retries).
  virtual void before_poll() {}

  kafka::GroupConsumer& consumer_;
  OffsetKeeper offsets_;
  Deliverer& deliverer_;

 private:
  std::atomic<std::chrono::steady_clock::rep> last_turn_{0};
};

class EventLoop final : public PollLoop {
 public:
  EventLoop(EventLoopSettings settings, kafka::GroupConsumer& consumer,
            const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics);

 private:
  void handle(kafka::Message message) override;
  void before_poll() override;
  void dead_letter_invalid(const kafka::Message& message, const Completion& position, events::InvalidReason reason);

  EventLoopSettings settings_;
  subscriptions::SnapshotReader snapshot_;
  metrics::Metrics& metrics_;

  events::EventParser parser_;
  events::Event event_;                                      // reused: its field vector keeps its capacity
  std::vector<const subscriptions::Subscription*> matches_;  // reused
  bool paused_for_backpressure_ = false;
};

}  // namespace hookd::worker
