#include "delivery/origin_pool.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "delivery/network_guard.h"
#include "delivery/tls_context.h"

namespace hookd::delivery {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Adapts Resolver's callback to an asio completion token. The callback runs on some io_context
// thread; the handler is dispatched to its own executor (the attempt's strand).
template <class Token>
auto async_resolve(Resolver& resolver, const std::string& host, Token&& token) {
  using Signature = void(error_code, std::vector<asio::ip::address>);
  return asio::async_initiate<Token, Signature>(
      [&resolver](auto handler, const std::string& name) {
        // Resolver::Callback is a std::function, which must be copyable; the handler is not.
        auto shared = std::make_shared<std::decay_t<decltype(handler)>>(std::move(handler));
        resolver.resolve(name, [shared](error_code ec, std::vector<asio::ip::address> addresses) {
          auto executor = asio::get_associated_executor(*shared);
          asio::dispatch(executor, [shared, ec, addresses = std::move(addresses)]() mutable {
            std::move (*shared)(ec, std::move(addresses));
          });
        });
      },
      token, host);
}

PhaseResult connect_timed_out() { return PhaseResult::failed(AttemptResult::timeout, "connect timed out"); }

Resolver::Options resolver_options(const ClientOptions& options) {
  Resolver::Options out;
  out.timeout = options.connect_timeout;
  out.cache_ttl = options.dns_cache_ttl;
  return out;
}

}  // namespace

ClientContext::ClientContext(asio::io_context& io_context, ClientOptions client_options, const common::Clock& clock_in)
    : io(io_context),
      options(std::move(client_options)),
      clock(clock_in),
      proxy(parse_proxy_option(options.proxy)),
      tls(make_client_tls_context(options.ca_file)),
      resolver(io_context, resolver_options(options)) {}

OriginPool::OriginPool(std::shared_ptr<ClientContext> context, asio::io_context& home)
    : context_(std::move(context)),
      strand_(asio::make_strand(home)),
      idle_timer_(strand_),
      stall_timer_(strand_),
      drain_(std::max<std::size_t>(1, context_->options.max_in_flight_per_origin)) {}

void OriginPool::admit_on_strand(std::shared_ptr<OriginPool> pool, std::unique_ptr<PendingRequest> pending) {
  auto& strand = pool->strand_;
  asio::dispatch(strand, [self = std::move(pool), pending = std::move(pending)]() mutable {
    self->admit(std::move(pending));
  });
}

void OriginPool::shutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->shut_down_ = true;
    self->close_idle_front(self->idle_.size());
    self->idle_timer_.cancel();
    self->stall_timer_.cancel();
  });
}

void OriginPool::admit(std::unique_ptr<PendingRequest> pending) {
  if (can_start_one(now())) {
    if (waiting_.empty()) {
      start(std::move(pending));
    } else {  // behind the ones already waiting
      waiting_.push_back(std::move(pending));
      start_waiting();
    }
  } else if (queue_has_room(now())) {
    waiting_.push_back(std::move(pending));
    if (context_->options.on_queued) context_->options.on_queued(waiting_.size());
    arm_stall_timer();
  } else {
    Outcome outcome;
    outcome.result = AttemptResult::origin_queue_full;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        drain_.expected_wait(waiting_.size(), now()));
    outcome.error = pending->url.origin + ": " + std::to_string(waiting_.size()) +
                    " requests waiting for this origin (expected wait " + std::to_string(wait.count()) + " ms)";
    pending->done(std::move(outcome));
  }
}

bool OriginPool::can_start_one(Clock::time_point now) const {
  if (at_cap()) return false;
  if (!growth_.may_run(in_flight_ + 1, now)) return false;
  return !idle_.empty() || drain_.sooner_on_new_connection(waiting_.size(), now, in_flight_ - opening_, opening_);
}

void OriginPool::start_waiting() {
  while (!waiting_.empty() && can_start_one(now())) {
    std::unique_ptr<PendingRequest> next = std::move(waiting_.front());
    waiting_.pop_front();
    if (next->request.refresh && !refreshed(*next)) continue;
    start(std::move(next));
  }
  arm_stall_timer();
}

