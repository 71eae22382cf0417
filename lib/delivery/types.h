// Value types of the delivery client: what to send, how, and what happened.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "delivery/request_headers.h"
#include "delivery/target_url.h"

namespace hookd::delivery {

// The result of one attempt. Everything but success_2xx is a failed attempt; `blocked`
// (network guard, refused scheme or unusable URL) is final and never retried.
enum class AttemptResult {
  success_2xx,
  status_3xx,
  status_4xx,
  status_5xx,
  timeout,
  dns_error,
  connect_error,
  tls_error,
  protocol_error,
  blocked,
  origin_queue_full,
  // Not attempted: the webhook's company (tenant) is at its share of the deliveries in
  // flight (dispatch/tenant_budget.h); deferred like origin_queue_full.
  tenant_over_budget,
  cancelled,  // Request::refresh said no when it left the origin's queue: no attempt made
};

// Fixed words used as metric label values and in dead-letter attempt records:
// "2xx" "3xx" "4xx" "5xx" "timeout" "dns_error" "connect_error" "tls_error"
// "protocol_error" "blocked" "origin_queue_full" "tenant_over_budget" "cancelled".
std::string_view to_string(AttemptResult result);

// How much of a response body an Outcome keeps (attempt history in dead letters).
inline constexpr std::size_t response_excerpt_bytes = 1024;

struct Outcome {
  AttemptResult result = AttemptResult::protocol_error;
  int http_status = 0;                  // 0 when no status line was received
  std::chrono::microseconds duration{};  // from the start of the attempt (not queueing) to its end
  std::string error;  // short human text; names the origin at most, never a path, query or header value
  // The response's Retry-After as a wait from when it arrived (see delivery/retry_after.h),
  // whatever the status: the caller decides which statuses honour it. nullopt when absent
  // or unparseable.
  std::optional<std::chrono::seconds> retry_after;
  // The first response_excerpt_bytes of the response body as received (content-encoding not
  // undone; chunked framing removed), fewer when the body is shorter or was cut short; also
  // never more than max_response_bytes. Empty when no response arrived. Only ever response
  // bytes, never request data; it is the endpoint's own text, so treat it as untrusted.
  std::string response_excerpt;
};

struct Request {
  std::string url;
  // Shared, not copied: the caller keeps the same bytes for a retry record if the attempt fails.
  std::shared_ptr<const std::string> body;
  RequestHeaders headers;  // checked as they are added: a refused set ends the attempt `blocked`
  // Called (on the origin's strand) when the request leaves its origin's wait queue, right
  // before its attempt: it may rewrite the request's headers (a fresh timestamp and signature,
  // the webhook's current keys) and returns false to end it with `cancelled` and no attempt
  // (a breaker that opened, a webhook disabled, deleted, moved or paused meanwhile). A request
  // that starts without waiting is not asked. A refresh that rebuilds the request sets `url`
  // and `target` both; one that leaves `target` empty keeps the URL the request had. The URL
  // may change within its origin only (the attempt goes to the new path and query); one moved
  // to another origin ends `blocked`, since the request already waits at this one.
  std::function<bool(Request&)> refresh;
  // `url` already split, by a caller that keeps a URL's parts (a subscription does): then the
  // client does not parse `url` again. It must be what parse_target_url(url) gives.
  std::optional<TargetUrl> target = std::nullopt;
};

struct ClientOptions {
  std::chrono::milliseconds request_timeout{7000};  // write the request + read the whole response
  std::chrono::milliseconds connect_timeout{3000};  // resolve + connect + TLS handshake
  std::size_t max_in_flight_per_origin = 64;
  // The queue of an origin at its in-flight cap holds at most this many requests, and takes
  // one more only while its expected wait stays within max_queue_wait; beyond either bound a
  // request ends at once with origin_queue_full (docs/endpoints.md, "Origin queues").
  std::size_t max_queued_per_origin = 4096;
  std::chrono::milliseconds max_queue_wait{1000};
  std::size_t max_response_bytes = 65536;  // a longer body closes the connection; the status still decides
  bool allow_private_networks = false;
  bool allow_http = true;
  std::string ca_file;     // extra trusted CAs (PEM), on top of the system's
  std::string user_agent;  // sent when the request does not carry its own User-Agent
  std::chrono::seconds dns_cache_ttl{30};   // positive answers are reused this long
  // Pooled keep-alive connections (docs/endpoints.md, "Idle connections"): an origin's most
  // recently used idle one is closed after idle_timeout unused, every other one after
  // idle_surplus_timeout (what a burst opened and the steady rate does not use), and no more
  // than max_idle_connections stay idle across all origins (the coldest of a pool that returns
  // one beyond it are closed).
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds idle_surplus_timeout{10000};
  std::size_t max_idle_connections = 1024;
  // Egress proxy (config delivery.proxy) as "http://host:port"; empty = connect directly.
  // Every target, https or http, goes through a CONNECT tunnel to the guard-checked IP
  // (see delivery/proxy.h). Checked when the Client is constructed.
  std::string proxy;
  // Called with the queue's depth whenever a request joins an origin's wait queue (on that
  // origin's strand; must be thread-safe and quick). Unset = not observed.
  std::function<void(std::size_t depth)> on_queued;
};

}  // namespace hookd::delivery
