// What happens to a delivery after an attempt, or instead of one: the whole retry decision in
// one pure function per situation (docs/retries.md has the rules in prose).
//
// Every delivery::AttemptResult is handled by an exhaustive switch with no default, so a new
// result cannot silently become "retryable": the build fails until it is decided here.
// Nothing here reads a clock, sends or produces; the caller acts on the Decision.
#pragma once

#include "delivery/types.h"
#include "retry/policy.h"

#include <chrono>
#include <optional>
#include <string_view>

namespace hookd::retry {

// Where a delivery stands in its schedule.
struct DeliveryState {
  int attempt = 1;  // the number of the attempt being (or about to be) made
  int step = -1;    // the schedule step last waited on; -1 before any retry
};

enum class Action {
  delivered,    // a 2xx: done
  retry,        // a failed attempt: wait on `step`, then try again
  defer,        // no attempt made (breaker, full queue, tenant budget, rate limit): wait on `step` without spending one
  dead_letter,  // final: `reason` says why
};

// record_too_large: the retry record was over Kafka's size limit (kafka/write_error.h).
enum class DeadLetterReason { blocked, gone, exhausted, record_too_large };
std::string_view to_string(DeadLetterReason reason);  // "blocked" "gone" "exhausted" "record_too_large"

struct Decision {
  Action action = Action::delivered;
  Step step{};  // for retry and defer
  DeadLetterReason reason = DeadLetterReason::exhausted;  // for dead_letter
  int attempts_made = 0;  // HTTP attempts spent so far: what a retry record carries
  bool attempted = false;  // the attempt reached the endpoint's side: counts toward its health
  // The receiver asked for a pause (429, or 503 with Retry-After): no request to the webhook
  // starts before it is over.
  std::optional<std::chrono::milliseconds> pause_webhook_for;
};

struct ResponseRules {
  std::chrono::milliseconds throttle_floor{60'000};  // least wait after a timeout or a 429
};

// The least wait an answer asks for: Retry-After on a 429 or 503, and at least the throttle
// floor after a timeout or a 429. nullopt: the schedule decides alone.
std::optional<std::chrono::milliseconds> required_wait(const delivery::Outcome& outcome, const ResponseRules& rules);

// After the client reported `outcome` for the state's attempt.
Decision decide(const delivery::Outcome& outcome, const DeliveryState& state, const RetryPolicy& policy,
                const ResponseRules& rules);

// The webhook's circuit breaker is open: no attempt. A deferral walks the schedule as a failed
// attempt would, so a webhook that stays down for the whole schedule ends its deliveries as
// exhausted dead letters instead of bouncing them through the tiers forever. A step beyond
// the schedule counts as its last; a delivery with no attempt left is exhausted at once.
Decision defer_for_breaker(const DeliveryState& state, const RetryPolicy& policy);

// A retry taken up, before its attempt: a delivery that has already made every attempt the
// current schedule allows (it was shortened since the record was written) is exhausted at
// once, without another attempt. nullopt: go on and attempt it.
std::optional<Decision> before_retry(const DeliveryState& state, const RetryPolicy& policy);

// The webhook's rate limit has no slot close enough (`pause_left` empty), or its receiver asked
// for a pause that lasts `pause_left`: the delivery waits on the step it was on (the first tier
// for a new delivery), or on the first later step that outlasts the pause. Never exhausts.
Decision defer_for_rate_limit(const DeliveryState& state, const RetryPolicy& policy,
                              std::optional<std::chrono::milliseconds> pause_left);

}  // namespace hookd::retry