bool OriginPool::refreshed(PendingRequest& pending) {
  if (!pending.request.refresh(pending.request)) {
    end_unstarted(pending, AttemptResult::cancelled, "cancelled while waiting for this origin");
    return false;
  }
  // The webhook's path or query may have changed while it waited (its origin cannot: the
  // request already waits here), so the attempt goes to the URL as it is now. A refresh that
  // rebuilt the request gives its URL's parts (Request::refresh); most requests leave the queue
  // as they joined it.
  if (!pending.request.target) return true;
  auto url = std::exchange(pending.request.target, std::nullopt);
  if (url->origin != pending.url.origin) {
    end_unstarted(pending, AttemptResult::blocked, "the refreshed URL is not on this origin");
    return false;
  }
  pending.url = std::move(*url);
  return true;
}

void OriginPool::end_unstarted(PendingRequest& request, AttemptResult result, std::string_view why) {
  Outcome outcome;
  outcome.result = result;
  outcome.error = request.url.origin + ": " + std::string(why);
  request.done(std::move(outcome));
}

bool OriginPool::queue_has_room(Clock::time_point now) const {
  const ClientOptions& options = context_->options;
  if (waiting_.size() >= options.max_queued_per_origin) return false;
  return drain_.expected_wait(waiting_.size(), now) <= options.max_queue_wait;
}

void OriginPool::start(std::unique_ptr<PendingRequest> pending) {
  ++in_flight_;
  const Clock::time_point time = now();
  drain_.started(time);
  growth_.started(time, in_flight_);
  std::shared_ptr<Connection> connection = take_idle();
  const bool reused = connection != nullptr;
  if (!reused) {
    ++opening_;
    asio::ssl::context* tls = pending->url.tls ? &context_->tls : nullptr;
    connection = std::make_shared<Connection>(strand_, tls);
  }
  auto executor = connection->executor();
  asio::co_spawn(executor, attempt(shared_from_this(), std::move(connection), reused, std::move(pending)),
                 asio::detached);
}

void OriginPool::opened(std::optional<Clock::duration> open_time) {
  --opening_;
  if (open_time) drain_.opened(*open_time);
  start_waiting();  // what waited for this open may now open too (DrainEstimate::sooner_on_new_connection)
}

void OriginPool::finish(std::shared_ptr<Connection> reusable, Clock::duration latency,
                        std::optional<Clock::duration> answered) {
  const Clock::time_point time = now();
  if (answered) growth_.answered(time, *answered, in_flight_ - opening_);
  --in_flight_;
  drain_.finished(time, latency);
  if (reusable) {
    if (shut_down_) {
      reusable->close();
    } else {
      reusable->idle_since = time;
      idle_.push_back(std::move(reusable));
      context_->idle_connections.fetch_add(1, std::memory_order_relaxed);
    }
  }
  start_waiting();
  // After the queue took what it needed: the connection just returned serves it first.
  close_idle_over_global_cap();
  arm_idle_timer();
}

void OriginPool::finish_here_or_later(std::shared_ptr<Connection> reusable, Clock::duration latency,
                                      std::optional<Clock::duration> answered) {
  // finish() may start the next waiting attempt, which runs in place until it first waits; one
  // that ends without waiting (a header refused, a name that failed from the cache) comes back
  // here, and so on through the whole queue. Only the outermost call finishes in place.
  thread_local bool finishing = false;
  if (finishing) {
    asio::post(strand_, [self = shared_from_this(), reusable = std::move(reusable), latency, answered]() mutable {
      self->finish(std::move(reusable), latency, answered);
    });
    return;
  }
  finishing = true;
  struct Reset {
    ~Reset() { finishing = false; }
  } reset;
  finish(std::move(reusable), latency, answered);
}

std::chrono::steady_clock::time_point idle_deadline(std::chrono::steady_clock::time_point idle_since, bool warmest,
                                                    const ClientOptions& options) {
  return idle_since + (warmest ? options.idle_timeout : std::min(options.idle_surplus_timeout, options.idle_timeout));
}

std::shared_ptr<Connection> OriginPool::take_idle() {
  close_expired_idle();
  if (idle_.empty()) return nullptr;
  std::shared_ptr<Connection> connection = std::move(idle_.back());  // the warmest one
  idle_.pop_back();
  context_->idle_connections.fetch_sub(1, std::memory_order_relaxed);
  return connection;
}

void OriginPool::close_idle_front(std::size_t count) {
  count = std::min(count, idle_.size());
  for (std::size_t i = 0; i < count; ++i) idle_[i]->close();
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(count));
  context_->idle_connections.fetch_sub(count, std::memory_order_relaxed);
}

