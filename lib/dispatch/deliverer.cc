#include "dispatch/deliverer.h"

#include "common/log.h"
#include "payload/request.h"

#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace hookd::dispatch {
namespace {

using delivery::AttemptResult;

constexpr std::array kAllResults = {
    AttemptResult::success_2xx,   AttemptResult::status_3xx, AttemptResult::status_4xx,
    AttemptResult::status_5xx,    AttemptResult::timeout,    AttemptResult::dns_error,
    AttemptResult::connect_error, AttemptResult::tls_error,  AttemptResult::protocol_error,
    AttemptResult::blocked,       AttemptResult::origin_queue_full,
};

constexpr std::array kDeadLetterReasons = {retry::DeadLetterReason::blocked, retry::DeadLetterReason::gone,
                                           retry::DeadLetterReason::exhausted};

constexpr std::string_view kBreakerOpen = "breaker_open";

// What an attempt says about its endpoint's health.
health::AttemptSummary health_summary(const delivery::Outcome& outcome) {
  health::Verdict verdict = health::Verdict::failure;
  if (outcome.result == AttemptResult::success_2xx) verdict = health::Verdict::success;
  if (outcome.http_status == 410) verdict = health::Verdict::gone;
  return {verdict, delivery::to_string(outcome.result), outcome.http_status};
}

std::vector<kafka::Header> to_kafka_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<kafka::Header> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.push_back({name, value});
  return out;
}

}  // namespace

Deliverer::Deliverer(DelivererParts parts, DelivererSettings settings)
    : parts_(parts), settings_(std::move(settings)) {
  auto& m = parts_.metrics;
  static_assert(kAllResults.size() == std::tuple_size_v<decltype(attempts_by_result_)>);
  for (auto result : kAllResults) {
    attempts_by_result_[static_cast<std::size_t>(result)] =
        &metrics::Metrics::with(m.delivery_attempts, "result", std::string(delivery::to_string(result)));
  }
  for (const auto& tier : parts_.policy.tiers())
    retries_by_tier_[tier] = &metrics::Metrics::with(m.retries_enqueued, "tier", tier);
  static_assert(kDeadLetterReasons.size() == std::tuple_size_v<decltype(dead_letters_by_reason_)>);
  for (auto reason : kDeadLetterReasons) {
    dead_letters_by_reason_[static_cast<std::size_t>(reason)] =
        &metrics::Metrics::with(m.dead_letters, "reason", std::string(retry::to_string(reason)));
  }
  deferred_by_breaker_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "breaker");
  deferred_by_rate_limit_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "rate_limit");
  deferred_by_receiver_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "throttled");
}

void Deliverer::dispatch(std::shared_ptr<DeliveryJob> job) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  parts_.metrics.inflight_deliveries.Increment();

  const auto& sub = *job->subscription;
  switch (parts_.health.admit(sub.id)) {
    case health::Admission::send: break;
    case health::Admission::probe:
      log::limited(log::Level::info, "breaker_probe", "breaker open; sending a probe attempt",
                   {{"webhook_id", sub.id}, {"origin", sub.origin}});
      job->breaker_probe = true;
      break;
    case health::Admission::defer: return defer_for_breaker(job);
  }
  // may_hold() is one relaxed load: webhooks without a rate limit take no lock unless some
  // receiver's pause is running.
  if ((sub.rate_limit_per_second > 0 || parts_.rate_limiter.may_hold(parts_.clock.steady_now())) && !pace(job)) {
    return;
  }
  send(job);
}

bool Deliverer::pace(const std::shared_ptr<DeliveryJob>& job) {
  const auto& sub = *job->subscription;
  const auto now = parts_.clock.steady_now();
  const auto slot = parts_.rate_limiter.reserve(sub.id, sub.rate_limit_per_second, now);
  if (slot.granted && slot.send_at <= now) return true;
  (slot.held ? deferred_by_receiver_ : deferred_by_rate_limit_)->Increment();
  if (!slot.granted) {
    defer_for_rate_limit(job, slot);
    return false;
  }
  parts_.metrics.origin_queue_depth.Observe(static_cast<double>(slot.waiting));
  // If the io_context stops first the job is dropped unfinished: its event stays uncommitted
  // and is delivered again after a restart, as for any delivery cut short by shutdown.
  auto timer = std::make_shared<boost::asio::steady_timer>(parts_.io, slot.send_at - now);
  timer->async_wait([this, job, timer](const boost::system::error_code&) {
    parts_.rate_limiter.done_waiting(job->subscription->id);
    send(job);
  });
  return false;
}

