#include "retry/decision.h"

#include <algorithm>

namespace hookd::retry {
namespace {

using delivery::AttemptResult;

// A step read from a retry record may lie beyond the schedule (shortened since the record was
// written) or be nonsense: every use goes through here or RetryPolicy::next, which clamp it.
const Step& step_at(const RetryPolicy& policy, int index) {
  const auto& steps = policy.steps();
  return steps[static_cast<std::size_t>(std::clamp(index, 0, static_cast<int>(steps.size()) - 1))];
}

Decision dead_letter(DeadLetterReason reason, int attempts_made, bool attempted) {
  Decision d;
  d.action = Action::dead_letter;
  d.reason = reason;
  d.attempts_made = attempts_made;
  d.attempted = attempted;
  return d;
}

Decision wait_on(Action action, const Step& step, int attempts_made, bool attempted) {
  Decision d;
  d.action = action;
  d.step = step;
  d.attempts_made = attempts_made;
  d.attempted = attempted;
  return d;
}

// Every attempt the schedule allows was made already: possible only for a retry record written
// under a longer schedule (docs/retries.md, "Changing the schedule").
bool exhausted(const DeliveryState& state, const RetryPolicy& policy) {
  return state.attempt - 1 >= policy.max_attempts();
}

// A failed attempt: the next step of the schedule (or the one a required wait jumps to).
Decision after_failure(const delivery::Outcome& outcome, const DeliveryState& state, const RetryPolicy& policy,
                       const ResponseRules& rules) {
  const auto wait = required_wait(outcome, rules);
  const auto next = policy.next(state.attempt, state.step, wait);
  Decision d = next ? wait_on(Action::retry, *next, state.attempt, true)
                    : dead_letter(DeadLetterReason::exhausted, state.attempt, true);
  // A receiver that says "too many" (429) or names a wait (503 with Retry-After) is asked
  // nothing more for that long.
  if (outcome.http_status == 429 || (outcome.http_status == 503 && outcome.retry_after)) d.pause_webhook_for = wait;
  return d;
}

}  // namespace

std::string_view to_string(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::blocked: return "blocked";
    case DeadLetterReason::gone: return "gone";
    case DeadLetterReason::exhausted: return "exhausted";
    case DeadLetterReason::record_too_large: return "record_too_large";
  }
  return "exhausted";
}

std::optional<std::chrono::milliseconds> required_wait(const delivery::Outcome& outcome, const ResponseRules& rules) {
  std::optional<std::chrono::milliseconds> wait;
  const int status = outcome.http_status;
  if ((status == 429 || status == 503) && outcome.retry_after) wait = *outcome.retry_after;
  if (outcome.result == AttemptResult::timeout || status == 429) {
    wait = std::max(wait.value_or(std::chrono::milliseconds(0)), rules.throttle_floor);
  }
  return wait;
}

Decision decide(const delivery::Outcome& outcome, const DeliveryState& state, const RetryPolicy& policy,
                const ResponseRules& rules) {
  switch (outcome.result) {
    case AttemptResult::success_2xx: {
      Decision d;
      d.action = Action::delivered;
      d.attempts_made = state.attempt;
      d.attempted = true;
      return d;
    }
    case AttemptResult::blocked:
      // The network guard or the URL refused it: final, and nothing reached the endpoint.
      return dead_letter(DeadLetterReason::blocked, state.attempt, false);
    case AttemptResult::cancelled:
      // The breaker opened while it queued: deferred like any delivery that meets an open breaker.
      return defer_for_breaker(state, policy);
    case AttemptResult::origin_queue_full:
    case AttemptResult::tenant_over_budget:
      // Deferred, not attempted: wait on the step it was on (the first tier for a new delivery).
      // Neither walks the schedule, so a slow origin or a busy tenant never exhausts a delivery.
      return wait_on(Action::defer, step_at(policy, state.step), state.attempt - 1, false);
    case AttemptResult::status_4xx:
      if (outcome.http_status == 410) return dead_letter(DeadLetterReason::gone, state.attempt, true);
      return after_failure(outcome, state, policy, rules);
    case AttemptResult::status_3xx:
    case AttemptResult::status_5xx:
    case AttemptResult::timeout:
    case AttemptResult::dns_error:
    case AttemptResult::connect_error:
    case AttemptResult::tls_error:
    case AttemptResult::protocol_error:
      return after_failure(outcome, state, policy, rules);
  }
  return after_failure(outcome, state, policy, rules);  // unreachable: the switch is exhaustive
}

Decision defer_for_breaker(const DeliveryState& state, const RetryPolicy& policy) {
  const int last = static_cast<int>(policy.steps().size()) - 1;
  // A step beyond the schedule is its last step, so the deferral walks past the end.
  const int next = std::clamp(state.step, -1, last) + 1;
  if (next > last || exhausted(state, policy)) {
    return dead_letter(DeadLetterReason::exhausted, state.attempt - 1, false);
  }
  return wait_on(Action::defer, step_at(policy, next), state.attempt - 1, false);
}

std::optional<Decision> before_retry(const DeliveryState& state, const RetryPolicy& policy) {
  if (exhausted(state, policy)) return dead_letter(DeadLetterReason::exhausted, state.attempt - 1, false);
  return std::nullopt;
}

Decision defer_for_rate_limit(const DeliveryState& state, const RetryPolicy& policy,
                              std::optional<std::chrono::milliseconds> pause_left) {
  const auto& steps = policy.steps();
  std::size_t index = static_cast<std::size_t>(std::clamp(state.step, 0, static_cast<int>(steps.size()) - 1));
  if (pause_left) {
    while (index + 1 < steps.size() && steps[index].delay < *pause_left) ++index;
  }
  return wait_on(Action::defer, steps[index], state.attempt - 1, false);
}

}  // namespace hookd::retry