void OriginPool::close_expired_idle() {
  const auto time = now();
  // idle_ is ordered by idle_since, oldest first; only the last one is the warmest.
  std::size_t expired = 0;
  while (expired < idle_.size() &&
         idle_deadline(idle_[expired]->idle_since, expired + 1 == idle_.size(), context_->options) <= time) {
    ++expired;
  }
  close_idle_front(expired);
}

void OriginPool::close_idle_over_global_cap() {
  const std::size_t total = context_->idle_connections.load(std::memory_order_relaxed);
  const std::size_t cap = context_->options.max_idle_connections;
  if (total > cap) close_idle_front(total - cap);
}

void OriginPool::arm_idle_timer() {
  if (idle_.empty()) return;
  const Clock::time_point due = idle_deadline(idle_.front()->idle_since, idle_.size() == 1, context_->options);
  // Armed for a later moment (the warmest one's deadline, and a surplus one came back since):
  // bring it forward.
  if (idle_timer_armed_ && due >= idle_timer_expiry_) return;
  idle_timer_armed_ = true;
  idle_timer_expiry_ = due;
  // The timer runs on Asio's steady clock and the deadline is on the injected one: armed for the
  // time left. Under a test's clock the timer only wakes the scan, which decides by that clock.
  idle_timer_.expires_after(due - now());  // cancels a wait armed before: its handler sees operation_aborted
  idle_timer_.async_wait([self = shared_from_this(), due](error_code ec) {
    if (ec || self->idle_timer_expiry_ != due) return;  // replaced by a nearer deadline
    self->idle_timer_armed_ = false;
    if (self->shut_down_) return;
    self->close_expired_idle();
    self->arm_idle_timer();
  });
}

void OriginPool::arm_stall_timer() {
  // Only while requests wait for the limit: then nothing but an answer, or this, starts them.
  if (waiting_.empty() || shut_down_) return;
  if (at_cap()) return;
  const Clock::time_point time = now();
  if (growth_.may_run(in_flight_ + 1, time)) return;
  const Clock::time_point due = growth_.stalled_at();
  if (stall_timer_armed_ && due >= stall_timer_expiry_) return;  // wakes first, and arms again
  stall_timer_armed_ = true;
  stall_timer_expiry_ = due;
  // On Asio's steady clock for the time left, like the idle timer; the pool decides by its own.
  stall_timer_.expires_after(due - time);
  stall_timer_.async_wait([self = shared_from_this(), due](error_code ec) {
    if (ec || self->stall_timer_expiry_ != due) return;  // replaced by a nearer deadline
    self->stall_timer_armed_ = false;
    if (self->shut_down_) return;
    self->start_waiting();
  });
}

// A known GCC 12 false positive at -O2: once asio's awaitable-frame operator new/delete are
// inlined into these coroutines, -Wmismatched-new-delete no longer sees that aligned_alloc is
// paired with free (the same warning is reported against Boost 1.81 asio elsewhere). Whether
// it fires depends on the coroutine's size, so it is silenced here rather than dodged.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<PhaseResult> OriginPool::open_fresh(std::shared_ptr<Connection>& connection, const TargetUrl& url,
                                                    Clock::time_point started) {
  auto [resolve_error, addresses] = co_await async_resolve(context_->resolver, url.host, use_tuple);
  if (resolve_error) {
    if (resolve_error == asio::error::timed_out) co_return PhaseResult::failed(AttemptResult::timeout, "name resolution timed out");
    co_return PhaseResult::failed(AttemptResult::dns_error, "name resolution failed: " + resolve_error.message());
  }

  // Every address must pass: a name that resolves to one public and one private address is
  // exactly what a DNS-rebinding attack looks like.
  std::vector<asio::ip::tcp::endpoint> endpoints;
  endpoints.reserve(addresses.size());
  for (const auto& address : addresses) {
    const AddressVerdict verdict = classify(address, context_->options.allow_private_networks);
    if (verdict != AddressVerdict::allowed) {
      co_return PhaseResult::failed(AttemptResult::blocked,
                                    "address " + address.to_string() + " refused (" + to_string(verdict) + ")");
    }
    endpoints.emplace_back(address, url.port);
  }

  if (!context_->proxy) {
    const auto budget = context_->options.connect_timeout - (now() - started);
    if (budget <= Clock::duration::zero()) co_return connect_timed_out();
    co_return co_await connection->open(endpoints, url, budget);
  }

  // Through the egress proxy: the target was checked above and is reached by its checked
  // addresses; the proxy's own addresses are the operator's choice and are not checked.
  const ProxyAddress& proxy = *context_->proxy;
  auto [proxy_resolve_error, proxy_addresses] = co_await async_resolve(context_->resolver, proxy.host, use_tuple);
  if (proxy_resolve_error) {
    const std::string what = "name resolution of the proxy " + proxy.origin;
    if (proxy_resolve_error == asio::error::timed_out) co_return PhaseResult::failed(AttemptResult::timeout, what + " timed out");
    // Not a dns_error: that result speaks about the endpoint's name, and this is ours.
    co_return PhaseResult::failed(AttemptResult::connect_error, what + " failed: " + proxy_resolve_error.message());
  }
  std::vector<asio::ip::tcp::endpoint> proxy_endpoints;
  proxy_endpoints.reserve(proxy_addresses.size());
  for (const auto& address : proxy_addresses) proxy_endpoints.emplace_back(address, proxy.port);

  const auto budget = context_->options.connect_timeout - (now() - started);
  if (budget <= Clock::duration::zero()) co_return connect_timed_out();
  co_return co_await connection->open_through_proxy(proxy_endpoints, proxy, endpoints, url, budget);
}

