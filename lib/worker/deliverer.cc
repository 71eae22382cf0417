#include "worker/deliverer.h"

#include "common/log.h"
#include "signing/signature.h"

#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace hookd::worker {
namespace {

using delivery::AttemptResult;

constexpr std::array kAllResults = {
    AttemptResult::success_2xx,   AttemptResult::status_3xx, AttemptResult::status_4xx,
    AttemptResult::status_5xx,    AttemptResult::timeout,    AttemptResult::dns_error,
    AttemptResult::connect_error, AttemptResult::tls_error,  AttemptResult::protocol_error,
    AttemptResult::blocked,       AttemptResult::origin_queue_full,
};

constexpr std::array kDeadLetterReasons = {"blocked", "gone", "exhausted"};

std::int64_t unix_seconds_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

// What an attempt says about its endpoint's health.
health::AttemptSummary health_summary(const delivery::Outcome& outcome) {
  health::Verdict verdict = health::Verdict::failure;
  if (outcome.result == AttemptResult::success_2xx) verdict = health::Verdict::success;
  if (outcome.http_status == 410) verdict = health::Verdict::gone;
  return {verdict, delivery::to_string(outcome.result), outcome.http_status};
}

constexpr std::string_view kBreakerOpen = "breaker_open";

std::vector<kafka::Header> to_kafka_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  std::vector<kafka::Header> out;
  out.reserve(headers.size());
  for (const auto& [name, value] : headers) out.push_back({name, value});
  return out;
}

}  // namespace

Deliverer::Deliverer(boost::asio::io_context& io, delivery::Sender& client, kafka::Producer& producer,
                     metrics::Metrics& metrics, const retry::RetryPolicy& policy, health::Tracker& health,
                     delivery::RateLimiter& rate_limiter, DelivererSettings settings)
    : io_(io),
      client_(client),
      producer_(producer),
      metrics_(metrics),
      policy_(policy),
      health_(health),
      rate_limiter_(rate_limiter),
      settings_(std::move(settings)) {
  static_assert(kAllResults.size() == std::tuple_size_v<decltype(attempts_by_result_)>);
  for (auto result : kAllResults) {
    attempts_by_result_[static_cast<std::size_t>(result)] =
        &metrics::Metrics::with(metrics_.delivery_attempts, "result", std::string(delivery::to_string(result)));
  }
  for (const auto& tier : policy_.tiers())
    retries_by_tier_[tier] = &metrics::Metrics::with(metrics_.retries_enqueued, "tier", tier);
  for (const char* reason : kDeadLetterReasons)
    dead_letters_by_reason_[reason] = &metrics::Metrics::with(metrics_.dead_letters, "reason", reason);
  deferred_by_breaker_ = &metrics::Metrics::with(metrics_.deliveries_deferred, "reason", "breaker");
  deferred_by_rate_limit_ = &metrics::Metrics::with(metrics_.deliveries_deferred, "reason", "rate_limit");
  deferred_by_receiver_ = &metrics::Metrics::with(metrics_.deliveries_deferred, "reason", "throttled");
}

void Deliverer::dispatch(std::shared_ptr<DeliveryJob> job) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  metrics_.inflight_deliveries.Increment();

  const auto& sub = *job->subscription;
  switch (health_.admit(sub.id)) {
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
  if ((sub.rate_limit_per_second > 0 || rate_limiter_.may_hold(delivery::RateLimiter::Clock::now())) && !pace(job)) {
    return;
  }
  send(job);
}

