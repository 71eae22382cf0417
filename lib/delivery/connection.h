// One outgoing HTTP/1.1 connection (plain or TLS) to one checked address of one origin.
//
// A connection is used by one attempt at a time: the attempt's coroutine runs on the
// connection's strand, opens it (connect + handshake) or takes it from the origin's pool,
// exchanges one request/response, and hands it back when it may be reused. A phase has one
// deadline for all its operations instead of a timer per operation: beast::tcp_stream's expiry
// for the TCP connect, a proxy's CONNECT and plain http, the TLS stream's own from the
// handshake on (delivery/tls_stream.h: OpenSSL reads and writes the socket itself).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "delivery/target_url.h"
#include "delivery/tls_stream.h"
#include "delivery/types.h"

namespace hookd::delivery {

struct ProxyAddress;

using ConnectionExecutor = boost::asio::strand<boost::asio::io_context::executor_type>;

// What one response may make hookd read (docs/contract.md, "What hookd reads back"). Beast
// 1.81 bounds none of it on its own: its header_limit counts only the bytes of one parse call
// (so ResponseReader counts the whole header itself, delivery/response_reader.h), and
// nothing bounds a chunk-size line, its extensions or the trailer but the read buffer's
// maximum, so every buffer that reads from a receiver has one. A response over any of these
// is a protocol_error and costs its connection, nothing more.
inline constexpr std::uint32_t response_header_limit = 8 * 1024;  // status line + fields, in total
// Bytes held from the socket at once; bounds one chunk-size line and the whole trailer.
inline constexpr std::size_t response_read_buffer_limit = 16 * 1024;
// Per chunk-size line. hookd uses no chunk extension; real servers send none or a few bytes.
inline constexpr std::size_t chunk_extension_limit = 1024;
// Wire bytes of one response beyond response_header_limit + max_response_bytes: chunk-size
// lines, extensions and trailer together. Without it, a body of many one-byte chunks each
// carrying a long extension stays under the body limit while the receiver streams on.
inline constexpr std::size_t response_framing_allowance = 64 * 1024;

// What one phase (open or exchange) produced. `result` is meaningful when !ok.
struct PhaseResult {
  bool ok = true;
  AttemptResult result = AttemptResult::success_2xx;
  int http_status = 0;
  std::string error;          // without the origin; the caller prefixes it
  bool response_started = false;  // some response byte arrived (a stale-connection retry is unsafe)
  std::optional<std::chrono::seconds> retry_after;  // from the response header, whatever the status
  std::string response_excerpt;                     // the first bytes of the response body

  static PhaseResult failed(AttemptResult result, std::string error) {
    PhaseResult r;
    r.ok = false;
    r.result = result;
    r.error = std::move(error);
    return r;
  }
};

class Connection {
 public:
  // `tls` is null for plain http. The context must outlive the connection.
  Connection(ConnectionExecutor executor, boost::asio::ssl::context* tls);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const ConnectionExecutor& executor() const { return executor_; }

  // Connects to the first endpoint that accepts (in order), then does the TLS handshake
  // with SNI and peer verification for `url.host`, all within `budget`.
  boost::asio::awaitable<PhaseResult> open(const std::vector<boost::asio::ip::tcp::endpoint>& endpoints,
                                           const TargetUrl& url, std::chrono::steady_clock::duration budget);

  // The same through the egress proxy (see delivery/proxy.h), all within `budget`: connects
  // to the first of `proxy_endpoints` that accepts and asks the proxy for a tunnel to each
  // of `targets` (the guard-checked addresses, as IP literals) in order until one opens,
  // then, for TLS, does the handshake for `url.host` inside it. Plain http goes through the
  // tunnel too, in origin form, so the proxy never resolves the endpoint's name itself.
  boost::asio::awaitable<PhaseResult> open_through_proxy(
      const std::vector<boost::asio::ip::tcp::endpoint>& proxy_endpoints, const ProxyAddress& proxy,
      const std::vector<boost::asio::ip::tcp::endpoint>& targets, const TargetUrl& url,
      std::chrono::steady_clock::duration budget);

  // Writes the request and reads the response, all within options.request_timeout. On
  // success `http_status` is set and `result` classifies it. The body is discarded except for
  // its first response_excerpt_bytes, kept in `response_excerpt`. A response over the limits
  // above (header, read buffer, chunk extension, framing) is a protocol_error whatever its
  // status. How the response is parsed is delivery/response_reader.h.
  boost::asio::awaitable<PhaseResult> exchange(const TargetUrl& url, const Request& request,
                                               const ClientOptions& options);

  // True when the last exchange left the connection clean for another request.
  bool reusable() const { return reusable_; }
  void close();

  std::chrono::steady_clock::time_point idle_since{};

 private:
  template <class Stream>
  boost::asio::awaitable<PhaseResult> exchange_on(Stream& stream, const TargetUrl& url, const Request& request,
                                                  const ClientOptions& options);
  // The TLS handshake when the connection has TLS, within `deadline`; then no deadline is left.
  boost::asio::awaitable<PhaseResult> handshake(const TargetUrl& url, std::chrono::steady_clock::time_point deadline);
  // The deadline of the exchange: the TLS stream's own when there is one.
  void expires_after(std::chrono::steady_clock::duration timeout);
  void expires_never();

  ConnectionExecutor executor_;
  boost::beast::tcp_stream tcp_;
  std::optional<TlsStream> tls_;  // over tcp_'s socket; none for plain http
  // Bounded: Beast grows it until a chunk-size line or trailer ends, which may be never.
  boost::beast::flat_buffer buffer_{response_read_buffer_limit};
  std::array<char, 4096> discard_{};  // response bodies are read into this and dropped
  std::string head_;                   // the request head being written (delivery/request_head.h)
  bool reusable_ = false;
};

}  // namespace hookd::delivery
