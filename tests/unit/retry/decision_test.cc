// The retry decision on its own: every attempt result, the schedule walk, required waits,
// breaker and rate-limit deferrals. No clock, no broker.
#include "retry/decision.h"

#include <gtest/gtest.h>

namespace hookd::retry {
namespace {

using namespace std::chrono_literals;
using delivery::AttemptResult;

const RetryPolicy kPolicy({"5s", "5m", "30m", "2h"});  // five attempts
const ResponseRules kRules{60s};

delivery::Outcome outcome(AttemptResult result, int status = 0, std::optional<std::chrono::seconds> retry_after = {}) {
  delivery::Outcome o;
  o.result = result;
  o.http_status = status;
  o.retry_after = retry_after;
  return o;
}

TEST(RetryDecision, TwoHundredIsDelivered) {
  const auto d = decide(outcome(AttemptResult::success_2xx, 200), {3, 1}, kPolicy, kRules);
  EXPECT_EQ(d.action, Action::delivered);
  EXPECT_TRUE(d.attempted);
  EXPECT_FALSE(d.pause_webhook_for);
}

TEST(RetryDecision, EachFailureWalksTheScheduleThenExhausts) {
  DeliveryState state;
  std::vector<std::string> tiers;
  for (;;) {
    const auto d = decide(outcome(AttemptResult::status_5xx, 500), state, kPolicy, kRules);
    if (d.action == Action::dead_letter) {
      EXPECT_EQ(d.reason, DeadLetterReason::exhausted);
      EXPECT_EQ(d.attempts_made, 5);
      break;
    }
    ASSERT_EQ(d.action, Action::retry);
    EXPECT_EQ(d.attempts_made, state.attempt);
    tiers.push_back(d.step.delay_text);
    state = {state.attempt + 1, d.step.index};
  }
  EXPECT_EQ(tiers, (std::vector<std::string>{"5s", "5m", "30m", "2h"}));
}

TEST(RetryDecision, EveryFailureKindRetriesAndCountsForHealth) {
  for (auto result : {AttemptResult::status_3xx, AttemptResult::status_4xx, AttemptResult::status_5xx,
                      AttemptResult::dns_error, AttemptResult::connect_error, AttemptResult::tls_error,
                      AttemptResult::protocol_error}) {
    const auto d = decide(outcome(result, result == AttemptResult::status_4xx ? 404 : 0), {1, -1}, kPolicy, kRules);
    EXPECT_EQ(d.action, Action::retry) << delivery::to_string(result);
    EXPECT_EQ(d.step.delay_text, "5s") << delivery::to_string(result);
    EXPECT_TRUE(d.attempted) << delivery::to_string(result);
  }
}

TEST(RetryDecision, GoneAndBlockedAreFinal) {
  const auto gone = decide(outcome(AttemptResult::status_4xx, 410), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(gone.action, Action::dead_letter);
  EXPECT_EQ(gone.reason, DeadLetterReason::gone);
  EXPECT_TRUE(gone.attempted);
  const auto blocked = decide(outcome(AttemptResult::blocked), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(blocked.action, Action::dead_letter);
  EXPECT_EQ(blocked.reason, DeadLetterReason::blocked);
  EXPECT_FALSE(blocked.attempted);  // the guard refused it: says nothing of the endpoint
}

TEST(RetryDecision, TimeoutWaitsAtLeastTheThrottleFloor) {
  const auto d = decide(outcome(AttemptResult::timeout), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(d.action, Action::retry);
  EXPECT_EQ(d.step.delay_text, "5m");  // the first tier of at least 60 s
  EXPECT_FALSE(d.pause_webhook_for);   // a timeout pauses nothing
}

TEST(RetryDecision, TooManyRequestsPausesTheWebhookForTheLongerOfRetryAfterAndTheFloor) {
  const auto short_ask = decide(outcome(AttemptResult::status_4xx, 429, 4s), {1, -1}, kPolicy, kRules);
  ASSERT_TRUE(short_ask.pause_webhook_for);
  EXPECT_EQ(*short_ask.pause_webhook_for, 60s);
  EXPECT_EQ(short_ask.step.delay_text, "5m");
  const auto long_ask = decide(outcome(AttemptResult::status_4xx, 429, 40min), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(*long_ask.pause_webhook_for, 40min);
  EXPECT_EQ(long_ask.step.delay_text, "2h");
}

TEST(RetryDecision, ServiceUnavailableWithRetryAfterPausesForExactlyThatLong) {
  const auto d = decide(outcome(AttemptResult::status_5xx, 503, 10s), {1, -1}, kPolicy, kRules);
  ASSERT_TRUE(d.pause_webhook_for);
  EXPECT_EQ(*d.pause_webhook_for, 10s);
  EXPECT_EQ(d.step.delay_text, "5m");
  // Without Retry-After a 503 is an ordinary failure.
  const auto plain = decide(outcome(AttemptResult::status_5xx, 503), {1, -1}, kPolicy, kRules);
  EXPECT_FALSE(plain.pause_webhook_for);
  EXPECT_EQ(plain.step.delay_text, "5s");
}

TEST(RetryDecision, RetryAfterOnOtherStatusesIsIgnored) {
  const auto d = decide(outcome(AttemptResult::status_5xx, 500, 3h), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(d.step.delay_text, "5s");
  EXPECT_FALSE(d.pause_webhook_for);
}

TEST(RetryDecision, AFullOriginQueueWaitsOnItsStepWithoutSpendingAnAttempt) {
  const auto first = decide(outcome(AttemptResult::origin_queue_full), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(first.action, Action::defer);
  EXPECT_EQ(first.step.index, 0);
  EXPECT_EQ(first.attempts_made, 0);
  EXPECT_FALSE(first.attempted);
  const auto later = decide(outcome(AttemptResult::origin_queue_full), {3, 2}, kPolicy, kRules);
  EXPECT_EQ(later.step.index, 2);
  EXPECT_EQ(later.attempts_made, 2);
}

TEST(RetryDecision, ATenantOverItsBudgetWaitsOnItsStepWithoutSpendingAnAttemptOrExhausting) {
  const auto first = decide(outcome(AttemptResult::tenant_over_budget), {1, -1}, kPolicy, kRules);
  EXPECT_EQ(first.action, Action::defer);
  EXPECT_EQ(first.step.index, 0);
  EXPECT_EQ(first.attempts_made, 0);
  EXPECT_FALSE(first.attempted);  // says nothing about the endpoint's health
  EXPECT_FALSE(first.pause_webhook_for);
  // On the last step, a busy tenant's delivery waits there again instead of being exhausted.
  const auto last = decide(outcome(AttemptResult::tenant_over_budget), {5, 3}, kPolicy, kRules);
  EXPECT_EQ(last.action, Action::defer);
  EXPECT_EQ(last.step.index, 3);
  EXPECT_EQ(last.attempts_made, 4);
}

TEST(RetryDecision, BreakerDeferralWalksTheScheduleAndExhaustsAtItsEnd) {
  DeliveryState state{3, 1};  // two attempts made, waited on step 1
  const auto d = defer_for_breaker(state, kPolicy);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_EQ(d.step.index, 2);
  EXPECT_EQ(d.attempts_made, 2);
  const auto last = defer_for_breaker({3, 3}, kPolicy);
  EXPECT_EQ(last.action, Action::dead_letter);
  EXPECT_EQ(last.reason, DeadLetterReason::exhausted);
  EXPECT_EQ(last.attempts_made, 2);
  // A cancelled attempt (the breaker opened while it queued) is the same deferral.
  const auto cancelled = decide(outcome(AttemptResult::cancelled), state, kPolicy, kRules);
  EXPECT_EQ(cancelled.action, Action::defer);
  EXPECT_EQ(cancelled.step.index, 2);
}

TEST(RetryDecision, RateLimitDeferralStaysOnItsStepUnlessAPauseOutlastsIt) {
  EXPECT_EQ(defer_for_rate_limit({1, -1}, kPolicy, std::nullopt).step.index, 0);
  EXPECT_EQ(defer_for_rate_limit({2, 1}, kPolicy, std::nullopt).step.index, 1);
  const auto paused = defer_for_rate_limit({1, -1}, kPolicy, 10min);
  EXPECT_EQ(paused.step.delay_text, "30m");
  EXPECT_EQ(paused.attempts_made, 0);
  EXPECT_EQ(defer_for_rate_limit({1, -1}, kPolicy, 10h).step.delay_text, "2h");  // never exhausts
}

// Records written under a longer schedule (docs/retries.md, "Changing the schedule"): a step
// beyond this one is its last step, and a delivery with no attempt left is exhausted at once.
const RetryPolicy kShortened({"5s", "5m"});  // three attempts; records may say step 6

TEST(RetryDecision, AStepBeyondTheScheduleIsItsLastStep) {
  const auto failed = decide(outcome(AttemptResult::status_5xx, 500), {2, 6}, kShortened, kRules);
  EXPECT_EQ(failed.action, Action::retry);
  EXPECT_EQ(failed.step.index, 1);
  const auto queued = decide(outcome(AttemptResult::origin_queue_full), {2, 6}, kShortened, kRules);
  EXPECT_EQ(queued.action, Action::defer);
  EXPECT_EQ(queued.step.index, 1);
  const auto limited = defer_for_rate_limit({2, 6}, kShortened, std::nullopt);
  EXPECT_EQ(limited.step.index, 1);
  // The breaker walks on from the last step: past the end, the delivery is exhausted.
  const auto breaker = defer_for_breaker({2, 6}, kShortened);
  EXPECT_EQ(breaker.action, Action::dead_letter);
  EXPECT_EQ(breaker.reason, DeadLetterReason::exhausted);
}

TEST(RetryDecision, AStepBelowTheStartIsBeforeTheFirstRetry) {
  for (const int step : {-2, -50}) {
    const auto failed = decide(outcome(AttemptResult::status_5xx, 500), {1, step}, kShortened, kRules);
    EXPECT_EQ(failed.action, Action::retry) << step;
    EXPECT_EQ(failed.step.index, 0) << step;
    const auto breaker = defer_for_breaker({1, step}, kShortened);
    EXPECT_EQ(breaker.action, Action::defer) << step;
    EXPECT_EQ(breaker.step.index, 0) << step;
  }
}

TEST(RetryDecision, ADeliveryWithNoAttemptLeftIsExhaustedAtOnce) {
  // Six attempts made under the old schedule: the next would be the seventh of three.
  const DeliveryState spent{7, 5};
  const auto before = before_retry(spent, kShortened);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->action, Action::dead_letter);
  EXPECT_EQ(before->reason, DeadLetterReason::exhausted);
  EXPECT_EQ(before->attempts_made, 6);
  EXPECT_FALSE(before->attempted) << "no attempt is made for it";
  EXPECT_FALSE(before_retry({3, 1}, kShortened)) << "the third of three attempts still goes out";

  // Deferred by the breaker on step 0, it does not walk the schedule again: it is exhausted.
  const auto breaker = defer_for_breaker({7, 0}, kShortened);
  EXPECT_EQ(breaker.action, Action::dead_letter);
  EXPECT_EQ(breaker.reason, DeadLetterReason::exhausted);
  EXPECT_EQ(decide(outcome(AttemptResult::status_5xx, 500), {7, 0}, kShortened, kRules).action, Action::dead_letter);
  EXPECT_EQ(decide(outcome(AttemptResult::timeout), {7, 0}, kShortened, kRules).action, Action::dead_letter);
}

}  // namespace
}  // namespace hookd::retry
