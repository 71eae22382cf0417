#include "worker/event_loop.h"

#include "common/log.h"
#include "payload/body.h"
#include "payload/delivery_id.h"
#include "retry/records.h"

namespace hookd::worker {

PollLoop::PollLoop(kafka::GroupConsumer& consumer, const std::vector<std::string>& topics, Deliverer& deliverer)
    : consumer_(consumer), offsets_(consumer, topics), deliverer_(deliverer) {}

void PollLoop::run(const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    last_turn_.store(std::chrono::steady_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    offsets_.apply();
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
  offsets_.apply();
}

void PollLoop::on_revoke() {
  offsets_.apply();
  offsets_.reset();
}

void PollLoop::drain(std::chrono::milliseconds grace) {
  consumer_.pause_all();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (deliverer_.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    // Keep serving the consumer (heartbeats, rebalance callbacks) while deliveries finish.
    (void)consumer_.poll(std::chrono::milliseconds(50));
    offsets_.apply();
  }
  offsets_.apply();
}

EventLoop::EventLoop(EventLoopSettings settings, kafka::GroupConsumer& consumer,
                     const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics)
    : PollLoop(consumer, settings.topics, deliverer),
      settings_(std::move(settings)),
      snapshot_(snapshots),
      metrics_(metrics),
      parser_(settings_.max_event_bytes) {}

void EventLoop::handle(kafka::Message message) {
  metrics_.events_consumed.Increment();
  const Completion position = offsets_.dispatched(message);

  const std::string_view bytes = message.has_value() ? message.value() : std::string_view();
  if (auto invalid = parser_.parse(bytes, event_)) {
    dead_letter_invalid(message, position, *invalid);
    return;
  }

  matches_.clear();
  const auto& snapshot = snapshot_.current_ptr();
  snapshot->match(event_, matches_);
  if (matches_.empty()) {
    offsets_.completions().push(position);
    return;
  }

  auto ticket = std::make_shared<EventTicket>();
  ticket->position = position;
  ticket->remaining.store(static_cast<int>(matches_.size()), std::memory_order_relaxed);
  ticket->envelope.assign(bytes);
  ticket->completions = &offsets_.completions();
  for (const auto* sub : matches_) {
    auto job = std::make_shared<DeliveryJob>();
    job->ticket = ticket;
    job->subscription = sub->shared_from_this();
    job->delivery_id = payload::delivery_id(event_.id, sub->id);
    job->event_id.assign(event_.id);
    job->event_type.assign(event_.type);
    job->occurred_at_unix_ms = event_.occurred_at_unix_ms;
    job->origin = {std::string(position.topic), position.partition, position.offset};
    auto body = std::make_shared<std::string>();
    payload::build_body(event_, sub->webhook_json, *body);
    job->body = std::move(body);
    deliverer_.dispatch(std::move(job));
  }
}

void EventLoop::dead_letter_invalid(const kafka::Message& message, const Completion& position,
                                    events::InvalidReason reason) {
  const std::string_view reason_word = events::to_string(reason);
  metrics::Metrics::with(metrics_.events_invalid, "reason", std::string(reason_word)).Increment();
  log::limited(log::Level::warn, "invalid_event", "invalid event sent to the dead-letter topic",
               {{"reason", reason_word}, {"topic", position.topic}, {"partition", position.partition},
                {"offset", static_cast<long long>(position.offset)}});

  retry::DeadLetter letter{retry::DeadLetterKind::invalid_event, std::string(reason_word),
                           {std::string(position.topic), position.partition, position.offset}, "", {}};
  auto ticket = std::make_shared<EventTicket>();
  ticket->position = position;
  ticket->remaining.store(1, std::memory_order_relaxed);
  ticket->envelope.assign(message.has_value() ? message.value() : std::string_view());
  ticket->completions = &offsets_.completions();
  // The event's offset is committed only once its dead letter is durable.
  deliverer_.dead_letter_event(std::move(ticket), std::string(message.key()), letter);
}

void EventLoop::before_poll() {
  const auto in_flight = deliverer_.in_flight();
  if (!paused_for_backpressure_ && in_flight >= settings_.max_in_flight) {
    consumer_.pause_all();
    paused_for_backpressure_ = true;
    log::limited(log::Level::info, "backpressure", "global in-flight cap reached; partitions paused",
                 {{"in_flight", static_cast<long long>(in_flight)}});
  } else if (paused_for_backpressure_ && in_flight < settings_.max_in_flight * 3 / 4) {
    consumer_.resume_all();
    paused_for_backpressure_ = false;
  }
}

}  // namespace hookd::worker