bool Deliverer::pace(const std::shared_ptr<DeliveryJob>& job) {
  const auto& sub = *job->subscription;
  const auto now = delivery::RateLimiter::Clock::now();
  const auto slot = rate_limiter_.reserve(sub.id, sub.rate_limit_per_second, now);
  if (slot.granted && slot.send_at <= now) return true;
  (slot.held ? deferred_by_receiver_ : deferred_by_rate_limit_)->Increment();
  if (!slot.granted) {
    defer_for_rate_limit(job, slot);
    return false;
  }
  metrics_.origin_queue_depth.Observe(static_cast<double>(slot.waiting));
  // If the io_context stops first the job is dropped unfinished: its event stays uncommitted
  // and is delivered again after a restart, as for any delivery cut short by shutdown.
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, slot.send_at);
  timer->async_wait([this, job, timer](const boost::system::error_code&) {
    rate_limiter_.done_waiting(job->subscription->id);
    send(job);
  });
  return false;
}

void Deliverer::send(const std::shared_ptr<DeliveryJob>& job) {
  const auto& sub = *job->subscription;
  delivery::Request request;
  request.url = sub.url;
  request.body = job->body;
  auto& h = request.headers;
  h.reserve(9);
  h.emplace_back("content-type", "application/json");
  h.emplace_back("user-agent", settings_.user_agent);
  h.emplace_back("webhook-id", job->delivery_id);
  const std::int64_t timestamp = unix_seconds_now();
  h.emplace_back("webhook-timestamp", std::to_string(timestamp));
  signing::SignatureHeaders signatures =
      signing::signature_headers(sub.signing_key, sub.previous_keys, sub.ed25519_key, job->delivery_id, timestamp,
                                 *job->body, retry::unix_ms_now());
  if (!signatures.webhook_signature.empty()) {
    h.emplace_back("webhook-signature", std::move(signatures.webhook_signature));
  }
  if (!signatures.x_signature.empty()) h.emplace_back("x-signature", std::move(signatures.x_signature));
  h.emplace_back("x-blue-event", job->event_type);
  h.emplace_back("x-blue-webhook-id", sub.id);
  h.emplace_back("x-blue-attempt", std::to_string(job->attempt));
  if (!job->breaker_probe) {
    // A delivery that queued behind its origin asks its breaker again before going out: one
    // that opened meanwhile defers it (or lets it go as the interval's probe). Two pointers:
    // fits std::function's inline buffer, so no allocation.
    request.still_wanted = [this, &sub] { return health_.admit(sub.id) != health::Admission::defer; };
  }

  const std::int64_t started = retry::unix_ms_now();
  client_.post(std::move(request), [this, job, started](delivery::Outcome outcome) {
    on_outcome(job, outcome, started);
  });
}

std::optional<retry::Step> Deliverer::next_step(const DeliveryJob& job, const delivery::Outcome& outcome) const {
  if (outcome.result == AttemptResult::origin_queue_full) {
    // Deferred, not attempted: wait on the step it was on (the first tier for a new delivery).
    return policy_.steps()[static_cast<std::size_t>(std::max(job.step, 0))];
  }
  return policy_.next(job.attempt, job.step, required_wait(outcome));
}

std::optional<std::chrono::milliseconds> Deliverer::required_wait(const delivery::Outcome& outcome) const {
  std::optional<std::chrono::milliseconds> wait;
  const int status = outcome.http_status;
  if ((status == 429 || status == 503) && outcome.retry_after) wait = *outcome.retry_after;
  if (outcome.result == AttemptResult::timeout || status == 429) {
    wait = std::max(wait.value_or(std::chrono::milliseconds(0)), settings_.throttle_floor);
  }
  return wait;
}

