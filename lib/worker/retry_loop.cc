#include "worker/retry_loop.h"

#include "common/log.h"
#include "common/units.h"
#include "kafka/consumer_lag.h"
#include "retry/records.h"

#include <algorithm>

namespace hookd::worker {

RetryLoop::RetryLoop(kafka::GroupConsumer& consumer, std::string retry_prefix, const retry::RetryPolicy& policy,
                     const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics,
                     std::size_t max_event_bytes, PollLimits limits, std::shared_ptr<InFlightBytes> bytes,
                     const common::Clock& clock)
    : PollLoop(consumer, topics(retry_prefix, policy), deliverer, limits, std::move(bytes), clock),
      policy_(policy),
      progress_(retry_prefix, policy.tiers()),
      snapshot_(snapshots),
      metrics_(metrics),
      // A retry record carries an event that was valid; leave room beyond the event limit.
      parser_(max_event_bytes * 2) {
  // Every tier's series exists from the start, before the first statistics arrive.
  const double now_s = static_cast<double>(clock_.unix_ms_now()) / 1000.0;
  for (const auto& tier : policy_.tiers()) {
    metrics_.retry_tier_delay.Add({{"tier", tier}})
        .Set(std::chrono::duration<double>(policy_.tier_delay(tier)).count());
    metrics_.retry_progress.Add({{"tier", tier}}).Set(now_s);
    metrics_.retry_backlog.Add({{"tier", tier}}).Set(0);
  }
}

std::vector<std::string> RetryLoop::topics(const std::string& retry_prefix, const retry::RetryPolicy&) {
  // Every tier topic, not only the current schedule's: a tier dropped from the schedule still
  // holds records that must be delivered (docs/retries.md, "Changing the schedule"). A leading
  // '^' makes librdkafka take the name as a regular expression; a tier is "<prefix>.<delay>"
  // with the delay as common/units.h writes one. A topic name has only [a-zA-Z0-9._-], and '.'
  // is the one of those a regular expression reads as more than itself.
  std::string pattern = "^";
  for (const char c : retry_prefix) {
    if (c == '.') pattern += '\\';
    pattern += c;
  }
  pattern += "\\.[0-9]+(ms|s|m|h)$";
  return {pattern};
}

std::chrono::milliseconds RetryLoop::delay_of(std::string_view topic) const {
  // The tier's name is its delay, whether or not the schedule still has it. One that does not
  // parse (digits beyond parse_duration's range) is due at once: late is better than never.
  return parse_duration(progress_.tier_of(topic)).value_or(std::chrono::milliseconds(0));
}

void RetryLoop::on_revoke() {
  held_.clear();
  progress_.revoked();
  PollLoop::on_revoke();
}

void RetryLoop::on_assign(const std::vector<kafka::TopicPartition>& assigned) {
  progress_.assigned(assigned, clock_.unix_ms_now());
}

void RetryLoop::on_statistics(std::string_view stats) {
  std::vector<retry::TierProgress::Lag> lags;
  kafka::parse_consumer_lag(stats, [&](std::string_view topic, std::int32_t partition, std::int64_t lag) {
    lags.push_back({std::string(topic), partition, lag});
  });
  const auto holds = [this](const kafka::TopicPartition& tp) { return held_.holds(tp); };
  for (const auto& tier : progress_.report(lags, holds, clock_.unix_ms_now())) {
    metrics_.retry_backlog.Add({{"tier", tier.tier}}).Set(static_cast<double>(tier.backlog));
    metrics_.retry_progress.Add({{"tier", tier.tier}}).Set(static_cast<double>(tier.progress_unix_ms) / 1000.0);
  }
}

void RetryLoop::handle(kafka::Message message) {
  const std::int64_t due = message.timestamp_ms() + delay_of(message.topic()).count();
  const std::int64_t now = clock_.unix_ms_now();
  kafka::TopicPartition tp{std::string(message.topic()), message.partition()};
  if (!held_.must_wait(tp, due, now)) {
    progress_.released(tp, now);
    const auto position = dispatched(message);
    return process(message, position, due);
  }
  const bool first = held_.hold(tp, Held{std::move(message)}, due);
  if (first) consumer_.pause(tp);
}

void RetryLoop::before_poll() {
  // As the event loop: let go of a replaced snapshot even while no retry record comes.
  snapshot_.current_ptr();
  // After an outage every held record may be due at once: at the global cap they wait like new
  // events do, and fetching stops, without lifting the pauses of partitions that hold records.
  if (at_global_cap()) return;
  const std::int64_t now = clock_.unix_ms_now();
  held_.release_due(
      now,
      [&](const kafka::TopicPartition& tp, const Held& held, std::int64_t due) {
        process(held.message, dispatched(held.message), due);
        progress_.released(tp, now);
      },
      [&](const kafka::TopicPartition& tp) { resume_unless_window_full(tp); });
}

void RetryLoop::drop(const kafka::RecordPosition& position, const char* reason, std::string_view webhook_id) {
  metrics::Metrics::with(metrics_.retries_dropped, "reason", reason).Increment();
  log::limited(log::Level::info, "retry_dropped", "retry dropped",
               {{"reason", reason}, {"webhook_id", webhook_id}});
  finished(position);
}

void RetryLoop::process(const kafka::Message& message, const kafka::RecordPosition& position,
                        std::int64_t due_unix_ms) {
  metrics_.retry_lateness.observe(
      static_cast<double>(std::max<std::int64_t>(0, clock_.unix_ms_now() - due_unix_ms)) / 1000.0);
  auto parsed = retry::parse_retry_record(message.has_value() ? message.value() : std::string_view());
  if (!parsed) return dead_letter_unreadable(message, position, retry::to_string(parsed.error()));
  const auto& record = parsed->record;

  // The ticket owns the envelope bytes the parsed event points into; it outlives the job. A
  // dropped record finishes its position directly, so an unused ticket reports nothing.
  auto retry_ticket = ticket(position, 1, std::move(parsed->envelope));
  // The current snapshot decides: the webhook as it is now must still exist and match.
  const auto& snapshot = snapshot_.current_ptr();
  const auto* sub = snapshot->find(record.webhook_id);
  if (sub == nullptr) return drop(position, "deleted", record.webhook_id);
  if (!sub->enabled()) return drop(position, "disabled", record.webhook_id);
  if (const auto invalid = parser_.parse(retry_ticket->envelope, event_)) {
    return dead_letter_unreadable(message, position, events::to_string(*invalid));
  }
  matches_.clear();
  snapshot->match(event_, matches_);
  if (std::find(matches_.begin(), matches_.end(), sub) == matches_.end()) {
    return drop(position, "no_longer_matches", record.webhook_id);
  }
  // A replayed dead letter carries only the event: its body is built as a first attempt's.
  const bool replayed = parsed->body.empty();
  auto job = DeliveryJob::from_retry(retry_ticket, *sub, record, event_, std::move(parsed->body));
  // Written under a longer schedule, the record may have no attempt left under this one.
  if (const auto exhausted = retry::before_retry(job->state(), policy_)) {
    log::limited(log::Level::warn, "delivery_exhausted", "delivery exhausted its retries; dead letter written",
                 {{"webhook_id", sub->id()}, {"origin", sub->origin()}, {"attempts", exhausted->attempts_made},
                  {"reason", "schedule_shortened"}});
    retry::DeadLetter letter{retry::DeadLetterKind::delivery, std::string(retry::to_string(exhausted->reason)),
                             job->origin, std::string(sub->id()), job->history};
    return deliverer_.dead_letter_event(std::move(retry_ticket), std::string(sub->id()), letter);
  }
  if (replayed) metrics_.replayed.Increment();
  deliverer_.dispatch(std::move(job));
}

void RetryLoop::dead_letter_unreadable(const kafka::Message& message, const kafka::RecordPosition& position,
                                       std::string_view error) {
  log::limited(log::Level::warn, "unreadable_retry_record", "unreadable retry record sent to the dead-letter topic",
               {{"error", error}, {"topic", position.topic}, {"partition", position.partition},
                {"offset", static_cast<long long>(position.offset)}});
  // Never dropped: the record's own bytes go to the dead-letter topic, and its offset is
  // committed only once that dead letter is durable (docs/retries.md, "At retry time").
  retry::DeadLetter letter{retry::DeadLetterKind::retry_record, "unreadable_record",
                           {std::string(position.topic), position.partition, position.offset}, "", {}};
  deliverer_.dead_letter_event(
      ticket(position, 1, std::string(message.has_value() ? message.value() : std::string_view())),
      std::string(message.key()), letter);
}

}  // namespace hookd::worker
