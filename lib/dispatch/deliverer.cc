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
    AttemptResult::blocked,       AttemptResult::origin_queue_full, AttemptResult::tenant_over_budget,
};

constexpr std::array kDeadLetterReasons = {retry::DeadLetterReason::blocked, retry::DeadLetterReason::gone,
                                           retry::DeadLetterReason::exhausted,
                                           retry::DeadLetterReason::record_too_large};

constexpr std::array kWriteErrors = {kafka::WriteError::transient, kafka::WriteError::too_large,
                                     kafka::WriteError::permanent, kafka::WriteError::fatal,
                                     kafka::WriteError::shutdown};

constexpr std::string_view kBreakerOpen = "breaker_open";

// What an attempt says about its endpoint's health.
health::AttemptSummary health_summary(const delivery::Outcome& outcome) {
  health::Verdict verdict = health::Verdict::failure;
  if (outcome.result == AttemptResult::success_2xx) verdict = health::Verdict::success;
  if (outcome.http_status == 410) verdict = health::Verdict::gone;
  return {verdict, delivery::to_string(outcome.result), outcome.http_status};
}

}  // namespace

Deliverer::Deliverer(DelivererParts parts, DelivererSettings settings)
    : parts_(parts), settings_(std::move(settings)), tenant_budget_(settings_.tenant_budget) {
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
  static_assert(kWriteErrors.size() == std::tuple_size_v<decltype(write_failures_by_kind_)>);
  for (auto kind : kWriteErrors) {
    write_failures_by_kind_[static_cast<std::size_t>(kind)] =
        &metrics::Metrics::with(m.kafka_write_failures, "kind", std::string(kafka::to_string(kind)));
  }
  deferred_by_breaker_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "breaker");
  deferred_by_rate_limit_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "rate_limit");
  deferred_by_receiver_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "throttled");
  deferred_by_tenant_ = &metrics::Metrics::with(m.deliveries_deferred, "reason", "tenant_queue");
  dropped_deleted_ = &metrics::Metrics::with(m.retries_dropped, "reason", "deleted");
  dropped_disabled_ = &metrics::Metrics::with(m.retries_dropped, "reason", "disabled");
}

void Deliverer::dispatch(std::shared_ptr<DeliveryJob> job) {
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  parts_.metrics.inflight_deliveries.Increment();
  if (!tenant_budget_.enforced()) return admit(job);
  // Before the breaker and the send: a deferral costs its company nothing, and a fan-out of one
  // event to many webhooks of a company stops sending at the budget.
  auto admission = tenant_budget_.acquire(job->subscription->company_id(), TenantBudget::estimate(job->body->size()),
                                          parts_.clock.steady_now(), job);
  if (admission.queued) {
    // Admitted when one of its company's deliveries finishes (finish() below), still counted
    // in flight meanwhile.
    deferred_by_tenant_->Increment();
    return;
  }
  job->budget = std::move(admission.ticket);
  if (!job->budget) return defer_for_tenant(job);
  admit(job);
}

void Deliverer::leave_tenant_queue(const std::shared_ptr<DeliveryJob>& job) {
  // As a request leaving its origin's queue (refresh()): a webhook deleted or disabled
  // meanwhile is dropped, one that moved goes to its new URL with its current keys; admit()
  // asks the breaker and the rate limit again.
  auto current = current_webhook(*job);
  if (!current) return drop(job);
  job->subscription = std::move(current);
  admit(job);
}

void Deliverer::admit(const std::shared_ptr<DeliveryJob>& job) {
  job->breaker_probe = false;
  const auto& sub = *job->subscription;
  switch (parts_.health.admit(sub.id())) {
    case health::Admission::send: break;
    case health::Admission::probe:
      log::limited(log::Level::info, "breaker_probe", "breaker open; sending a probe attempt",
                   {{"webhook_id", sub.id()}, {"origin", sub.origin()}});
      job->breaker_probe = true;
      break;
    case health::Admission::defer: return defer_for_breaker(job);
  }
  // may_hold() is one relaxed load: webhooks without a rate limit take no lock unless some
  // receiver's pause is running.
  if ((sub.rate_limit_per_second() > 0 || parts_.rate_limiter.may_hold(parts_.clock.steady_now())) && !pace(job)) {
    return;
  }
  send(job);
}

