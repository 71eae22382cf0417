#include "worker/poll_loop.h"

#include "common/log.h"

namespace hookd::worker {

PollLoop::PollLoop(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics, Deliverer& deliverer,
                   const common::Clock& clock)
    : consumer_(consumer), deliverer_(deliverer), clock_(clock), gate_(topics) {}

void PollLoop::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    last_turn_.store(clock_.steady_now().time_since_epoch().count(), std::memory_order_relaxed);
    store_finished();
    before_poll();
    kafka::Message message = consumer_.poll(std::chrono::milliseconds(20));
    if (!message) continue;
    if (message.error() != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message.error() != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log::limited(log::Level::warn, "consumer_error", "consumer error",
                     {{"error", std::string(message.error_text())}});
      }
      continue;
    }
    handle(std::move(message));
  }
  store_finished();
}

void PollLoop::store_finished() {
  for (const auto& offset : gate_.apply(consumer_.assignment_generation())) {
    consumer_.store_offset(offset.topic, offset.partition, offset.offset);
  }
}

void PollLoop::on_revoke() {
  store_finished();
  gate_.reset();
}

void PollLoop::drain(std::chrono::milliseconds grace) {
  consumer_.pause_all();
  const auto deadline = clock_.steady_now() + grace;
  while (deliverer_.in_flight() > 0 && clock_.steady_now() < deadline) {
    // Keep serving the consumer (heartbeats, rebalance callbacks) while deliveries finish.
    (void)consumer_.poll(std::chrono::milliseconds(50));
    store_finished();
  }
  store_finished();
}

kafka::RecordPosition PollLoop::dispatched(const kafka::Message& message) {
  return gate_.dispatched(message.topic(), message.partition(), message.offset(), consumer_.assignment_generation());
}

std::shared_ptr<EventTicket> PollLoop::ticket(const kafka::RecordPosition& position, int deliveries,
                                              std::string envelope) {
  return std::make_shared<EventTicket>(position, deliveries, gate_.completions(), std::move(envelope));
}

}  // namespace hookd::worker