asio::awaitable<void> OriginPool::attempt(std::shared_ptr<OriginPool> self, std::shared_ptr<Connection> connection,
                                          bool reused, std::unique_ptr<PendingRequest> owned) {
  PendingRequest& pending = *owned;
  const auto started = self->now();
  bool open_reported = reused;  // the pool counts the open it asked for until it hears of it
  auto report_open = [&](std::optional<Clock::duration> open_time) {
    if (open_reported) return;
    open_reported = true;
    asio::post(self->strand_, [self, open_time] { self->opened(open_time); });
  };
  Outcome outcome;
  std::optional<Clock::time_point> exchange_started;  // of the last exchange, for growth_
  try {
    PhaseResult phase;
    // Read here rather than in post(): Request::refresh may have replaced the headers.
    if (!pending.request.headers.refusal().empty()) {
      phase = PhaseResult::failed(AttemptResult::blocked, pending.request.headers.refusal());
    }
    if (phase.ok && !reused) {
      phase = co_await self->open_fresh(connection, pending.url, started);
      report_open(phase.ok ? std::optional(self->now() - started) : std::nullopt);
    }
    if (phase.ok) {
      exchange_started = self->now();
      phase = co_await connection->exchange(pending.url, pending.request, self->context_->options);
      // A pooled connection the server closed while idle fails before any response byte.
      // The request may have reached the server, but retrying once is within at-least-once,
      // and it spares the endpoint a failed attempt for our stale connection. A timeout is
      // not staleness: the server may be processing.
      if (!phase.ok && reused && !phase.response_started && phase.result != AttemptResult::timeout) {
        connection->close();
        connection = std::make_shared<Connection>(connection->executor(),
                                                  pending.url.tls ? &self->context_->tls : nullptr);
        phase = co_await self->open_fresh(connection, pending.url, self->now());
        if (phase.ok) {
          exchange_started = self->now();
          phase = co_await connection->exchange(pending.url, pending.request, self->context_->options);
        }
      }
    }
    outcome.result = phase.result;
    outcome.http_status = phase.http_status;
    outcome.retry_after = phase.retry_after;
    outcome.response_excerpt = std::move(phase.response_excerpt);
    if (!phase.error.empty()) outcome.error = pending.url.origin + ": " + phase.error;
  } catch (const std::exception& e) {
    // Only resource exhaustion can get here; the attempt still ends exactly once.
    outcome.result = AttemptResult::protocol_error;
    outcome.error = pending.url.origin + ": internal error: " + e.what();
  }
  report_open(std::nullopt);  // a header refused before opening, or an exception while opening
  outcome.duration = std::chrono::duration_cast<std::chrono::microseconds>(self->now() - started);

  std::shared_ptr<Connection> keep;
  if (connection && connection->reusable()) {
    keep = std::move(connection);
  } else if (connection) {
    connection->close();
  }
  // Hand the connection back before answering, so a request posted from `done` finds it.
  // Only answered exchanges tell how the receiver's latency grows with the load
  // (delivery/concurrency_growth.h).
  std::optional<Clock::duration> answered;
  if (exchange_started && outcome.http_status != 0) answered = self->now() - *exchange_started;
  self->finish_here_or_later(std::move(keep), std::chrono::duration_cast<Clock::duration>(outcome.duration), answered);
  pending.done(std::move(outcome));
}

#pragma GCC diagnostic pop

}  // namespace hookd::delivery
