#include "delivery/connection.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <openssl/x509.h>

#include "delivery/proxy.h"
#include "delivery/retry_after.h"
#include "delivery/tls_context.h"

namespace hookd::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

AttemptResult classify_status(int status) {
  if (status >= 200 && status < 300) return AttemptResult::success_2xx;
  if (status >= 300 && status < 400) return AttemptResult::status_3xx;
  if (status >= 400 && status < 500) return AttemptResult::status_4xx;
  if (status >= 500 && status < 600) return AttemptResult::status_5xx;
  return AttemptResult::protocol_error;  // 1xx as a final answer or outside 100..599
}

// "Host" as curl sends it: the port only when it is not the scheme's default.
std::string host_header(const TargetUrl& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

// Appends the start of `bytes` to `excerpt` until it holds `cap` bytes. One allocation at
// most: sized to the announced body when it is shorter than the cap.
void keep_excerpt(std::string& excerpt, std::string_view bytes, std::size_t cap,
                  const boost::optional<std::uint64_t>& announced) {
  if (bytes.empty() || excerpt.size() >= cap) return;
  if (excerpt.empty())
    excerpt.reserve(announced ? static_cast<std::size_t>(std::min<std::uint64_t>(cap, *announced)) : cap);
  excerpt.append(bytes.substr(0, cap - excerpt.size()));
}

}  // namespace

Connection::Connection(ConnectionExecutor executor, asio::ssl::context* tls) : executor_(std::move(executor)) {
  if (tls != nullptr) {
    tls_.emplace(executor_, *tls);
  } else {
    plain_.emplace(executor_);
  }
}

beast::tcp_stream& Connection::lowest_layer() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

void Connection::close() {
  reusable_ = false;
  error_code ignored;
  lowest_layer().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  lowest_layer().close();
}

asio::awaitable<PhaseResult> Connection::open(const std::vector<asio::ip::tcp::endpoint>& endpoints,
                                              const TargetUrl& url, std::chrono::steady_clock::duration budget) {
  beast::tcp_stream& tcp = lowest_layer();
  tcp.expires_after(budget);
  auto [connect_error, endpoint] = co_await tcp.async_connect(endpoints, use_tuple);
  if (connect_error == beast::error::timeout) co_return PhaseResult::failed(AttemptResult::timeout, "connect timed out");
  if (connect_error) co_return PhaseResult::failed(AttemptResult::connect_error, "connect failed: " + connect_error.message());
  tcp.socket().set_option(asio::ip::tcp::no_delay(true), connect_error);  // best effort
  co_return co_await handshake(url);
}

asio::awaitable<PhaseResult> Connection::open_through_proxy(const std::vector<asio::ip::tcp::endpoint>& proxy_endpoints,
                                                            const ProxyAddress& proxy,
                                                            const std::vector<asio::ip::tcp::endpoint>& targets,
                                                            const TargetUrl& url, std::chrono::steady_clock::duration budget) {
  if (targets.empty()) co_return PhaseResult::failed(AttemptResult::connect_error, "no address to connect to");
  beast::tcp_stream& tcp = lowest_layer();
  // One deadline for every proxy connection and CONNECT below, as for a direct connect.
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (std::size_t next = 0;; ++next) {
    tcp.expires_at(deadline);
    auto [connect_error, endpoint] = co_await tcp.async_connect(proxy_endpoints, use_tuple);
    if (connect_error == beast::error::timeout)
      co_return PhaseResult::failed(AttemptResult::timeout, "connecting to the proxy " + proxy.origin + " timed out");
    if (connect_error)
      co_return PhaseResult::failed(AttemptResult::connect_error,
                        "connecting to the proxy " + proxy.origin + " failed: " + connect_error.message());
    tcp.socket().set_option(asio::ip::tcp::no_delay(true), connect_error);  // best effort

    // Plain http is tunnelled too: forwarded in absolute form, the request would name the
    // host and the proxy would resolve it itself, out of the network guard's reach.
    TunnelResult tunnel = co_await open_tunnel(tcp, targets[next], proxy);
    if (tunnel.phase.ok) co_return co_await handshake(url);
    // The proxy could not reach this address: like a refused direct connect, try the next
    // checked one, on a fresh proxy connection (the proxy may close this one anyway).
    if (!tunnel.try_next_address || next + 1 == targets.size()) co_return std::move(tunnel.phase);
    error_code ignored;
    tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcp.close();
  }
}

