#include "worker/retry_loop.h"

#include "common/log.h"
#include "kafka/consumer_lag.h"
#include "payload/body.h"
#include "retry/records.h"

#include <algorithm>
#include <set>

namespace hookd::worker {

RetryLoop::RetryLoop(kafka::GroupConsumer& consumer, std::string retry_prefix, const retry::RetryPolicy& policy,
                     const subscriptions::SnapshotStore& snapshots, Deliverer& deliverer, metrics::Metrics& metrics,
                     std::size_t max_event_bytes)
    : PollLoop(consumer, topics(retry_prefix, policy), deliverer),
      retry_prefix_(std::move(retry_prefix)),
      policy_(policy),
      snapshot_(snapshots),
      metrics_(metrics),
      // A retry record carries an event that was valid; leave room beyond the event limit.
      parser_(max_event_bytes * 2) {
  // Every tier's series exists from the start, before the first statistics arrive.
  const double now_s = static_cast<double>(retry::unix_ms_now()) / 1000.0;
  for (const auto& tier : policy_.tiers()) {
    metrics_.retry_tier_delay.Add({{"tier", tier}})
        .Set(std::chrono::duration<double>(policy_.tier_delay(tier)).count());
    metrics_.retry_progress.Add({{"tier", tier}}).Set(now_s);
    metrics_.retry_backlog.Add({{"tier", tier}}).Set(0);
  }
}

std::vector<std::string> RetryLoop::topics(const std::string& retry_prefix, const retry::RetryPolicy& policy) {
  std::vector<std::string> out;
  for (const auto& tier : policy.tiers()) out.push_back(retry::tier_topic(retry_prefix, tier));
  return out;
}

std::string_view RetryLoop::tier_of(std::string_view topic) const {
  if (topic.size() <= retry_prefix_.size() + 1 || !topic.starts_with(retry_prefix_)) return {};
  return topic.substr(retry_prefix_.size() + 1);
}

std::chrono::milliseconds RetryLoop::delay_of(std::string_view topic) const {
  return policy_.tier_delay(std::string(tier_of(topic)));
}

void RetryLoop::on_revoke() {
  // Held records belong to the old assignment: the next owner reads them again.
  held_.clear();
  progress_unix_ms_.clear();
  PollLoop::on_revoke();
}

void RetryLoop::on_assign(const std::vector<kafka::TopicPartition>& assigned) {
  const std::int64_t now = retry::unix_ms_now();
  for (const auto& tp : assigned) progress_unix_ms_[tp] = now;
}

void RetryLoop::on_statistics(std::string_view stats) {
  const std::int64_t now = retry::unix_ms_now();
  // The backlog of a tier is its consumer lag: records written and not yet retried.
  std::map<std::string, std::int64_t, std::less<>> backlog;
  std::map<std::string, std::int64_t, std::less<>> progress;
  for (const auto& tier : policy_.tiers()) {
    backlog[tier] = 0;
    progress[tier] = now;  // no partition of the tier here: nothing waits here
  }
  std::set<kafka::TopicPartition> waiting;  // owned partitions with records not yet retried
  kafka::parse_consumer_lag(stats, [&](std::string_view topic, std::int32_t partition, std::int64_t lag) {
    const auto tier = backlog.find(tier_of(topic));
    if (tier == backlog.end()) return;
    // Statistics may still list a revoked partition: only owned ones count, so that summing
    // the gauges of all workers counts each partition once.
    kafka::TopicPartition tp{std::string(topic), partition};
    if (!progress_unix_ms_.contains(tp)) return;
    tier->second += lag;
    if (lag > 0) waiting.insert(std::move(tp));
  });
  // Records wait on a partition when its lag says so or when it holds one. A lag is unknown
  // until the partition's first commit, so a held record is what shows a new partition's wait.
  // Anything else counts as progressing: the alert must never fire on an idle tier.
  for (auto& [tp, since] : progress_unix_ms_) {
    if (!waiting.contains(tp) && !held_.contains(tp)) since = now;
    if (const auto tier = progress.find(tier_of(tp.topic)); tier != progress.end()) {
      tier->second = std::min(tier->second, since);
    }
  }
  for (const auto& tier : policy_.tiers()) {
    metrics_.retry_backlog.Add({{"tier", tier}}).Set(static_cast<double>(backlog[tier]));
    metrics_.retry_progress.Add({{"tier", tier}}).Set(static_cast<double>(progress[tier]) / 1000.0);
  }
}

void RetryLoop::handle(kafka::Message message) {
  const Completion position = offsets_.dispatched(message);
  const std::int64_t due = message.timestamp_ms() + delay_of(message.topic()).count();
  const kafka::TopicPartition tp{std::string(message.topic()), message.partition()};
  auto held = held_.find(tp);
  const bool waiting_behind = held != held_.end() && !held->second.empty();
  const std::int64_t now = retry::unix_ms_now();
  if (!waiting_behind && due <= now) {
    progress_unix_ms_[tp] = now;
    process(message, position, due);
    return;
  }
  // Not due yet (or behind one that is not): hold it and stop fetching this partition.
  if (!waiting_behind) consumer_.pause(tp);
  held_[tp].push_back(Held{std::move(message), position, due});
}

void RetryLoop::before_poll() {
  const std::int64_t now = retry::unix_ms_now();
  for (auto it = held_.begin(); it != held_.end();) {
    auto& queue = it->second;
    while (!queue.empty() && queue.front().due_unix_ms <= now) {
      process(queue.front().message, queue.front().position, queue.front().due_unix_ms);
      queue.pop_front();
      progress_unix_ms_[it->first] = now;
    }
    if (queue.empty()) {
      consumer_.resume(it->first);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
}

void RetryLoop::drop(const Completion& position, const char* reason, std::string_view webhook_id) {
  metrics::Metrics::with(metrics_.retries_dropped, "reason", reason).Increment();
  log::limited(log::Level::info, "retry_dropped", "retry dropped",
               {{"reason", reason}, {"webhook_id", webhook_id}});
  offsets_.completions().push(position);
}

void RetryLoop::process(const kafka::Message& message, const Completion& position, std::int64_t due_unix_ms) {
  metrics_.retry_lateness.Observe(static_cast<double>(std::max<std::int64_t>(0, retry::unix_ms_now() - due_unix_ms)) /
                                  1000.0);
  auto parsed = retry::parse_retry_record(message.has_value() ? message.value() : std::string_view());
  if (!parsed) return drop(position, "invalid_record", "");
  const auto& record = parsed->record;

  // The current snapshot decides: the webhook as it is now must still exist and match.
  const auto& snapshot = snapshot_.current_ptr();
  const auto* sub = snapshot->find(record.webhook_id);
  if (sub == nullptr) return drop(position, "deleted", record.webhook_id);
  if (!sub->enabled) return drop(position, "disabled", record.webhook_id);
  if (parser_.parse(parsed->envelope, event_)) return drop(position, "invalid_record", record.webhook_id);
  matches_.clear();
  snapshot->match(event_, matches_);
  if (std::find(matches_.begin(), matches_.end(), sub) == matches_.end()) {
    return drop(position, "no_longer_matches", record.webhook_id);
  }

  auto ticket = std::make_shared<EventTicket>();
  ticket->position = position;
  ticket->remaining.store(1, std::memory_order_relaxed);
  ticket->envelope = std::move(parsed->envelope);
  ticket->completions = &offsets_.completions();

  auto job = std::make_shared<DeliveryJob>();
  job->ticket = ticket;
  job->subscription = sub->shared_from_this();
  job->delivery_id = record.delivery_id;
  job->event_id = record.event_id;
  job->event_type = record.event_type;
  job->occurred_at_unix_ms = event_.occurred_at_unix_ms;
  job->attempt = record.attempts + 1;
  job->step = record.step;
  job->origin = record.source;
  job->history = record.history;
  if (parsed->body.empty()) {
    // A replayed dead letter carries only the event: build the body as a first attempt would.
    metrics_.replayed.Increment();
    auto body = std::make_shared<std::string>();
    payload::build_body(event_, sub->webhook_json, *body);
    job->body = std::move(body);
  } else {
    job->body = std::make_shared<const std::string>(std::move(parsed->body));
  }
  deliverer_.dispatch(std::move(job));
}

}  // namespace hookd::worker
