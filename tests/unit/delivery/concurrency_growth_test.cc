#include "delivery/concurrency_growth.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include <gtest/gtest.h>

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;
using Clock = ConcurrencyGrowth::Clock;

// A pool, idle until `now`, with a deep queue in front of a receiver from then on: it runs as
// many exchanges as it may (up to `cap`), and each answer takes `latency(running)`. Time moves
// by what Little's law says separates two answers. Returns the time after `answers` answers.
Clock::time_point drain(ConcurrencyGrowth& growth, Clock::time_point now, int answers, std::size_t cap,
                        const std::function<Clock::duration(std::size_t running)>& latency) {
  growth.started(now, 1);
  for (int i = 0; i < answers; ++i) {
    std::size_t running = 1;
    while (running < cap && growth.may_run(running + 1, now)) ++running;
    const Clock::duration took = latency(running);
    now += took / static_cast<Clock::rep>(running);
    growth.answered(now, took, running);
  }
  return now;
}

// A pool that first learnt the receiver one request at a time, then drained `answers` with up
// to 64 at once.
Clock::time_point learn_then_drain(ConcurrencyGrowth& growth, int answers,
                                   const std::function<Clock::duration(std::size_t running)>& latency) {
  const auto now = drain(growth, Clock::time_point{} + 1h, 32, 1, latency);
  return drain(growth, now, answers, 64, latency);
}

// A receiver (or a machine) at its limit: twice the requests take twice as long.
Clock::duration saturated(std::size_t running) { return 2ms * static_cast<Clock::rep>(running); }

std::size_t running_after(const ConcurrencyGrowth& growth, Clock::time_point now, std::size_t cap) {
  std::size_t running = 1;
  while (running < cap && growth.may_run(running + 1, now)) ++running;
  return running;
}

// Its baseline is to be what a few at once take; a receiver slower than the stall floor is not
// held to a few meanwhile.
TEST(ConcurrencyGrowth, AnUnmeasuredPoolRunsAFewUntilItsLatencyIsMeasured) {
  ConcurrencyGrowth growth;
  const auto start = Clock::time_point{} + 1h;
  growth.started(start, 1);
  EXPECT_EQ(growth.limit(), 0u);
  EXPECT_TRUE(growth.may_run(ConcurrencyGrowth::kFreeConcurrency, start));
  EXPECT_FALSE(growth.may_run(ConcurrencyGrowth::kFreeConcurrency + 1, start + 99ms));
  EXPECT_TRUE(growth.may_run(64, start + ConcurrencyGrowth::kStallFloor));
}

// Measured first under a burst, its baseline would be the burst's latency: 64 at once would
// look like no more than the receiver's own pace, and the pool would keep them.
TEST(ConcurrencyGrowth, AReceiverFirstMetWithABurstIsNotHeldToTheBurst) {
  ConcurrencyGrowth growth;
  const auto now = drain(growth, Clock::time_point{} + 1h, 2000, 64, saturated);
  EXPECT_LE(running_after(growth, now, 64), 9u) << "its baseline is what 3 at once take; 9 take three times that";
}

// After an idle spell the limit holds the next burst from its first request: the time since
// the last answer before the spell is not a stall.
TEST(ConcurrencyGrowth, AfterAnIdleSpellTheLimitHoldsTheNextBurst) {
  ConcurrencyGrowth growth;
  auto now = learn_then_drain(growth, 2000, saturated);
  ASSERT_LE(running_after(growth, now, 64), 5u);
  now += 1min;
  growth.started(now, 1);
  EXPECT_LE(running_after(growth, now, 64), 5u);
}

// A receiver with room answers 60 at once as fast as 6: the pool gets its whole cap.
TEST(ConcurrencyGrowth, AReceiverWhoseLatencyStaysFlatGetsTheCap) {
  ConcurrencyGrowth growth;
  const auto now = learn_then_drain(growth, 600, [](std::size_t) { return 200ms; });
  EXPECT_EQ(running_after(growth, now, 64), 64u);
}

