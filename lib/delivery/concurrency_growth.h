// How many exchanges an origin's pool runs at once: more only while more go faster.
//
// Why: by Little's law an origin with n requests in flight, each taking L, completes n / L a
// second. A receiver with room answers twice the requests in the same L: twice the pace. A
// receiver at its limit, or a machine whose CPU is all in use (hookd's own included), answers
// them in twice the L: the same pace, and every request in flight is state hookd holds and
// touches again (its connection's TLS state and socket, its headers, its job). Ten origins of
// 64 connections on one 2-core machine delivered less, at more CPU a delivery, than the same
// ten held to a few (docs/benchmarks.md, "How many at once").
//
// So a pool compares its latency (a moving average of its last answered exchanges) with the
// lowest that average has been lately (the baseline: over the last one or two
// kBaselineWindow), as TCP Vegas compares a round trip with the shortest it has seen, and
// keeps a limit. It reads two things from them. How much slower the pool is than its
// baseline: a receiver's own noise rarely makes its average three times its low, a receiver
// or machine at its limit does. And how many exchanges wait rather than being served: of n
// running at latency L, the baseline's pace serves n * baseline / L; the rest wait, in the
// receiver or in either machine's run queue. The limit shrinks by one an answered exchange
// while both say too many (about half after a round; never below kFreeConcurrency), grows by
// one while either says there is room (about twice the limit after a round, while the pool
// uses at least half of it), and holds between. Both, because each alone misleads: on a
// machine whose CPU is all in use every latency is several times its quiet baseline, and the
// ratio alone held every origin, even a lone one, to the floor, below the few exchanges that
// fill the pipeline; a noisy receiver's average is often well above its lowest, and the count
// alone held it to a few. Once a whole round of answers in a row said too many, the pool has
// found where the receiver's room ends, and the limit moves one a round either way from then
// on, as TCP's congestion avoidance does after slow start: a spell of slow or fast answers
// moves it a little, not to the floor and back (ten origins sharing one machine swung so, and
// delivered less at more CPU than at a fixed level; docs/benchmarks.md). A baseline window
// with no sign of too many, or a quiet one, returns it to one an answer. Only answered
// exchanges count: a timeout or a refused connection says nothing about how the receiver's
// latency grows with the load.
// A pool runs kFreeConcurrency until its latency is measured, so that its baseline is what a
// few at once take: measured first under a burst, the baseline would be the burst's latency,
// and a limit read against it would hold the burst. A pool whose exchanges stopped finishing
// (hung requests, a receiver that paused, one slower than kStallFloor that is not measured
// yet) for kStallFactor times its latency or its last answer's, whichever is longer, and at
// least kStallFloor, is not held to the limit, so requests behind hung ones still go
// (docs/endpoints.md, "How many at once").
//
// Pure and single-threaded (the origin's strand owns it); time is passed in.
#pragma once

#include <chrono>
#include <cstddef>

namespace hookd::delivery {

class ConcurrencyGrowth {
 public:
  using Clock = std::chrono::steady_clock;

  // Exchanges a pool may always run at once: ten origins held to a few were the fastest shape
  // measured (docs/benchmarks.md).
  static constexpr std::size_t kFreeConcurrency = 3;
  // Shrink: slower than kShrinkAbove times the baseline and more than kWaitingToShrink *
  // log10(limit) waiting. Grow: under kGrowBelow times or fewer than kWaitingToGrow *
  // log10(limit) waiting. Between, the limit holds: a band wide enough that a receiver's noise
  // does not move it every exchange.
  static constexpr double kGrowBelow = 1.5;
  static constexpr double kShrinkAbove = 3.0;
  static constexpr double kWaitingToGrow = 3.0;
  static constexpr double kWaitingToShrink = 6.0;
  // A receiver that became slower for good is held back for one to two of these.
  static constexpr Clock::duration kBaselineWindow = std::chrono::seconds(10);
  // The floor is above the tens of milliseconds a loaded machine deschedules hookd for: such a
  // pause is not a stall of the receiver, and would set the limit aside with every pause.
  static constexpr double kStallFactor = 4.0;
  static constexpr Clock::duration kStallFloor = std::chrono::milliseconds(100);

  // An exchange on an open connection was answered after `latency`; `running` exchanges (this
  // one included) were running as it ended.
  void answered(Clock::time_point now, Clock::duration latency, std::size_t running);

  // An exchange started; `running` (this one included) run now. A pool that ran none until now
  // counts its stall from here, not from its last answer before it went idle.
  void started(Clock::time_point now, std::size_t running);

  // Whether the pool may run `running` exchanges at once (one more than now).
  bool may_run(std::size_t running, Clock::time_point now) const;
  // When the pool counts as stalled if nothing is answered before: from then on may_run
  // allows any number.
  Clock::time_point stalled_at() const;

  // The moving average of the latency, its baseline, and the limit. Zero until measured.
  Clock::duration latency() const;
  Clock::duration baseline() const;
  std::size_t limit() const { return static_cast<std::size_t>(limit_); }

 private:
  std::size_t samples_ = 0;
  double latency_s_ = 0;
  double last_latency_s_ = 0;  // the last answered exchange's
  // The lowest latency_s_ in the window that began at window_start_, and in the one before it.
  Clock::time_point window_start_{};
  double low_this_window_ = 0;
  double low_last_window_ = 0;
  // Answers in a row that said too many; whether a round of them did (the limit then moves one
  // a round), and whether one did in this window.
  std::size_t too_many_in_a_row_ = 0;
  bool one_a_round_ = false;
  bool too_many_this_window_ = false;
  Clock::time_point last_progress_{};  // the last answer, or the start that ended an idle spell
  double limit_ = 0;  // 0 until the latency is measured: kFreeConcurrency
};

}  // namespace hookd::delivery
