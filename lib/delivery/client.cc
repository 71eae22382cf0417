#include "delivery/client.h"

#include <chrono>
#include <optional>
#include <stdexcept>
#include <utility>

#include <boost/asio/post.hpp>

#include "delivery/handoff.h"
#include "delivery/origin_pool.h"
#include "delivery/target_url.h"

namespace hookd::delivery {

namespace {
boost::asio::io_context& first_of(const std::vector<boost::asio::io_context*>& ios) {
  if (ios.empty() || ios.front() == nullptr) throw std::invalid_argument("the HTTP client needs an io_context");
  return *ios.front();
}

std::vector<std::shared_ptr<Handoff>> handoffs_to(const std::vector<boost::asio::io_context*>& ios) {
  std::vector<std::shared_ptr<Handoff>> out;
  for (auto* io : ios) {
    if (io == nullptr) throw std::invalid_argument("the HTTP client needs an io_context");
    out.push_back(std::make_shared<Handoff>(*io));
  }
  return out;
}
}  // namespace

Client::Client(std::vector<boost::asio::io_context*> ios, ClientOptions options, const common::Clock& clock)
    : context_(std::make_shared<ClientContext>(first_of(ios), std::move(options), clock)), homes_(handoffs_to(ios)) {}

Client::~Client() { shutdown(); }

void Client::post(Request request, std::function<void(Outcome)> done) {
  auto refuse = [&](std::string error) {
    Outcome outcome;
    outcome.result = AttemptResult::blocked;
    outcome.error = std::move(error);
    boost::asio::post(context_->io, [done = std::move(done), outcome = std::move(outcome)]() mutable {
      done(std::move(outcome));
    });
  };

  std::optional<TargetUrl> url =
      request.target ? std::exchange(request.target, std::nullopt) : parse_target_url(request.url);
  if (!url) return refuse("not an absolute http(s) URL with a valid host and port");
  if (!url->tls && !context_->options.allow_http) return refuse(url->origin + ": plain http is not allowed");

  PoolEntry entry = pool_for(url->origin);
  entry.home->push(std::move(entry.pool),
                   std::make_unique<PendingRequest>(PendingRequest{std::move(request), std::move(*url), std::move(done)}));
}

void Client::shutdown() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto& [origin, entry] : shard.pools) entry.pool->shutdown();
  }
}

Client::PoolEntry Client::pool_for(const std::string& origin) {
  PoolEntry entry;
  {
    Shard& shard = shards_[std::hash<std::string>{}(origin) % shard_count];
    std::lock_guard lock(shard.mutex);
    auto& slot = shard.pools[origin];
    if (slot.pool) return slot;
    Handoff& home = *homes_[next_home_.fetch_add(1, std::memory_order_relaxed) % homes_.size()];
    slot = entry = PoolEntry{std::make_shared<OriginPool>(context_, home.io()), &home};
  }
  // A new origin: a good moment to forget the pools nobody uses any more, so the map follows
  // the origins in use rather than every origin ever seen (webhooks change URLs, get deleted).
  // At most once a second: a sweep takes every shard's lock and visits every pool, and a
  // worker warming up meets thousands of new origins at once.
  const auto now = context_->clock.steady_now().time_since_epoch().count();
  auto due = next_sweep_.load(std::memory_order_relaxed);
  if (now >= due && next_sweep_.compare_exchange_strong(
                        due, now + std::chrono::steady_clock::duration(std::chrono::seconds(1)).count(),
                        std::memory_order_relaxed)) {
    forget_unused_pools();
  }
  return entry;
}

void Client::forget_unused_pools() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    // Only the map holds a pool with no attempt running or queued and no idle connection:
    // attempts, queued requests' attempts, requests in a Handoff and the idle-connection timer
    // each hold a reference.
    // Under the shard lock no one can take a new one, so the count cannot change under us.
    std::erase_if(shard.pools, [](const auto& item) { return item.second.pool.use_count() == 1; });
  }
}

std::size_t Client::idle_connection_count() const {
  return context_->idle_connections.load(std::memory_order_relaxed);
}

std::size_t Client::pool_count() {
  std::size_t count = 0;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    count += shard.pools.size();
  }
  return count;
}

}  // namespace hookd::delivery