bool Deliverer::pace(const std::shared_ptr<DeliveryJob>& job) {
  const auto& sub = *job->subscription;
  const auto now = parts_.clock.steady_now();
  const auto slot = parts_.rate_limiter.reserve(sub.id(), sub.rate_limit_per_second(), now);
  if (slot.granted && slot.send_at <= now) return true;
  (slot.held ? deferred_by_receiver_ : deferred_by_rate_limit_)->Increment();
  if (!slot.granted) {
    defer_for_rate_limit(job, slot);
    return false;
  }
  parts_.metrics.origin_queue_depth.observe(static_cast<double>(slot.waiting));
  // If the io_context stops first the job is dropped unfinished: its event stays uncommitted
  // and is delivered again after a restart, as for any delivery cut short by shutdown.
  auto timer = std::make_shared<boost::asio::steady_timer>(parts_.io, slot.send_at - now);
  timer->async_wait([this, job, timer](const boost::system::error_code&) {
    parts_.rate_limiter.done_waiting(job->subscription->id());
    send(job);
  });
  return false;
}

void Deliverer::send(const std::shared_ptr<DeliveryJob>& job) {
  const std::int64_t now = parts_.clock.unix_ms_now();
  job->sent_at_unix_ms = 0;
  job->signed_at_unix_ms = now;
  delivery::Request request = payload::build_request(*job->subscription, {job->delivery_id, job->event_type, job->attempt},
                                                     job->body, settings_.user_agent, now);
  // Two pointers: fits std::function's inline buffer, so no allocation. The job outlives the
  // request: the completion below holds it.
  request.refresh = [this, raw = job.get()](delivery::Request& r) { return refresh(*raw, r); };
  parts_.sender.post(std::move(request), [this, job, now](delivery::Outcome outcome) {
    on_outcome(job, outcome, job->sent_at_unix_ms != 0 ? job->sent_at_unix_ms : now);
  });
}

bool Deliverer::refresh(DeliveryJob& job, delivery::Request& request) {
  // A breaker that opened while the request queued defers it (or lets it go as the
  // interval's probe).
  if (!job.breaker_probe && parts_.health.admit(job.subscription->id()) == health::Admission::defer) {
    job.withdrawn = DeliveryJob::Withdrawn::breaker_open;
    return false;
  }
  auto current = current_webhook(job);
  if (!current) {
    job.withdrawn = DeliveryJob::Withdrawn::webhook_gone;
    return false;
  }
  const bool moved = !current->same_origin(*job.subscription);
  const bool unchanged = current == job.subscription;
  job.subscription = std::move(current);
  if (moved || parts_.rate_limiter.held(job.subscription->id(), parts_.clock.steady_now())) {
    job.withdrawn = DeliveryJob::Withdrawn::readmit;
    return false;
  }
  const std::int64_t now = parts_.clock.unix_ms_now();
  job.sent_at_unix_ms = now;
  // Most queued requests leave within the second they were signed in: signing them again
  // would give the same headers (two HMACs over the body, docs/benchmarks.md).
  if (unchanged && payload::same_request_at(*job.subscription, job.signed_at_unix_ms, now)) return true;
  job.signed_at_unix_ms = now;
  auto refreshed = payload::build_request(*job.subscription, {job.delivery_id, job.event_type, job.attempt}, job.body,
                                          settings_.user_agent, now);
  request.url = std::move(refreshed.url);
  request.target = std::move(refreshed.target);
  request.headers = std::move(refreshed.headers);
  return true;
}

std::shared_ptr<const subscriptions::Subscription> Deliverer::current_webhook(DeliveryJob& job) const {
  // The webhook as it is now (docs/contract.md, queued deliveries). Only deliveries that waited
  // get here, so the store's short lock is not on the path of every delivery.
  const auto snapshot = parts_.snapshots.load();
  const auto* current = snapshot->find(job.subscription->id());
  if (current == nullptr) return nullptr;
  if (!current->enabled()) {
    job.subscription = current->shared_from_this();
    return nullptr;
  }
  return current->shared_from_this();
}

void Deliverer::drop(const std::shared_ptr<DeliveryJob>& job) {
  const bool deleted = job->subscription->enabled();  // a disabled one is kept as it is now
  (deleted ? dropped_deleted_ : dropped_disabled_)->Increment();
  log::limited(log::Level::info, "delivery_dropped", "webhook deleted or disabled while the delivery queued; dropped",
               {{"webhook_id", job->subscription->id()}, {"reason", deleted ? "deleted" : "disabled"}});
  finish(job);
}

