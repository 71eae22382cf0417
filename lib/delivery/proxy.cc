#include "delivery/proxy.h"

#include <stdexcept>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/write.hpp>

#include "delivery/bounded_header.h"

namespace hookd::delivery {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

[[noreturn]] void refuse(const std::string& problem) {
  throw std::invalid_argument("delivery.proxy must be http://host:port: " + problem);
}

// A failed write to or read from the proxy: `what` says which, e.g. "sending CONNECT to the
// proxy http://p:3128".
PhaseResult proxy_io_failure(const boost::system::error_code& error, const std::string& what) {
  if (error == beast::error::timeout) return PhaseResult::failed(AttemptResult::timeout, what + " timed out");
  return PhaseResult::failed(AttemptResult::connect_error, what + " failed: " + error.message());
}

}  // namespace

std::optional<ProxyAddress> parse_proxy_option(std::string_view text) {
  if (text.empty()) return std::nullopt;
  auto parsed = common::parse_http_proxy(text);
  if (auto* problem = std::get_if<std::string>(&parsed)) refuse(*problem);
  return ProxyAddress{std::get<common::ProxyAddress>(std::move(parsed))};
}

std::string connect_authority(const asio::ip::tcp::endpoint& target) {
  const asio::ip::address& address = target.address();
  std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return text + ":" + std::to_string(target.port());
}

asio::awaitable<TunnelResult> open_tunnel(beast::tcp_stream& proxy, const asio::ip::tcp::endpoint& target,
                                          const ProxyAddress& proxy_address) {
  TunnelResult out;
  const std::string authority = connect_authority(target);
  http::request<http::empty_body> connect{http::verb::connect, authority, 11};
  connect.set(http::field::host, authority);

  auto [write_error, written] = co_await http::async_write(proxy, connect, use_tuple);
  if (write_error) {
    out.phase = proxy_io_failure(write_error, "sending CONNECT to the proxy " + proxy_address.origin);
    co_return out;
  }

  // A 2xx answer to CONNECT has no body whatever its headers say (RFC 9110 9.3.6); skip()
  // tells the parser so. Any other answer closes the connection, so its body is irrelevant.
  http::response_parser<http::empty_body> parser;
  parser.skip(true);
  // Bounded like every buffer that reads from the network (delivery/connection.h), and the
  // header as a whole like a receiver's (delivery/bounded_header.h).
  beast::flat_buffer buffer{response_read_buffer_limit};
  std::size_t header_bytes = 0;
  boost::system::error_code error;
  while (!error && !parser.is_header_done()) {
    auto [read_error, bytes] =
        co_await proxy.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), use_tuple);
    buffer.commit(bytes);
    error = put_header_bytes(parser, buffer, header_bytes, response_header_limit);
    if (!error && !parser.is_header_done()) {
      if (read_error) {
        error = read_error;
      } else if (bytes == 0) {
        error = http::error::header_limit;  // nothing read, nothing wrong: the buffer is one unfinished field
      }
    }
  }
  if (error) {
    out.phase = proxy_io_failure(error, "reading the CONNECT answer of the proxy " + proxy_address.origin);
    co_return out;
  }

  const unsigned status = parser.get().result_int();
  if (status < 200 || status >= 300) {
    // Only the status: the reason phrase and body are the proxy's text, and the target's
    // origin is added by the caller.
    out.phase = PhaseResult::failed(AttemptResult::connect_error,
                        "the proxy " + proxy_address.origin + " answered CONNECT " + authority + " with HTTP " +
                            std::to_string(status));
    out.try_next_address = status == 502 || status == 503 || status == 504;
    co_return out;
  }
  // The target speaks only after we do (the TLS client hello or the request first), so
  // bytes here did not come from the target, and they would be lost with this buffer anyway.
  if (buffer.size() != 0) {
    out.phase = PhaseResult::failed(AttemptResult::connect_error,
                        "the proxy " + proxy_address.origin + " sent data after its CONNECT answer");
    co_return out;
  }
  co_return out;
}

}  // namespace hookd::delivery
