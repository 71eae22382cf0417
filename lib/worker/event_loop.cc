#include "worker/event_loop.h"

#include "common/log.h"

namespace hookd::worker {

EventLoop::EventLoop(EventLoopSettings settings, kafka::GroupConsumer& consumer,
                     const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer,
                     std::shared_ptr<InFlightBytes> bytes, metrics::Metrics& metrics, const common::Clock& clock)
    : PollLoop(consumer, settings.topics, deliverer, settings.limits, std::move(bytes), clock),
      settings_(std::move(settings)),
      snapshot_(snapshots),
      metrics_(metrics),
      parser_(settings_.max_event_bytes) {}

void EventLoop::handle(kafka::Message message) {
  metrics_.events_consumed.Increment();
  const auto position = dispatched(message);
  const std::string_view bytes = message.has_value() ? message.value() : std::string_view();
  if (auto invalid = parser_.parse(bytes, event_)) return dead_letter_invalid(message, position, *invalid);

  matches_.clear();
  const auto& snapshot = snapshot_.current_ptr();
  snapshot->match(event_, matches_);
  if (matches_.empty()) return finished(position);

  auto event_ticket = ticket(position, static_cast<int>(matches_.size()), std::string(bytes));
  for (const auto* sub : matches_) deliverer_.dispatch(DeliveryJob::first_attempt(event_ticket, *sub, event_));
}

void EventLoop::dead_letter_invalid(const kafka::Message& message, const kafka::RecordPosition& position,
                                    events::InvalidReason reason) {
  const std::string_view reason_word = events::to_string(reason);
  metrics::Metrics::with(metrics_.events_invalid, "reason", std::string(reason_word)).Increment();
  log::limited(log::Level::warn, "invalid_event", "invalid event sent to the dead-letter topic",
               {{"reason", reason_word}, {"topic", position.topic}, {"partition", position.partition},
                {"offset", static_cast<long long>(position.offset)}});

  retry::DeadLetter letter{retry::DeadLetterKind::invalid_event, std::string(reason_word),
                           {std::string(position.topic), position.partition, position.offset}, "", {}};
  // The event's offset is committed only once its dead letter is durable.
  deliverer_.dead_letter_event(
      ticket(position, 1, std::string(message.has_value() ? message.value() : std::string_view())),
      std::string(message.key()), letter);
}

}  // namespace hookd::worker