// At its limit more at once would only queue there; the pool keeps a few. Of n at once, n - 1
// wait, more than 6 * log10(n) from 6 at once on.
TEST(ConcurrencyGrowth, AReceiverWhoseLatencyGrowsWithTheLoadKeepsAFew) {
  ConcurrencyGrowth growth;
  const auto now = learn_then_drain(growth, 2000, saturated);
  const std::size_t running = running_after(growth, now, 64);
  EXPECT_LE(running, 5u) << "its latency tripled by 3 at once, and 5 of 6 would wait";
  EXPECT_GE(running, ConcurrencyGrowth::kFreeConcurrency);
}

// A lone origin on a machine whose CPU is all in use (hookd, the receiver and more on two
// cores): every exchange waits for a core, so even a few at once take five times the quiet
// baseline, and the machine serves ten at once before the latency grows further. Holding the
// pool to the floor would leave the machine idle between exchanges; it keeps more than that,
// and fewer than would only wait.
TEST(ConcurrencyGrowth, ALoneOriginOnABusyMachineKeepsTheFewThatFillIt) {
  ConcurrencyGrowth growth;
  auto now = drain(growth, Clock::time_point{} + 1h, 32, 1, [](std::size_t) { return 100us; });
  const auto busy_machine = [](std::size_t running) {
    return 500us * static_cast<Clock::rep>(std::max<std::size_t>(10, running)) / 10;
  };
  now = drain(growth, now, 2000, 64, busy_machine);
  const std::size_t running = running_after(growth, now, 64);
  EXPECT_GT(running, ConcurrencyGrowth::kFreeConcurrency) << "five times the baseline at any load";
  EXPECT_LE(running, 12u) << "beyond ten, more at once only wait";
}

// Once a whole round of answers said too many, the pool has found where the receiver's room
// ends, and moves one a round from then on, up or down: a spell of slow answers, or of fast
// ones, then moves it by a little instead of to the floor and back (docs/endpoints.md, "How
// many at once"). After a window with no sign of too many it doubles again.
TEST(ConcurrencyGrowth, AfterARoundOfTooManyTheLimitMovesOneARound) {
  ConcurrencyGrowth growth;
  const auto flat = [](std::size_t) { return 10ms; };
  auto now = learn_then_drain(growth, 600, flat);
  ASSERT_EQ(running_after(growth, now, 64), 64u);
  now = drain(growth, now, 300, 64, saturated);
  const std::size_t held = running_after(growth, now, 64);
  now = drain(growth, now, 60, 64, flat);
  EXPECT_LE(running_after(growth, now, 64), held + 6) << "60 answers are about five rounds";
  // Quiet for two windows, the receiver may have changed: it is learnt afresh.
  now += 2 * ConcurrencyGrowth::kBaselineWindow;
  now = drain(growth, now, 100, 64, flat);
  EXPECT_EQ(running_after(growth, now, 64), 64u) << "doubling again";
}

// One that serves up to 16 in parallel and queues the rest: the pool settles near 16, not 64
// and not the few it may always run.
TEST(ConcurrencyGrowth, AReceiverWithSixteenWorkersGetsAboutSixteen) {
  ConcurrencyGrowth growth;
  const auto sixteen_workers = [](std::size_t running) {
    return 10ms * static_cast<Clock::rep>((running + 15) / 16);
  };
  const auto now = learn_then_drain(growth, 3000, sixteen_workers);
  const std::size_t running = running_after(growth, now, 64);
  EXPECT_GE(running, 16u);
  EXPECT_LE(running, 48u) << "its latency tripled at 33 at once";
}

// Webhook receivers are noisy: here each answer takes a log-normal time (the median 100 ms,
// one in ten over 360 ms), whatever the load. The moving average smooths that out, and the
// pool still gets its cap.
TEST(ConcurrencyGrowth, ANoisyReceiverWhoseLatencyDoesNotGrowStillGetsTheCap) {
  ConcurrencyGrowth growth;
  std::mt19937 random(7);
  std::lognormal_distribution<double> seconds(std::log(0.1), 1.0);
  const auto noisy = [&](std::size_t) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds(random)));
  };
  auto now = drain(growth, Clock::time_point{} + 1h, 32, 1, noisy);
  std::size_t lowest = 64;
  for (int round = 0; round < 20; ++round) {
    now = drain(growth, now, 200, 64, noisy);
    if (round >= 5) lowest = std::min(lowest, running_after(growth, now, 64));
  }
  EXPECT_GE(lowest, 32u) << "held back by its own noise";
}