void Deliverer::send(const std::shared_ptr<DeliveryJob>& job) {
  const auto& sub = *job->subscription;
  const std::int64_t now = parts_.clock.unix_ms_now();
  delivery::Request request = payload::build_request(sub, {job->delivery_id, job->event_type, job->attempt},
                                                     job->body, settings_.user_agent, now);
  if (!job->breaker_probe) {
    // A delivery that queued behind its origin asks its breaker again before going out: one
    // that opened meanwhile defers it (or lets it go as the interval's probe). Two pointers:
    // fits std::function's inline buffer, so no allocation.
    request.still_wanted = [this, &sub] { return parts_.health.admit(sub.id) != health::Admission::defer; };
  }
  parts_.sender.post(std::move(request),
                     [this, job, now](delivery::Outcome outcome) { on_outcome(job, outcome, now); });
}

void Deliverer::on_outcome(const std::shared_ptr<DeliveryJob>& job, const delivery::Outcome& outcome,
                           std::int64_t started_unix_ms) {
  if (outcome.result == AttemptResult::cancelled) return defer_for_breaker(job);
  attempts_by_result_[static_cast<std::size_t>(outcome.result)]->Increment();
  const retry::Decision decision = retry::decide(outcome, job->state(), parts_.policy, settings_.rules);
  const auto& sub = *job->subscription;
  if (decision.attempted) {
    parts_.metrics.delivery_duration.Observe(std::chrono::duration<double>(outcome.duration).count());
    // Only what the endpoint answered (or failed to) counts toward its health: a deferral or
    // a refusal by the network guard says nothing about it.
    parts_.health.record(sub.id, health_summary(outcome));
  }
  if (decision.pause_webhook_for) {
    // The webhook's other deliveries wait for the pause or are deferred past it, instead of
    // each earning its own 429.
    parts_.rate_limiter.hold_until(sub.id, parts_.clock.steady_now() + *decision.pause_webhook_for);
  }

  retry::AttemptRecord attempt{started_unix_ms,
                               std::string(delivery::to_string(outcome.result)),
                               outcome.http_status,
                               std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count(),
                               outcome.error,
                               outcome.response_excerpt};
  retry::append_history(job->history, attempt);

  switch (decision.action) {
    case retry::Action::delivered: {
      const double latency =
          static_cast<double>(parts_.clock.unix_ms_now() - job->occurred_at_unix_ms) / 1000.0;
      (job->attempt == 1 ? parts_.metrics.event_to_delivery_first : parts_.metrics.event_to_delivery_retry)
          .Observe(latency < 0 ? 0 : latency);
      log_attempt(*job, attempt, std::nullopt);
      return finish(job);
    }
    case retry::Action::dead_letter:
      log::limited(log::Level::warn, "delivery_final", "delivery will not be retried; dead letter written",
                   {{"webhook_id", sub.id}, {"origin", sub.origin}, {"reason", retry::to_string(decision.reason)},
                    {"attempts", decision.attempts_made}, {"error", outcome.error}});
      log_attempt(*job, attempt, std::nullopt);
      return dead_letter(job, decision.reason);
    case retry::Action::retry:
    case retry::Action::defer:
      log::limited(log::Level::info, "delivery_failed", "delivery attempt failed; retry enqueued",
                   {{"webhook_id", sub.id}, {"origin", sub.origin}, {"result", attempt.result},
                    {"status", outcome.http_status}, {"error", outcome.error}, {"tier", decision.step.delay_text}});
      log_attempt(*job, attempt, parts_.clock.unix_ms_now() + decision.step.delay.count());
      return enqueue_retry(job, decision.step, decision.attempts_made);
  }
}

void Deliverer::defer_for_breaker(const std::shared_ptr<DeliveryJob>& job) {
  deferred_by_breaker_->Increment();
  const auto& sub = *job->subscription;
  retry::AttemptRecord deferral{parts_.clock.unix_ms_now(), std::string(kBreakerOpen), 0, 0, "circuit breaker open", ""};
  retry::append_history(job->history, deferral);
  const retry::Decision decision = retry::defer_for_breaker(job->state(), parts_.policy);
  if (decision.action == retry::Action::dead_letter) {
    log::limited(log::Level::warn, "delivery_exhausted", "delivery exhausted its retries; dead letter written",
                 {{"webhook_id", sub.id}, {"origin", sub.origin}, {"attempts", decision.attempts_made},
                  {"reason", kBreakerOpen}});
    log_attempt(*job, deferral, std::nullopt);
    return dead_letter(job, decision.reason);
  }
  log::limited(log::Level::debug, "breaker_deferred", "breaker open; delivery deferred without an attempt",
               {{"webhook_id", sub.id}, {"origin", sub.origin}, {"tier", decision.step.delay_text}});
  log_attempt(*job, deferral, deferral.at_unix_ms + decision.step.delay.count());
  enqueue_retry(job, decision.step, decision.attempts_made);
}

