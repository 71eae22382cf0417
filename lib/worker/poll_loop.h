// What the event and retry loops share: one thread that keeps polling its consumer, offsets
// stored only behind durable outcomes (kafka/commit_gate.h), and a drain on shutdown.
#pragma once

#include "common/clock.h"
#include "kafka/commit_gate.h"
#include "kafka/group_consumer.h"
#include "dispatch/deliverer.h"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace hookd::worker {

using dispatch::Deliverer;
using dispatch::DeliveryJob;
using dispatch::EventTicket;

class PollLoop {
 public:
  PollLoop(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics, Deliverer& deliverer,
           const common::Clock& clock);
  virtual ~PollLoop() = default;

  // Polls until `stop` turns true. Returns with every finished delivery's offset stored.
  void run(const std::atomic<bool>& stop);
  // After run(): waits up to `grace` for in-flight deliveries, storing offsets as they finish.
  // Unfinished ones stay uncommitted and are redelivered after a restart.
  void drain(std::chrono::milliseconds grace);
  // Called by the consumer's revoke hook (inside poll, on this thread): stores what is done.
  virtual void on_revoke();
  // Stores the offsets of records finished since the last turn (after the loop stopped).
  void store_finished();

  common::Clock::steady_time last_turn() const {
    return common::Clock::steady_time(common::Clock::steady_time::duration(last_turn_.load(std::memory_order_relaxed)));
  }

 protected:
  virtual void handle(kafka::Message message) = 0;
  // Once per turn, before polling (backpressure, due retries).
  virtual void before_poll() {}

  // Marks a record read; its ticket (or a direct completion) reports it finished.
  kafka::RecordPosition dispatched(const kafka::Message& message);
  // One consumed record that `deliveries` jobs will finish.
  std::shared_ptr<EventTicket> ticket(const kafka::RecordPosition& position, int deliveries, std::string envelope);
  // A record that needs no delivery is finished at once.
  void finished(const kafka::RecordPosition& position) { gate_.completions().push(position); }

  kafka::GroupConsumer& consumer_;
  Deliverer& deliverer_;
  const common::Clock& clock_;

 private:
  kafka::CommitGate gate_;
  std::atomic<common::Clock::steady_time::rep> last_turn_{0};
};

}  // namespace hookd::worker
