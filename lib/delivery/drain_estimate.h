// How long a request that joins an origin's wait queue now will wait before it starts.
//
// Why: an origin at its in-flight cap queues further requests, and beyond some wait they are
// better deferred to a retry tier. A fixed queue length is the wrong bound: a fast receiver
// drains thousands of queued requests in a fraction of a second, a slow one takes seconds for
// a hundred. By Little's law an origin with `slots` requests in flight, each taking L, starts
// a queued request every L / slots; the n-th in the queue waits about n * L / slots
// (docs/endpoints.md, "Origin queues").
//
// L is a moving average of the origin's completed requests, but never less than the time
// since the origin last completed anything while busy: a receiver that stopped answering is
// seen as slow at once, not when its requests time out. Before any completion the same
// "time since busy" stands in for L, so a cold origin is judged by what it shows.
//
// The same estimate decides whether a request that finds no idle connection opens a new one or
// waits for a busy one: it opens one only when the wait is longer than opening a connection
// takes at this origin (a moving average of connect and TLS handshake). A burst then opens the
// connections it needs to drain, not one per request, and a pause that makes every busy
// connection look stalled opens at most as many as are busy, not one per request up to the cap
// (docs/endpoints.md, "Opening connections").
//
// A company's deliveries against its budget are paced the same way (dispatch/tenant_budget.h):
// there a "request" is a delivery holding a share of the budget, from admission until its
// outcome is durable, and the slots are the shares its company holds at the moment.
//
// Pure and single-threaded (the origin's strand, or the tenant's shard lock, owns it); time
// is passed in.
#pragma once

#include <chrono>
#include <cstddef>

namespace hookd::delivery {

class DrainEstimate {
 public:
  using Clock = std::chrono::steady_clock;

  // `slots`: the origin's in-flight cap (at least 1).
  explicit DrainEstimate(std::size_t slots);

  // A request to this origin started / ended (whatever its outcome) after `latency`.
  void started(Clock::time_point now);
  void finished(Clock::time_point now, Clock::duration latency);
  // A request that ended without saying anything about the pace (dropped at shutdown).
  void abandoned() {
    if (in_flight_ > 0) --in_flight_;
  }

  // The wait of a request that joins a queue of `queued` now.
  Clock::duration expected_wait(std::size_t queued, Clock::time_point now) const {
    return expected_wait(queued, now, slots_);
  }
  // The same with `slots` requests running in parallel instead of the cap given at
  // construction: a company held back by its byte budget runs fewer than its count budget.
  Clock::duration expected_wait(std::size_t queued, Clock::time_point now, std::size_t slots) const;

  // False until one request has completed.
  bool measured() const { return measured_; }

  // A new connection to the origin became ready `open_time` after it was asked for.
  void opened(Clock::duration open_time);
  // Whether a request that finds no idle connection starts sooner on a new connection than on
  // one of the `busy` open connections, with `queued` requests waiting ahead of it and `opening`
  // connections being opened now. True while either time is unmeasured. Otherwise never while
  // as many connections are opening as are busy (a pool grows at most twofold per open: a
  // pause of the receiver, or of hookd, makes every busy connection look stalled at once), then
  // true when nothing is busy or the wait is at least an open.
  bool sooner_on_new_connection(std::size_t queued, Clock::time_point now, std::size_t busy,
                                std::size_t opening) const;

 private:
  std::size_t slots_;
  std::size_t in_flight_ = 0;
  bool measured_ = false;
  Clock::duration average_latency_{};
  bool open_measured_ = false;
  Clock::duration average_open_time_{};
  // The last completion, or when the origin became busy from idle: "no progress since".
  Clock::time_point last_progress_{};
};

}  // namespace hookd::delivery