void Deliverer::defer_for_rate_limit(const std::shared_ptr<DeliveryJob>& job,
                                     const delivery::RateLimiter::Reservation& slot) {
  // Nothing is added to the history, so a webhook kept over its limit for long does not grow
  // its retry records.
  std::optional<std::chrono::milliseconds> pause_left;
  if (slot.held) pause_left = std::chrono::ceil<std::chrono::milliseconds>(slot.send_at - parts_.clock.steady_now());
  const retry::Decision decision = retry::defer_for_rate_limit(job->state(), parts_.policy, pause_left);
  log::limited(log::Level::info, "rate_limit_deferred",
               slot.held ? "receiver asked for a pause; delivery deferred to a retry tier"
                         : "rate limit reached; delivery deferred to a retry tier",
               {{"webhook_id", job->subscription->id}, {"origin", job->subscription->origin},
                {"tier", decision.step.delay_text}});
  enqueue_retry(job, decision.step, decision.attempts_made);
}

void Deliverer::enqueue_retry(const std::shared_ptr<DeliveryJob>& job, const retry::Step& step, int attempts_made) {
  retry::RetryRecord record;
  record.delivery_id = job->delivery_id;
  record.webhook_id = job->subscription->id;
  record.event_id = job->event_id;
  record.event_type = job->event_type;
  record.attempts = attempts_made;
  record.step = step.index;
  record.source = job->origin;
  record.history = job->history;
  record.body = *job->body;
  record.envelope = job->ticket->envelope;
  auto value = std::make_shared<const std::string>(retry::serialize(record));
  produce_durably(retry::tier_topic(settings_.retry_prefix, step.delay_text), job->subscription->id, std::move(value),
                  {}, job, retries_by_tier_.at(step.delay_text));
}

void Deliverer::dead_letter(const std::shared_ptr<DeliveryJob>& job, retry::DeadLetterReason reason) {
  retry::DeadLetter letter;
  letter.kind = retry::DeadLetterKind::delivery;
  letter.reason = std::string(retry::to_string(reason));
  letter.source = job->origin;
  letter.webhook_id = job->subscription->id;
  letter.attempts = job->history;
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  auto value = std::make_shared<const std::string>(message.value);
  produce_durably(settings_.dead_letter_topic, job->subscription->id, std::move(value),
                  to_kafka_headers(message.headers), job, dead_letters_by_reason_[static_cast<std::size_t>(reason)]);
}

void Deliverer::dead_letter_event(std::shared_ptr<EventTicket> ticket, std::string key,
                                  const retry::DeadLetter& letter) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  parts_.metrics.inflight_deliveries.Increment();
  auto job = DeliveryJob::ticket_only(std::move(ticket));
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  auto value = std::make_shared<const std::string>(message.value);
  auto* counter = &metrics::Metrics::with(parts_.metrics.dead_letters, "reason", letter.reason);
  produce_durably(settings_.dead_letter_topic, std::move(key), std::move(value), to_kafka_headers(message.headers),
                  std::move(job), counter);
}

void Deliverer::log_attempt(const DeliveryJob& job, const retry::AttemptRecord& attempt,
                            std::optional<std::int64_t> next_due) {
  if (settings_.attempts_topic.empty()) return;
  const std::string value = retry::attempt_log_entry(job.delivery_id, job.subscription->id, job.event_id,
                                                     job.event_type, job.attempt, attempt, next_due);
  // Best effort: a lost log line never holds back a commit, so the ack is not waited for.
  parts_.writer.produce(settings_.attempts_topic, job.subscription->id, value, {}, [](rd_kafka_resp_err_t err) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::limited(log::Level::warn, "attempts_log", "attempts log record lost", {{"error", rd_kafka_err2str(err)}});
    }
  });
}

void Deliverer::produce_durably(std::string topic, std::string key, std::shared_ptr<const std::string> value,
                                std::vector<kafka::Header> headers, std::shared_ptr<DeliveryJob> job,
                                prometheus::Counter* on_success) {
  struct Pending {
    std::string topic, key;
    std::vector<kafka::Header> headers;
  };
  auto pending = std::make_shared<Pending>(Pending{std::move(topic), std::move(key), std::move(headers)});
  parts_.writer.produce(pending->topic, pending->key, *value, pending->headers,
                        [this, pending, value, job, on_success](rd_kafka_resp_err_t err) {
                          if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                            on_success->Increment();
                            finish(job);
                            return;
                          }
                          if (err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
                            return;  // shutting down: left uncommitted, redelivered after a restart
                          }
                          log::limited(log::Level::error, "produce_failed",
                                       "could not write a retry or dead-letter record; trying again",
                                       {{"topic", pending->topic}, {"error", rd_kafka_err2str(err)}});
                          auto timer = std::make_shared<boost::asio::steady_timer>(parts_.io, std::chrono::seconds(1));
                          timer->async_wait([this, timer, pending, value, job, on_success](auto) {
                            produce_durably(pending->topic, pending->key, value, pending->headers, job, on_success);
                          });
                        });
}

void Deliverer::finish(const std::shared_ptr<DeliveryJob>& job) {
  job->ticket->pending.finish_one();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  parts_.metrics.inflight_deliveries.Decrement();
}

}  // namespace hookd::dispatch
