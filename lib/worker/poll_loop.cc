#include "worker/poll_loop.h"

#include "common/log.h"

#include <thread>

namespace hookd::worker {

PollLoop::PollLoop(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics, Deliverer& deliverer,
                   PollLimits limits, std::shared_ptr<InFlightBytes> bytes, const common::Clock& clock)
    : consumer_(consumer),
      deliverer_(deliverer),
      clock_(clock),
      limits_(limits),
      bytes_(std::move(bytes)),
      gate_(topics, limits.max_uncommitted_per_partition),
      cap_(limits.max_in_flight, limits.max_in_flight_bytes, limits.max_cap_hold),
      cap_has_room_([this] { return cap_.has_room(deliverer_.in_flight(), bytes_->value()); }) {}

void PollLoop::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    last_turn_.store(clock_.steady_now().time_since_epoch().count(), std::memory_order_relaxed);
    store_finished();
    before_poll();
    if (cap_.holding()) {
      end_batch();
      // At the global cap: leave the records in librdkafka's queue (no purge, no refetch) and
      // wake when a finished record leaves room, or after 5 ms (a delivery that ends after its
      // record was reported, the bytes of an event let go, max_cap_hold).
      gate_.completions().wait_for(std::chrono::milliseconds(5), cap_has_room_);
      continue;
    }
    // Within a batch only what is already fetched: a wait for more ends the batch first.
    kafka::Message message = consumer_.poll(batch_ ? std::chrono::milliseconds(0) : std::chrono::milliseconds(20));
    if (!message) {
      end_batch();
      continue;
    }
    if (!batch_) batch_.emplace();
    if (message.error() != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (message.error() != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log::limited(log::Level::warn, "consumer_error", "consumer error",
                     {{"error", std::string(message.error_text())}});
      }
      continue;
    }
    handle(std::move(message));
    if (++batched_ >= kBatchRecords) end_batch();
  }
  end_batch();
  store_finished();
}

void PollLoop::end_batch() {
  batch_.reset();
  batched_ = 0;
}

void PollLoop::store_finished() {
  for (const auto& offset : gate_.apply(consumer_.assignment_generation())) {
    consumer_.store_offset(offset.topic, offset.partition, offset.offset);
  }
  reopen_windows();
}

void PollLoop::reopen_windows() {
  for (auto it = window_paused_.begin(); it != window_paused_.end();) {
    if (!gate_.window_reopened(it->topic, it->partition)) {
      ++it;
      continue;
    }
    const kafka::TopicPartition tp = *it;
    it = window_paused_.erase(it);
    // While everything is paused at the global cap, the consumer ignores this and resume_all
    // resumes it later.
    if (!holds(tp)) consumer_.resume(tp);
  }
}

void PollLoop::on_revoke() {
  // It runs inside a poll, maybe within a batch: what the batch holds must reach the io threads
  // before this waits for those deliveries to finish.
  end_batch();
  // The consumer remembers these pauses and resumes the partitions if they come back.
  window_paused_.clear();
  wait_for_revoked();
  store_finished();
  gate_.reset();
}

void PollLoop::wait_for_revoked() {
  // A lost assignment already has another owner, and nothing of it can be committed.
  if (rd_kafka_assignment_lost(consumer_.handle())) return;
  const auto revoked = consumer_.assignment();
  const auto outstanding = [&] {
    std::size_t n = 0;
    for (const auto& tp : revoked) n += gate_.outstanding(tp.topic, tp.partition);
    return n;
  };
  store_finished();
  if (outstanding() == 0) return;
  const auto started = clock_.steady_now();
  const auto deadline = started + limits_.revoke_grace;
  // The poll thread may wait here: the group's rebalance waits for this member, for far less
  // than max.poll.interval.ms (kafka.revoke_grace is at most 20 s).
  while (outstanding() > 0 && clock_.steady_now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    store_finished();
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.steady_now() - started);
  if (const auto left = outstanding(); left > 0) {
    log::warn("revoked partitions still had deliveries in flight after kafka.revoke_grace; their new owner sends them again",
              {{"records", static_cast<long long>(left)}, {"waited_ms", static_cast<long long>(waited.count())}});
  } else {
    log::info("revoked partitions finished their deliveries before giving them up",
              {{"waited_ms", static_cast<long long>(waited.count())}});
  }
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
  const auto position =
      gate_.dispatched(message.topic(), message.partition(), message.offset(), consumer_.assignment_generation());
  if (gate_.window_full(position.topic, position.partition)) {
    kafka::TopicPartition tp{std::string(position.topic), position.partition};
    if (window_paused_.insert(tp).second) {
      consumer_.pause(tp);
      log::limited(log::Level::info, "uncommitted_window", "partition paused: its uncommitted window is full",
                   {{"topic", position.topic}, {"partition", position.partition},
                    {"window", static_cast<long long>(gate_.window(position.topic, position.partition))}});
    }
  }
  return position;
}

std::shared_ptr<EventTicket> PollLoop::ticket(const kafka::RecordPosition& position, int deliveries,
                                              std::string envelope) {
  const std::int64_t bytes = InFlightBytes::estimate(envelope.size(), deliveries);
  bytes_->add(bytes);
  // Released when the last job lets the ticket go, whichever thread that is: the counter is
  // shared, so it outlives this loop.
  return std::shared_ptr<EventTicket>(new EventTicket(position, deliveries, gate_.completions(), std::move(envelope)),
                                      [counter = bytes_, bytes](EventTicket* t) {
                                        delete t;
                                        counter->release(bytes);
                                      });
}

bool PollLoop::at_global_cap() {
  const std::int64_t in_flight = deliverer_.in_flight();
  const std::int64_t bytes = bytes_->value();
  const bool was_capped = cap_.capped();
  switch (cap_.next(in_flight, bytes, clock_.steady_now())) {
    case GlobalCap::Step::take:
      return false;
    case GlobalCap::Step::hold:
      if (!was_capped) {
        log::limited(log::Level::info, "backpressure", "global in-flight cap reached; taking no records until deliveries finish",
                     {{"in_flight", static_cast<long long>(in_flight)}, {"in_flight_bytes", static_cast<long long>(bytes)}});
      }
      return true;
    case GlobalCap::Step::pause_all:
      consumer_.pause_all();
      log::limited(log::Level::info, "backpressure_paused", "global in-flight cap held for max_cap_hold; partitions paused",
                   {{"in_flight", static_cast<long long>(in_flight)}, {"in_flight_bytes", static_cast<long long>(bytes)},
                    {"max_cap_hold_ms", static_cast<long long>(limits_.max_cap_hold.count())}});
      return true;
    case GlobalCap::Step::stay_paused:
      return true;
    case GlobalCap::Step::resume_all:
      consumer_.resume_all();
      // resume_all resumed every partition the consumer had paused: pause again at once what
      // this loop still holds back (a window that is full, a record that is not due).
      for (const auto& tp : consumer_.assignment()) {
        if (window_paused_.contains(tp) || holds(tp)) consumer_.pause(tp);
      }
      return false;
  }
  return false;
}

void PollLoop::resume_unless_window_full(const kafka::TopicPartition& tp) {
  if (!window_paused_.contains(tp)) consumer_.resume(tp);
}

}  // namespace hookd::worker
