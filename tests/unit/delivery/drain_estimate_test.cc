#include "delivery/drain_estimate.h"

#include <gtest/gtest.h>

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;
using Clock = DrainEstimate::Clock;

// An origin that has completed `n` requests of `latency` each, the last one at `at`, and has
// `busy` requests in flight since then.
DrainEstimate origin(std::size_t slots, Clock::duration latency, Clock::time_point at, int busy) {
  DrainEstimate drain(slots);
  for (int i = 0; i < 16; ++i) {
    drain.started(at - latency);
    drain.finished(at, latency);
  }
  for (int i = 0; i < busy; ++i) drain.started(at);
  return drain;
}

TEST(DrainEstimate, AFastOriginDrainsThousandsWithinASecond) {
  const Clock::time_point t0{};
  const DrainEstimate drain = origin(64, 2ms, t0, 64);
  // 5,000 waiting behind 64 connections of 2 ms each: about 156 ms.
  EXPECT_LT(drain.expected_wait(5000, t0), 200ms);
  EXPECT_GT(drain.expected_wait(5000, t0), 100ms);
}

TEST(DrainEstimate, ASlowOriginWaitsSecondsForAHundred) {
  const Clock::time_point t0{};
  const DrainEstimate drain = origin(64, 2s, t0, 64);
  EXPECT_GT(drain.expected_wait(100, t0), 3s);
}

TEST(DrainEstimate, AnOriginThatStopsAnsweringIsSlowAtOnceNotAtItsTimeouts) {
  const Clock::time_point t0{};
  const DrainEstimate drain = origin(64, 2ms, t0, 64);
  // Nothing has completed for 500 ms: every queued request is at least that far from a slot.
  EXPECT_GE(drain.expected_wait(127, t0 + 500ms), 1000ms);
  EXPECT_LT(drain.expected_wait(127, t0 + 1ms), 10ms);
}

TEST(DrainEstimate, IdleTimeIsNotSlowness) {
  const Clock::time_point t0{};
  DrainEstimate drain = origin(64, 2ms, t0, 0);
  // Idle for a minute, then busy again: judged by its latency, not by the idle minute.
  drain.started(t0 + 60s);
  EXPECT_LT(drain.expected_wait(1000, t0 + 60s + 1ms), 100ms);
}

TEST(DrainEstimate, FollowsAReceiverThatSlowsDown) {
  const Clock::time_point t0{};
  DrainEstimate drain = origin(10, 10ms, t0, 0);
  Clock::time_point now = t0;
  for (int i = 0; i < 40; ++i) {
    drain.started(now);
    now += 1s;
    drain.finished(now, 1s);
  }
  EXPECT_GT(drain.expected_wait(10, now), 900ms);
}

TEST(DrainEstimate, UnmeasuredUntilARequestCompletes) {
  const Clock::time_point t0{};
  DrainEstimate drain(8);
  EXPECT_FALSE(drain.measured());
  drain.started(t0);
  // Busy for 800 ms with nothing back: already as slow as that.
  EXPECT_EQ(drain.expected_wait(7, t0 + 800ms), 800ms);
  drain.finished(t0 + 900ms, 900ms);
  EXPECT_TRUE(drain.measured());
}

TEST(DrainEstimate, FewerSlotsInUseMeanALongerWait) {
  // A company held back by its byte budget runs fewer deliveries than its count budget.
  const Clock::time_point t0{};
  DrainEstimate drain = origin(64, 100ms, t0, 4);
  EXPECT_EQ(drain.expected_wait(7, t0, 4), 200ms);
  EXPECT_EQ(drain.expected_wait(7, t0, 0), 800ms) << "never divided by nothing";
  // A request dropped at shutdown leaves the count without teaching a latency.
  for (int i = 0; i < 4; ++i) drain.abandoned();
  EXPECT_EQ(drain.expected_wait(7, t0 + 10s, 4), 200ms) << "idle: the time since busy does not count";
}

TEST(DrainEstimate, WaitsForABusyConnectionThatComesFreeSoonerThanANewOneOpens) {
  const Clock::time_point t0{};
  DrainEstimate drain = origin(64, 2ms, t0, 4);
  drain.opened(20ms);
  // 4 busy connections of 2 ms each start a waiting request every 0.5 ms: the 40th waits 20 ms.
  EXPECT_FALSE(drain.sooner_on_new_connection(0, t0, 4, 0));
  EXPECT_FALSE(drain.sooner_on_new_connection(38, t0, 4, 0));
  EXPECT_TRUE(drain.sooner_on_new_connection(39, t0, 4, 0));
  // Busy connections that stopped answering are not waited for: nothing back for 80 ms.
  EXPECT_FALSE(drain.sooner_on_new_connection(0, t0 + 60ms, 4, 0));
  EXPECT_TRUE(drain.sooner_on_new_connection(0, t0 + 80ms, 4, 0));
}

// A pause of the receiver (or of hookd itself) makes every busy connection look stalled at
// once; each request arriving meanwhile would open a connection, up to the cap. The pool grows
// at most twofold per open instead: while as many are opening as are busy, requests wait.
TEST(DrainEstimate, AStallOpensAtMostAsManyConnectionsAsAreBusy) {
  const Clock::time_point t0{};
  DrainEstimate drain = origin(64, 1ms, t0, 4);
  drain.opened(2ms);
  const Clock::time_point stalled = t0 + 100ms;  // nothing back for 100 ms
  EXPECT_TRUE(drain.sooner_on_new_connection(50, stalled, 4, 0));
  EXPECT_TRUE(drain.sooner_on_new_connection(50, stalled, 4, 3));
  EXPECT_FALSE(drain.sooner_on_new_connection(50, stalled, 4, 4)) << "as many opening as busy";
  EXPECT_FALSE(drain.sooner_on_new_connection(50, stalled, 0, 1)) << "nothing busy: one open at a time";
  EXPECT_TRUE(drain.sooner_on_new_connection(50, stalled, 8, 4)) << "the four opened: four more";
  DrainEstimate cold(64);
  cold.started(t0);
  EXPECT_TRUE(cold.sooner_on_new_connection(50, stalled, 0, 40)) << "a cold origin opens what it needs";
}

TEST(DrainEstimate, OpensWhileEitherTimeIsUnknownOrNothingIsBusy) {
  const Clock::time_point t0{};
  DrainEstimate cold(64);
  cold.started(t0);
  cold.opened(20ms);
  EXPECT_TRUE(cold.sooner_on_new_connection(0, t0, 1, 0)) << "no request has completed";
  DrainEstimate never_opened = origin(64, 2ms, t0, 4);
  EXPECT_TRUE(never_opened.sooner_on_new_connection(0, t0, 4, 0)) << "no connection was timed";
  DrainEstimate idle = origin(64, 2ms, t0, 0);
  idle.opened(20ms);
  EXPECT_TRUE(idle.sooner_on_new_connection(0, t0, 0, 0));
}

TEST(DrainEstimate, FollowsWhatOpeningAConnectionCosts) {
  const Clock::time_point t0{};
  DrainEstimate drain = origin(64, 2ms, t0, 1);
  drain.opened(1ms);
  EXPECT_TRUE(drain.sooner_on_new_connection(0, t0, 1, 0));
  for (int i = 0; i < 40; ++i) drain.opened(100ms);
  EXPECT_FALSE(drain.sooner_on_new_connection(0, t0, 1, 0));
}

}  // namespace
}  // namespace hookd::delivery
