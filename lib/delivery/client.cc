#include "delivery/client.h"

#include <optional>

#include <boost/asio/post.hpp>

#include "delivery/origin_pool.h"
#include "delivery/target_url.h"

namespace hookd::delivery {

Client::Client(boost::asio::io_context& io, ClientOptions options)
    : context_(std::make_shared<ClientContext>(io, std::move(options))) {}

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

  std::optional<TargetUrl> url = parse_target_url(request.url);
  if (!url) return refuse("not an absolute http(s) URL with a valid host and port");
  if (!url->tls && !context_->options.allow_http) return refuse(url->origin + ": plain http is not allowed");

  std::shared_ptr<OriginPool> pool = pool_for(url->origin);
  pool->submit(PendingRequest{std::move(request), std::move(*url), std::move(done)});
}

void Client::shutdown() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (auto& [origin, pool] : shard.pools) pool->shutdown();
  }
}

std::shared_ptr<OriginPool> Client::pool_for(const std::string& origin) {
  Shard& shard = shards_[std::hash<std::string>{}(origin) % shard_count];
  std::lock_guard lock(shard.mutex);
  auto& pool = shard.pools[origin];
  if (!pool) pool = std::make_shared<OriginPool>(context_);
  return pool;
}

}  // namespace hookd::delivery
