// Everything the client keeps for one origin (scheme, host, port): its keep-alive
// connections, how many requests are in flight, and the bounded FIFO of requests waiting
// for a free slot or a busy connection (bounded by the wait it promises, docs/endpoints.md
// "Origin queues" and "Opening connections").
//
// Why one strand per origin, shared by its connections, on one io_context: the pool state is
// touched by every request and every completion for that origin. In the worker each io_context
// is run by one thread, so an origin's completion, the hand-back of its connection and the
// next request it starts run on one thread, one after the other, with no other thread woken
// (docs/endpoints.md, "Delivery threads"); two origins never wait on each other's lock. The
// strand is what keeps a pool correct when an io_context is run by several threads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "common/clock.h"
#include "delivery/connection.h"
#include "delivery/concurrency_growth.h"
#include "delivery/drain_estimate.h"
#include "delivery/proxy.h"
#include "delivery/resolver.h"
#include "delivery/target_url.h"
#include "delivery/types.h"

namespace hookd::delivery {

// Shared by the client and all its pools; outlives both while attempts are running.
struct ClientContext {
  // Throws std::invalid_argument for an unusable options.proxy, std::runtime_error for an
  // unloadable options.ca_file.
  ClientContext(boost::asio::io_context& io, ClientOptions options, const common::Clock& clock);
  boost::asio::io_context& io;  // name resolution, refusals; pools run on the io_context they are given
  const ClientOptions options;
  // Every pool's decisions read time here: idle expiry, queue admission, request latencies.
  // Socket and TLS timeouts are Asio timers on the system's steady clock.
  const common::Clock& clock;
  const std::optional<ProxyAddress> proxy;  // options.proxy, parsed; nullopt = direct
  boost::asio::ssl::context tls;
  Resolver resolver;
  // Idle connections of every pool, against options.max_idle_connections.
  std::atomic<std::size_t> idle_connections{0};
};

// When an idle connection of a pool is due to close: the pool's most recently used one
// (`warmest`) after options.idle_timeout, each other one after options.idle_surplus_timeout.
// With LIFO reuse an idle connection that is not the warmest went unused because the pool
// never needed that many at once meanwhile (docs/endpoints.md, "Idle connections").
std::chrono::steady_clock::time_point idle_deadline(std::chrono::steady_clock::time_point idle_since, bool warmest,
                                                    const ClientOptions& options);

// One request on its way: the parsed URL travels with it so it is parsed once. It is allocated
// once and handed on by pointer, from the caller's thread through the queue to the attempt: a
// move of it is some twenty strings and functions (docs/benchmarks.md, "What a delivery still
// costs").
struct PendingRequest {
  Request request;
  TargetUrl url;
  std::function<void(Outcome)> done;
};

class OriginPool : public std::enable_shared_from_this<OriginPool> {
 public:
  // The pool and its connections run on `home`.
  OriginPool(std::shared_ptr<ClientContext> context, boost::asio::io_context& home);

  // On the pool's home io_context (a Handoff's batch): starts the request, queues it, or
  // answers origin_queue_full, on the pool's strand; in place when the strand is free.
  static void admit_on_strand(std::shared_ptr<OriginPool> pool, std::unique_ptr<PendingRequest> pending);
  // Any thread. Closes idle connections now and every connection when its attempt ends.
  void shutdown();

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point now() const { return context_->clock.steady_now(); }

  // All of these run on strand_.
  void admit(std::unique_ptr<PendingRequest> pending);
  // Whether a request may start now: a slot is free, the origin's limit allows one more, and an
  // idle connection waits for it or a new one is sooner than a busy one (docs/endpoints.md,
  // "How many at once" and "Opening connections").
  bool can_start_one(Clock::time_point now) const;
  // Every slot of max_in_flight_per_origin (at least one) is in flight.
  bool at_cap() const { return in_flight_ >= std::max<std::size_t>(1, context_->options.max_in_flight_per_origin); }
  void start(std::unique_ptr<PendingRequest> pending);
  void start_waiting();
  // Asks a request leaving the queue whether it still goes (Request::refresh) and takes the
  // URL it gives; false when it ended instead.
  bool refreshed(PendingRequest& pending);
  // Ends a request that leaves the queue without an attempt.
  void end_unstarted(PendingRequest& request, AttemptResult result, std::string_view why);
  // A connection start() asked for is open after `open_time`, or failed to open (nullopt).
  void opened(std::optional<Clock::duration> open_time);
  // `answered`: how long the request's exchange took (not counting the open), when it was answered.
  void finish(std::shared_ptr<Connection> reusable, Clock::duration latency, std::optional<Clock::duration> answered);
  // finish() in place, as an attempt ends (it runs on strand_ already, and the request waiting
  // for the connection goes out at once), unless this thread is inside one already: then
  // posted, so attempts that end without waiting never nest deeper than one.
  void finish_here_or_later(std::shared_ptr<Connection> reusable, Clock::duration latency,
                            std::optional<Clock::duration> answered);
  // Whether one more request may join waiting_ now (docs/endpoints.md, "Origin queues").
  bool queue_has_room(Clock::time_point now) const;
  std::shared_ptr<Connection> take_idle();
  void arm_idle_timer();
  // Wakes the queue when its origin counts as stalled, while requests wait for its limit
  // (delivery/concurrency_growth.h).
  void arm_stall_timer();
  void close_expired_idle();
  // Closes this pool's coldest idle connections while every pool together holds more idle
  // ones than options.max_idle_connections.
  void close_idle_over_global_cap();
  void close_idle_front(std::size_t count);

  // Runs on strand_; calls done exactly once. `self` keeps the pool alive.
  static boost::asio::awaitable<void> attempt(std::shared_ptr<OriginPool> self, std::shared_ptr<Connection> connection,
                                              bool reused, std::unique_ptr<PendingRequest> owned);
  boost::asio::awaitable<PhaseResult> open_fresh(std::shared_ptr<Connection>& connection, const TargetUrl& url,
                                                 Clock::time_point started);

  std::shared_ptr<ClientContext> context_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer idle_timer_;
  bool idle_timer_armed_ = false;
  boost::asio::steady_timer stall_timer_;
  bool stall_timer_armed_ = false;
  Clock::time_point stall_timer_expiry_{};
  bool shut_down_ = false;
  std::size_t in_flight_ = 0;
  std::size_t opening_ = 0;  // of in_flight_: attempts opening the connection start() asked for
  DrainEstimate drain_;
  ConcurrencyGrowth growth_;
  std::deque<std::unique_ptr<PendingRequest>> waiting_;
  std::vector<std::shared_ptr<Connection>> idle_;  // most recently used last
  Clock::time_point idle_timer_expiry_{};
};

}  // namespace hookd::delivery