// The baseline is the lowest the average was lately, not ever: a receiver that became five times
// slower for good (a new release, a farther region) is held to a few only until that ages out.
TEST(ConcurrencyGrowth, AReceiverThatBecameSlowerForGoodIsRelearnt) {
  ConcurrencyGrowth growth;
  auto now = drain(growth, Clock::time_point{} + 1h, 200, 1, [](std::size_t) { return 10ms; });
  now = drain(growth, now, 50, 64, [](std::size_t) { return 50ms; });
  EXPECT_LE(running_after(growth, now, 64), 5u) << "five times its recent low";
  // Two windows later the 10 ms are forgotten.
  now = drain(growth, now, 1, 1, [](std::size_t) { return 50ms; });
  now += 2 * ConcurrencyGrowth::kBaselineWindow;
  now = drain(growth, now, 2000, 64, [](std::size_t) { return 50ms; });
  EXPECT_EQ(running_after(growth, now, 64), 64u);
}

// Exchanges that stop finishing (some hang, the receiver paused) hold the limit's slots; past
// the stall time the limit is set aside and the drain estimate alone decides.
TEST(ConcurrencyGrowth, APoolWhoseExchangesStoppedFinishingIsNotHeldToItsLimit) {
  ConcurrencyGrowth growth;
  const auto now = learn_then_drain(growth, 500, saturated);
  ASSERT_LE(running_after(growth, now, 64), 5u);
  // The latency is about 10 ms; four times that is under the floor of 100 ms.
  EXPECT_LE(running_after(growth, now + 99ms, 64), 5u);
  EXPECT_EQ(running_after(growth, now + 101ms, 64), 64u);
}

// A receiver that answers what arrived together, together, is silent between two waves for as
// long as a wave takes; while its latency rises, the moving average lags behind that. Such a
// gap is not a stall: counted as one, it set the limit aside every wave.
TEST(ConcurrencyGrowth, SilenceAsLongAsTheLastAnswerTookIsNotAStall) {
  ConcurrencyGrowth growth;
  auto now = drain(growth, Clock::time_point{} + 1h, 32, 1, [](std::size_t) { return 10ms; });
  // A wave of three answers, 60 ms each: the average is still under 25 ms.
  now += 60ms;
  for (std::size_t running = 3; running >= 1; --running) growth.answered(now, 60ms, running);
  ASSERT_LT(growth.latency(), 25ms);
  const std::size_t limit = growth.limit();
  ASSERT_LT(limit, 64u);
  EXPECT_FALSE(growth.may_run(limit + 1, now + 150ms)) << "the next wave, more at once, may well take 150 ms";
  EXPECT_TRUE(growth.may_run(64, now + 241ms)) << "nothing answered for four times the last answer's 60 ms";
}

TEST(ConcurrencyGrowth, ThePoolMayAlwaysRunAFew) {
  ConcurrencyGrowth growth;
  const auto awful = [](std::size_t running) { return 1ms * static_cast<Clock::rep>(running * running); };
  auto now = drain(growth, Clock::time_point{} + 1h, 32, 1, [](std::size_t) { return 1ms; });
  now = drain(growth, now, 200, 64, awful);
  ASSERT_LT(now - (Clock::time_point{} + 1h), ConcurrencyGrowth::kBaselineWindow) << "the 1 ms is still the baseline";
  EXPECT_EQ(growth.limit(), ConcurrencyGrowth::kFreeConcurrency);
  EXPECT_TRUE(growth.may_run(ConcurrencyGrowth::kFreeConcurrency, now));
}

}  // namespace
}  // namespace hookd::delivery
