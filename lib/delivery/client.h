// The outgoing HTTP(S) client: POSTs a webhook request and reports one Outcome per attempt.
//
// Design:
// - Origins are spread over the io_contexts it is given, one per delivery thread: an origin's
//   pool and all its connections live on one of them, so a request, its completion and the
//   next request started by it stay on one thread (docs/endpoints.md, "Delivery threads").
// - Requests are grouped by origin (scheme, host, port). Each origin has a keep-alive pool
//   (forgotten once it has nothing running, queued or idle and another origin shows up),
//   at most max_in_flight_per_origin requests in flight, and a FIFO of at most
//   max_queued_per_origin waiting ones; beyond that a request ends at once with
//   origin_queue_full, so one slow endpoint cannot hold memory or slots of the others.
// - post() hands a request to its origin's io_context through that context's Handoff: the
//   requests posted while its thread is busy reach it together (delivery/handoff.h).
// - A new connection resolves the host (asynchronously, cached), checks every address with
//   the network guard, and connects only to those checked addresses; TLS 1.2+, SNI, peer
//   and host name verification against the system CAs plus delivery.ca_file.
// - With ClientOptions::proxy set, every connection goes through that HTTP proxy in a
//   CONNECT tunnel to the checked IP literal, http targets included (TLS to an https target
//   inside it, verified for the target's name). The guard still checks the target first; a
//   refused target never reaches the proxy, and the proxy never resolves a target's name. Proxy failures are
//   connect_error (a non-2xx CONNECT answer names the proxy's status) or timeout. Tunnelled
//   connections are pooled per origin like direct ones. Details in delivery/proxy.h.
// - Redirects are never followed: a 3xx is a failed attempt like a 4xx or 5xx. The status
//   decides; the response body is read up to max_response_bytes and dropped, except its first
//   1 KiB (Outcome.response_excerpt). Every read is bounded (delivery/connection.h): a
//   response whose header, chunk framing or trailer is over its limit is a protocol_error.
// - A request with a header name that is not a token or a value holding a control character
//   ends `blocked` without being sent (delivery/request_headers.h). Retry-After is parsed on every response
//   (Outcome.retry_after); which statuses honour it is the caller's business.
// - A keep-alive connection that fails before any response byte arrives (the server closed
//   it while idle) is retried once on a fresh connection.
//
// Outcome.error names the origin at most: never a path, a query or a header value.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "common/clock.h"
#include "delivery/types.h"

namespace hookd::delivery {

struct ClientContext;
class Handoff;
class OriginPool;

// The seam the worker depends on, so its tests can fake HTTP.
class Sender {
 public:
  virtual ~Sender() = default;
  // Thread-safe. `done` runs exactly once, on an io_context thread, never inside post().
  virtual void post(Request request, std::function<void(Outcome)> done) = 0;
  // Closes idle connections now and the others when their attempt ends.
  virtual void shutdown() = 0;
};

class Client final : public Sender {
 public:
  // Throws std::runtime_error when options.ca_file cannot be loaded, std::invalid_argument
  // (naming the problem, not repeating the value) when options.proxy is not http://host:port.
  // `clock` is what the pools decide by (idle expiry, queue admission, latencies); it must
  // outlive the client and every attempt still running.
  // `ios`: at least one (else std::invalid_argument); each new origin goes to the next in turn.
  // Each is best run by one thread (an origin's work then never moves between threads); the
  // first also resolves names.
  Client(std::vector<boost::asio::io_context*> ios, ClientOptions options,
         const common::Clock& clock = common::system_clock());
  Client(boost::asio::io_context& io, ClientOptions options, const common::Clock& clock = common::system_clock())
      : Client(std::vector<boost::asio::io_context*>{&io}, std::move(options), clock) {}
  // Shuts down. Attempts still running keep what they need alive and complete normally
  // as long as the io_context runs.
  ~Client() override;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void post(Request request, std::function<void(Outcome)> done) override;
  void shutdown() override;

  // Origins with a pool: those in use, plus unused ones until a new origin appears (a new
  // origin sweeps them away, at most once a second).
  std::size_t pool_count();
  // Keep-alive connections idle in every pool (docs/endpoints.md, "Idle connections").
  std::size_t idle_connection_count() const;

 private:
  // An origin's pool and the hand-off to the io_context it runs on.
  struct PoolEntry {
    std::shared_ptr<OriginPool> pool;
    Handoff* home = nullptr;  // one of homes_
  };
  PoolEntry pool_for(const std::string& origin);
  void forget_unused_pools();

  // Pools are found through a sharded map so that concurrent posts to different origins
  // rarely meet on the same mutex, and never hold it beyond a hash lookup.
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, PoolEntry> pools;
  };
  static constexpr std::size_t shard_count = 16;

  std::shared_ptr<ClientContext> context_;
  // Where new origins go, in turn: one per io_context. Shared with the batches they posted.
  const std::vector<std::shared_ptr<Handoff>> homes_;
  std::array<Shard, shard_count> shards_;
  std::atomic<std::chrono::steady_clock::rep> next_sweep_{0};  // steady-clock time of the next allowed sweep
  std::atomic<std::size_t> next_home_{0};  // the io_context of the next new origin, round robin
};

}  // namespace hookd::delivery