asio::awaitable<PhaseResult> Connection::handshake(const TargetUrl& url) {
  beast::tcp_stream& tcp = lowest_layer();
  if (tls_) {
    if (!set_peer_identity(tls_->native_handle(), url.host))
      co_return PhaseResult::failed(AttemptResult::tls_error, "cannot set the TLS peer identity");
    auto [handshake_error] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (handshake_error == beast::error::timeout) co_return PhaseResult::failed(AttemptResult::timeout, "TLS handshake timed out");
    if (handshake_error) {
      std::string text = "TLS handshake failed: " + handshake_error.message();
      const long verify = SSL_get_verify_result(tls_->native_handle());
      if (verify != X509_V_OK) text += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      co_return PhaseResult::failed(AttemptResult::tls_error, std::move(text));
    }
  }
  tcp.expires_never();
  co_return PhaseResult{};
}

asio::awaitable<PhaseResult> Connection::exchange(const TargetUrl& url, const Request& request,
                                                  const ClientOptions& options) {
  if (tls_) co_return co_await exchange_on(*tls_, url, request, options);
  co_return co_await exchange_on(*plain_, url, request, options);
}

template <class Stream>
asio::awaitable<PhaseResult> Connection::exchange_on(Stream& stream, const TargetUrl& url, const Request& request,
                                                     const ClientOptions& options) {
  reusable_ = false;  // until a complete, keep-alive response proves otherwise

  // span_body points at the caller's bytes: the body is never copied, whatever its size.
  http::request<http::span_body<const char>> message;
  message.method(http::verb::post);
  message.target(url.target);
  message.version(11);
  message.set(http::field::host, host_header(url));
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    message.insert(name, value);
    if (beast::iequals(name, "user-agent")) has_user_agent = true;
  }
  if (!has_user_agent && !options.user_agent.empty()) message.set(http::field::user_agent, options.user_agent);
  message.body() = boost::span<const char>(request.body->data(), request.body->size());
  message.prepare_payload();

  beast::tcp_stream& tcp = lowest_layer();
  tcp.expires_after(options.request_timeout);

  auto [write_error, written] = co_await http::async_write(stream, message, use_tuple);
  if (write_error == beast::error::timeout) co_return PhaseResult::failed(AttemptResult::timeout, "sending the request timed out");
  if (write_error) co_return PhaseResult::failed(AttemptResult::protocol_error, "sending the request failed: " + write_error.message());

  http::response_parser<http::buffer_body> parser;
  parser.header_limit(response_header_limit);
  // No limit while the header is read: a Content-Length beyond max_response_bytes is handled
  // below, once the status and the first body bytes are known.
  parser.body_limit(boost::none);
  // Beast accepts a chunk extension of any length (bounded here only by buffer_'s maximum).
  // hookd uses none: one over chunk_extension_limit is a receiver misbehaving.
  bool extension_too_long = false;
  auto on_chunk_header = [&extension_too_long](std::uint64_t, beast::string_view extensions, error_code& ec) {
    if (extensions.size() > chunk_extension_limit) {
      extension_too_long = true;
      ec = http::error::bad_chunk_extension;
    }
  };
  parser.on_chunk_header(on_chunk_header);
  auto [header_error, header_bytes] = co_await http::async_read_header(stream, buffer_, parser, use_tuple);
  if (header_error) {
    PhaseResult r = header_error == beast::error::timeout
                        ? PhaseResult::failed(AttemptResult::timeout, "waiting for the response timed out")
                        : PhaseResult::failed(AttemptResult::protocol_error, "reading the response failed: " + header_error.message());
    r.response_started = parser.got_some() || buffer_.size() > 0;
    co_return r;
  }

  const int status = static_cast<int>(parser.get().result_int());
  PhaseResult r;
  r.response_started = true;
  r.http_status = status;
  r.result = classify_status(status);
  r.ok = r.result == AttemptResult::success_2xx;
  if (!r.ok) r.error = r.result == AttemptResult::protocol_error ? "unexpected HTTP status " + std::to_string(status)
                                                                 : "HTTP " + std::to_string(status);
  if (const auto retry_after = parser.get().find(http::field::retry_after); retry_after != parser.get().end())
    r.retry_after = parse_retry_after(retry_after->value(), std::chrono::system_clock::now());

  // Read the body into the discard buffer, keeping its first bytes as the excerpt. Once the
  // status line is in, the status decides the result: a body that is too long, cut short or
  // too slow only costs the connection. A Content-Length beyond the limit is not read past
  // the excerpt; a chunked or close-delimited body is cut by the parser's body limit.
  // Framing that breaks the rules or the limits above (a chunk-size line or trailer beyond
  // the read buffer, a long extension, too many framing bytes) is a protocol_error instead:
  // such a receiver can hold a worker's reads for the whole request_timeout on one attempt.
  const std::size_t limit = options.max_response_bytes;
  const std::size_t excerpt_cap = std::min(response_excerpt_bytes, limit);
  const std::size_t wire_cap = header_bytes + limit + response_framing_allowance;
  std::size_t wire_bytes = header_bytes;  // bytes of this response the parser consumed
  const boost::optional<std::uint64_t> announced = parser.content_length();
  const bool over_limit = !parser.is_done() && announced && *announced > limit;
  parser.body_limit(limit);
  parser.eager(true);  // one read_some parses all it buffered: wire_bytes is checked at that pace
  bool body_complete = !over_limit;
  std::string framing_error;
  while (!parser.is_done()) {
    std::size_t room = discard_.size();
    if (over_limit) {
      room = std::min(room, excerpt_cap - r.response_excerpt.size());
      if (room == 0) break;
    }
    parser.get().body().data = discard_.data();
    parser.get().body().size = room;
    auto [body_error, body_bytes] = co_await http::async_read_some(stream, buffer_, parser, use_tuple);
    wire_bytes += body_bytes;
    keep_excerpt(r.response_excerpt, std::string_view(discard_.data(), room - parser.get().body().size), excerpt_cap,
                 announced);
    if (wire_bytes > wire_cap) {
      framing_error = "the response's framing is over " + std::to_string(response_framing_allowance) + " bytes";
    } else if (extension_too_long) {
      framing_error = "a chunk extension is over " + std::to_string(chunk_extension_limit) + " bytes";
    } else if (body_error == http::error::buffer_overflow) {
      framing_error = "a chunk-size line or the trailer is over " + std::to_string(response_read_buffer_limit) + " bytes";
    } else if (body_error && body_error.category() == http::make_error_code(http::error::bad_chunk).category() &&
               body_error != http::error::need_buffer && body_error != http::error::partial_message &&
               body_error != http::error::body_limit && body_error != http::error::end_of_stream) {
      framing_error = "the response body is malformed: " + body_error.message();
    }
    if (!framing_error.empty()) {
      body_complete = false;
      break;
    }
    if (body_error == http::error::need_buffer) continue;
    if (body_error) {
      body_complete = false;
      break;
    }
  }
  if (!framing_error.empty()) {
    r.ok = false;
    r.result = AttemptResult::protocol_error;
    r.error = "HTTP " + std::to_string(status) + ", then " + framing_error;
  }
  // Bytes beyond the response would be parsed as the next response: never reuse then.
  reusable_ = body_complete && parser.keep_alive() && buffer_.size() == 0 &&
              r.result != AttemptResult::protocol_error;
  if (reusable_) tcp.expires_never();
  co_return r;
}

}  // namespace hookd::delivery
