#include "delivery/connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <openssl/x509.h>

#include "delivery/proxy.h"
#include "delivery/request_head.h"
#include "delivery/response_reader.h"
#include "delivery/tls_context.h"

namespace hookd::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

Connection::Connection(ConnectionExecutor executor, asio::ssl::context* tls)
    : executor_(std::move(executor)), tcp_(executor_) {
  if (tls != nullptr) tls_.emplace(tcp_.socket(), *tls);
}

void Connection::close() {
  reusable_ = false;
  error_code ignored;
  tcp_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  tcp_.close();
}

void Connection::expires_after(std::chrono::steady_clock::duration timeout) {
  if (tls_) {
    tls_->expires_after(timeout);
  } else {
    tcp_.expires_after(timeout);
  }
}

void Connection::expires_never() {
  if (tls_) {
    tls_->expires_never();  // tcp_'s was lifted before the handshake
  } else {
    tcp_.expires_never();
  }
}

asio::awaitable<PhaseResult> Connection::open(const std::vector<asio::ip::tcp::endpoint>& endpoints,
                                              const TargetUrl& url, std::chrono::steady_clock::duration budget) {
  // One deadline for the connect and the handshake.
  const auto deadline = std::chrono::steady_clock::now() + budget;
  tcp_.expires_at(deadline);
  auto [connect_error, endpoint] = co_await tcp_.async_connect(endpoints, use_tuple);
  if (connect_error == beast::error::timeout) co_return PhaseResult::failed(AttemptResult::timeout, "connect timed out");
  if (connect_error) co_return PhaseResult::failed(AttemptResult::connect_error, "connect failed: " + connect_error.message());
  tcp_.socket().set_option(asio::ip::tcp::no_delay(true), connect_error);  // best effort
  co_return co_await handshake(url, deadline);
}

asio::awaitable<PhaseResult> Connection::open_through_proxy(const std::vector<asio::ip::tcp::endpoint>& proxy_endpoints,
                                                            const ProxyAddress& proxy,
                                                            const std::vector<asio::ip::tcp::endpoint>& targets,
                                                            const TargetUrl& url, std::chrono::steady_clock::duration budget) {
  if (targets.empty()) co_return PhaseResult::failed(AttemptResult::connect_error, "no address to connect to");
  // One deadline for every proxy connection and CONNECT below, as for a direct connect.
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (std::size_t next = 0;; ++next) {
    tcp_.expires_at(deadline);
    auto [connect_error, endpoint] = co_await tcp_.async_connect(proxy_endpoints, use_tuple);
    if (connect_error == beast::error::timeout)
      co_return PhaseResult::failed(AttemptResult::timeout, "connecting to the proxy " + proxy.origin + " timed out");
    if (connect_error)
      co_return PhaseResult::failed(AttemptResult::connect_error,
                        "connecting to the proxy " + proxy.origin + " failed: " + connect_error.message());
    tcp_.socket().set_option(asio::ip::tcp::no_delay(true), connect_error);  // best effort

    // Plain http is tunnelled too: forwarded in absolute form, the request would name the
    // host and the proxy would resolve it itself, out of the network guard's reach.
    TunnelResult tunnel = co_await open_tunnel(tcp_, targets[next], proxy);
    if (tunnel.phase.ok) co_return co_await handshake(url, deadline);
    // The proxy could not reach this address: like a refused direct connect, try the next
    // checked one, on a fresh proxy connection (the proxy may close this one anyway).
    if (!tunnel.try_next_address || next + 1 == targets.size()) co_return std::move(tunnel.phase);
    error_code ignored;
    tcp_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    tcp_.close();
  }
}

asio::awaitable<PhaseResult> Connection::handshake(const TargetUrl& url, std::chrono::steady_clock::time_point deadline) {
  if (tls_) {
    if (!set_peer_identity(tls_->native_handle(), url.host))
      co_return PhaseResult::failed(AttemptResult::tls_error, "cannot set the TLS peer identity");
    tcp_.expires_never();  // the TLS stream keeps the deadline from here
    tls_->expires_at(deadline);
    auto [handshake_error] = co_await tls_->async_handshake(use_tuple);
    if (handshake_error == beast::error::timeout) co_return PhaseResult::failed(AttemptResult::timeout, "TLS handshake timed out");
    if (handshake_error) {
      std::string text = "TLS handshake failed: " + handshake_error.message();
      const long verify = SSL_get_verify_result(tls_->native_handle());
      if (verify != X509_V_OK) text += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      co_return PhaseResult::failed(AttemptResult::tls_error, std::move(text));
    }
  }
  expires_never();
  co_return PhaseResult{};
}

asio::awaitable<PhaseResult> Connection::exchange(const TargetUrl& url, const Request& request,
                                                  const ClientOptions& options) {
  if (tls_) co_return co_await exchange_on(*tls_, url, request, options);
  co_return co_await exchange_on(tcp_, url, request, options);
}

template <class Stream>
asio::awaitable<PhaseResult> Connection::exchange_on(Stream& stream, const TargetUrl& url, const Request& request,
                                                     const ClientOptions& options) {
  reusable_ = false;  // until a complete, keep-alive response proves otherwise

  // Two buffers, the head and the caller's body: the body is never copied here, whatever its
  // size (the TLS stream gathers a small request into one record, delivery/tls_stream.h).
  write_request_head(head_, url, request, options.user_agent);
  const std::array<asio::const_buffer, 2> message{
      asio::buffer(head_), request.body ? asio::buffer(*request.body) : asio::const_buffer()};

  expires_after(options.request_timeout);

  auto [write_error, written] = co_await asio::async_write(stream, message, use_tuple);
  if (write_error == beast::error::timeout) co_return PhaseResult::failed(AttemptResult::timeout, "sending the request timed out");
  if (write_error) co_return PhaseResult::failed(AttemptResult::protocol_error, "sending the request failed: " + write_error.message());

  // The parser, its limits and what is kept of the response are in ResponseReader (the
  // http_response fuzzer runs the same code on bytes in memory); this drives its reads.
  ResponseReader reader(options.max_response_bytes, discard_);
  while (reader.want_header()) {
    auto [read_error, read_bytes] = co_await stream.async_read_some(reader.header_read_buffer(buffer_), use_tuple);
    reader.header_input(buffer_, read_error, read_bytes, std::chrono::system_clock::now());
  }
  while (reader.want_body()) {
    auto [body_error, body_bytes] = co_await http::async_read_some(stream, buffer_, reader.parser(), use_tuple);
    reader.body_read(body_error, body_bytes);
  }
  PhaseResult r = reader.finish(buffer_.size());
  reusable_ = reader.reusable();
  if (reusable_) expires_never();
  co_return r;
}

}  // namespace hookd::delivery