void Deliverer::on_outcome(const std::shared_ptr<DeliveryJob>& job, const delivery::Outcome& outcome,
                           std::int64_t started_unix_ms) {
  // The breaker opened while it queued: deferred like any delivery that meets an open breaker.
  if (outcome.result == AttemptResult::cancelled) return defer_for_breaker(job);
  attempts_by_result_[static_cast<std::size_t>(outcome.result)]->Increment();
  const bool attempted = outcome.result != AttemptResult::origin_queue_full && outcome.result != AttemptResult::blocked;
  if (attempted) {
    metrics_.delivery_duration.Observe(std::chrono::duration<double>(outcome.duration).count());
    // Only what the endpoint answered (or failed to) counts toward its health: a deferral or
    // a refusal by the network guard says nothing about it.
    health_.record(job->subscription->id, health_summary(outcome));
  }
  // A receiver that says "too many" (429) or names a wait (503 with Retry-After) is asked
  // nothing more for that long: the webhook's other deliveries wait for the pause or are
  // deferred past it, instead of each earning its own 429.
  if (outcome.http_status == 429 || (outcome.http_status == 503 && outcome.retry_after)) {
    if (const auto wait = required_wait(outcome)) {
      rate_limiter_.hold_until(job->subscription->id, delivery::RateLimiter::Clock::now() + *wait);
    }
  }

  retry::AttemptRecord attempt{started_unix_ms,
                               std::string(delivery::to_string(outcome.result)),
                               outcome.http_status,
                               std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count(),
                               outcome.error,
                               outcome.response_excerpt};
  retry::append_history(job->history, attempt);
  const auto& sub = *job->subscription;

  if (outcome.result == AttemptResult::success_2xx) {
    const double latency = static_cast<double>(retry::unix_ms_now() - job->occurred_at_unix_ms) / 1000.0;
    (job->attempt == 1 ? metrics_.event_to_delivery_first : metrics_.event_to_delivery_retry)
        .Observe(latency < 0 ? 0 : latency);
    log_attempt(*job, attempt, std::nullopt);
    finish(job);
    return;
  }
  if (outcome.result == AttemptResult::blocked || outcome.http_status == 410) {
    const std::string reason = outcome.result == AttemptResult::blocked ? "blocked" : "gone";
    log::limited(log::Level::warn, "delivery_final", "delivery will not be retried; dead letter written",
                 {{"webhook_id", sub.id}, {"origin", sub.origin}, {"reason", reason}, {"error", outcome.error}});
    log_attempt(*job, attempt, std::nullopt);
    dead_letter(job, reason);
    return;
  }

  const int attempts_made = attempted ? job->attempt : job->attempt - 1;
  const auto step = next_step(*job, outcome);
  if (!step) {
    log::limited(log::Level::warn, "delivery_exhausted", "delivery exhausted its retries; dead letter written",
                 {{"webhook_id", sub.id}, {"origin", sub.origin}, {"attempts", attempts_made}});
    log_attempt(*job, attempt, std::nullopt);
    dead_letter(job, "exhausted");
    return;
  }
  log::limited(log::Level::info, "delivery_failed", "delivery attempt failed; retry enqueued",
               {{"webhook_id", sub.id}, {"origin", sub.origin}, {"result", attempt.result},
                {"status", outcome.http_status}, {"error", outcome.error}, {"tier", step->delay_text}});
  log_attempt(*job, attempt, retry::unix_ms_now() + step->delay.count());
  enqueue_retry(job, *step, attempts_made);
}

void Deliverer::defer_for_breaker(const std::shared_ptr<DeliveryJob>& job) {
  deferred_by_breaker_->Increment();
  const auto& sub = *job->subscription;
  retry::AttemptRecord deferral{retry::unix_ms_now(), std::string(kBreakerOpen), 0, 0, "circuit breaker open", ""};
  retry::append_history(job->history, deferral);
  // A deferral walks the schedule as a failed attempt would, without the request and without
  // spending an attempt: the delivery comes back when a retry would have, and a webhook that
  // stays down for the whole schedule ends its deliveries as exhausted dead letters instead of
  // bouncing them through the tiers forever (docs/endpoints.md).
  const auto& steps = policy_.steps();
  const int next = job->step + 1;
  if (next >= static_cast<int>(steps.size())) {
    log::limited(log::Level::warn, "delivery_exhausted", "delivery exhausted its retries; dead letter written",
                 {{"webhook_id", sub.id}, {"origin", sub.origin}, {"attempts", job->attempt - 1},
                  {"reason", kBreakerOpen}});
    log_attempt(*job, deferral, std::nullopt);
    dead_letter(job, "exhausted");
    return;
  }
  const auto& step = steps[static_cast<std::size_t>(next)];
  log::limited(log::Level::debug, "breaker_deferred", "breaker open; delivery deferred without an attempt",
               {{"webhook_id", sub.id}, {"origin", sub.origin}, {"tier", step.delay_text}});
  log_attempt(*job, deferral, deferral.at_unix_ms + step.delay.count());
  enqueue_retry(job, step, job->attempt - 1);
}