void Deliverer::on_outcome(const std::shared_ptr<DeliveryJob>& job, const delivery::Outcome& outcome,
                           std::int64_t started_unix_ms) {
  if (outcome.result == AttemptResult::cancelled) {
    switch (job->withdrawn) {
      case DeliveryJob::Withdrawn::breaker_open: return defer_for_breaker(job);
      case DeliveryJob::Withdrawn::webhook_gone: return drop(job);
      case DeliveryJob::Withdrawn::readmit: return admit(job);
    }
  }
  attempts_by_result_[static_cast<std::size_t>(outcome.result)]->Increment();
  const retry::Decision decision = retry::decide(outcome, job->state(), parts_.policy, settings_.rules);
  const auto& sub = *job->subscription;
  if (decision.attempted) {
    parts_.metrics.delivery_duration.observe(std::chrono::duration<double>(outcome.duration).count());
    // Only what the endpoint answered (or failed to) counts toward its health: a deferral or
    // a refusal by the network guard says nothing about it.
    parts_.health.record(sub.id(), health_summary(outcome));
  }
  if (decision.pause_webhook_for) {
    // The webhook's other deliveries wait for the pause or are deferred past it, instead of
    // each earning its own 429.
    parts_.rate_limiter.hold_until(sub.id(), parts_.clock.steady_now() + *decision.pause_webhook_for);
  }

  retry::AttemptRecord attempt{started_unix_ms,
                               std::string(delivery::to_string(outcome.result)),
                               outcome.http_status,
                               std::chrono::duration_cast<std::chrono::milliseconds>(outcome.duration).count(),
                               outcome.error,
                               outcome.response_excerpt};
  // The history goes into the delivery's next record (a retry, a dead letter): a delivered one
  // has none.
  switch (decision.action) {
    case retry::Action::delivered: {
      const double latency =
          static_cast<double>(parts_.clock.unix_ms_now() - job->occurred_at_unix_ms) / 1000.0;
      (job->attempt == 1 ? parts_.metrics.event_to_delivery_first : parts_.metrics.event_to_delivery_retry)
          .observe(latency < 0 ? 0 : latency);
      log_attempt(*job, attempt, std::nullopt);
      return finish(job);
    }
    case retry::Action::dead_letter:
      log::limited(log::Level::warn, "delivery_final", "delivery will not be retried; dead letter written",
                   {{"webhook_id", sub.id()}, {"origin", sub.origin()}, {"reason", retry::to_string(decision.reason)},
                    {"attempts", decision.attempts_made}, {"error", outcome.error}});
      log_attempt(*job, attempt, std::nullopt);
      retry::append_history(job->history, std::move(attempt));
      return dead_letter(job, decision.reason);
    case retry::Action::retry:
    case retry::Action::defer:
      log::limited(log::Level::info, "delivery_failed", "delivery attempt failed; retry enqueued",
                   {{"webhook_id", sub.id()}, {"origin", sub.origin()}, {"result", attempt.result},
                    {"status", outcome.http_status}, {"error", outcome.error}, {"tier", decision.step.delay_text}});
      log_attempt(*job, attempt, parts_.clock.unix_ms_now() + decision.step.delay.count());
      retry::append_history(job->history, std::move(attempt));
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
                 {{"webhook_id", sub.id()}, {"origin", sub.origin()}, {"attempts", decision.attempts_made},
                  {"reason", kBreakerOpen}});
    log_attempt(*job, deferral, std::nullopt);
    return dead_letter(job, decision.reason);
  }
  log::limited(log::Level::debug, "breaker_deferred", "breaker open; delivery deferred without an attempt",
               {{"webhook_id", sub.id()}, {"origin", sub.origin()}, {"tier", decision.step.delay_text}});
  log_attempt(*job, deferral, deferral.at_unix_ms + decision.step.delay.count());
  enqueue_retry(job, decision.step, decision.attempts_made);
}

void Deliverer::defer_for_tenant(const std::shared_ptr<DeliveryJob>& job) {
  delivery::Outcome outcome;
  outcome.result = AttemptResult::tenant_over_budget;
  attempts_by_result_[static_cast<std::size_t>(outcome.result)]->Increment();
  const retry::Decision decision = retry::decide(outcome, job->state(), parts_.policy, settings_.rules);
  // Nothing is added to the history, as for a rate limit: a company kept at its budget for long
  // does not push its webhooks' real attempts out of their retry records.
  log::limited(log::Level::info, "tenant_deferred", "company at its in-flight budget; delivery deferred to a retry tier",
               {{"webhook_id", job->subscription->id()}, {"tier", decision.step.delay_text}});
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
               {{"webhook_id", job->subscription->id()}, {"origin", job->subscription->origin()},
                {"tier", decision.step.delay_text}});
  enqueue_retry(job, decision.step, decision.attempts_made);
}

void Deliverer::finish(const std::shared_ptr<DeliveryJob>& job) {
  // Given back before the ticket, so the budget is free by the time the offset can commit.
  auto handed = job->budget ? tenant_budget_.release(job->budget, parts_.clock.steady_now())
                            : std::vector<TenantBudget::Handoff>{};
  job->ticket->pending.finish_one();
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  parts_.metrics.inflight_deliveries.Decrement();
  // The share goes on to the company's oldest queued deliveries, on this thread, after this
  // job's own commit is released.
  for (auto& next : handed) {
    if (!next.ticket) {
      defer_for_tenant(next.job);
      continue;
    }
    next.job->budget = std::move(next.ticket);
    leave_tenant_queue(next.job);
  }
}

}  // namespace hookd::dispatch