void Deliverer::defer_for_rate_limit(const std::shared_ptr<DeliveryJob>& job,
                                     const delivery::RateLimiter::Reservation& slot) {
  // Like a full origin queue: the delivery waits on the step it was on (the first tier for a
  // new delivery) and no attempt is spent. Nothing is added to its history, so a webhook kept
  // over its limit for long does not grow its retry records. A receiver's pause sends it on
  // to the first later step that outlasts the pause, as a required wait would.
  const auto& steps = policy_.steps();
  std::size_t index = static_cast<std::size_t>(std::max(job->step, 0));
  if (slot.held) {
    const auto pause_left = slot.send_at - delivery::RateLimiter::Clock::now();
    while (index + 1 < steps.size() && steps[index].delay < pause_left) ++index;
  }
  const auto& step = steps[index];
  log::limited(log::Level::info, "rate_limit_deferred",
               slot.held ? "receiver asked for a pause; delivery deferred to a retry tier"
                         : "rate limit reached; delivery deferred to a retry tier",
               {{"webhook_id", job->subscription->id}, {"origin", job->subscription->origin},
                {"tier", step.delay_text}});
  enqueue_retry(job, step, job->attempt - 1);
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

void Deliverer::dead_letter(const std::shared_ptr<DeliveryJob>& job, const std::string& reason) {
  retry::DeadLetter letter;
  letter.kind = retry::DeadLetterKind::delivery;
  letter.reason = reason;
  letter.source = job->origin;
  letter.webhook_id = job->subscription->id;
  letter.attempts = job->history;
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  auto value = std::make_shared<const std::string>(message.value);
  produce_durably(settings_.dead_letter_topic, job->subscription->id, std::move(value),
                  to_kafka_headers(message.headers), job, dead_letters_by_reason_.at(reason));
}

void Deliverer::dead_letter_event(std::shared_ptr<EventTicket> ticket, std::string key,
                                  const retry::DeadLetter& letter) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  metrics_.inflight_deliveries.Increment();
  auto job = std::make_shared<DeliveryJob>();
  job->ticket = std::move(ticket);
  const auto message = retry::make_dead_letter(letter, job->ticket->envelope);
  auto value = std::make_shared<const std::string>(message.value);
  auto* counter = &metrics::Metrics::with(metrics_.dead_letters, "reason", letter.reason);
  produce_durably(settings_.dead_letter_topic, std::move(key), std::move(value), to_kafka_headers(message.headers),
                  std::move(job), counter);
}

void Deliverer::log_attempt(const DeliveryJob& job, const retry::AttemptRecord& attempt,
                            std::optional<std::int64_t> next_due) {
  if (settings_.attempts_topic.empty()) return;
  const std::string value = retry::attempt_log_entry(job.delivery_id, job.subscription->id, job.event_id,
                                                     job.event_type, job.attempt, attempt, next_due);
  // Best effort: a lost log line never holds back a commit, so the ack is not waited for.
  producer_.produce(settings_.attempts_topic, job.subscription->id, value, {}, [](rd_kafka_resp_err_t err) {
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
  producer_.produce(pending->topic, pending->key, *value, pending->headers,
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
                      auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
                      timer->async_wait([this, timer, pending, value, job, on_success](auto) {
                        produce_durably(pending->topic, pending->key, value, pending->headers, job, on_success);
                      });
                    });
}

void Deliverer::finish(const std::shared_ptr<DeliveryJob>& job) {
  job->ticket->finish_one();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  metrics_.inflight_deliveries.Decrement();
}

}  // namespace hookd::worker
