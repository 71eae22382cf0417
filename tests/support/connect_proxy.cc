#include "support/connect_proxy.h"
#include "support/loopback_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace hookd::test_support {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::uint64_t max_request_body = 64ull * 1024 * 1024;

struct HostPort {
  std::string host;
  std::string port;
};

// "host:port" or "[v6]:port"; nullopt when there is no port.
std::optional<HostPort> split_authority(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close + 1 >= authority.size() || authority[close + 1] != ':') return std::nullopt;
    return HostPort{std::string(authority.substr(1, close - 1)), std::string(authority.substr(close + 2))};
  }
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == authority.size()) return std::nullopt;
  return HostPort{std::string(authority.substr(0, colon)), std::string(authority.substr(colon + 1))};
}

// Connects to `authority` the way a proxy would: resolving names with the system resolver.
asio::awaitable<std::optional<tcp::socket>> connect_upstream(std::string_view authority) {
  const auto host_port = split_authority(authority);
  if (!host_port) co_return std::nullopt;
  auto executor = co_await asio::this_coro::executor;
  tcp::resolver resolver(executor);
  auto [resolve_error, results] = co_await resolver.async_resolve(host_port->host, host_port->port, use_tuple);
  if (resolve_error) co_return std::nullopt;
  tcp::socket socket(executor);
  auto [connect_error, endpoint] = co_await asio::async_connect(socket, results, use_tuple);
  if (connect_error) co_return std::nullopt;
  co_return std::optional<tcp::socket>(std::move(socket));
}

asio::awaitable<void> answer_and_close(beast::tcp_stream& client, int status) {
  http::response<http::string_body> response{static_cast<http::status>(status), 11};
  response.keep_alive(false);
  response.prepare_payload();
  co_await http::async_write(client, response, use_tuple);
  error_code ignored;
  client.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Copies bytes one way until either side ends, then passes the end on (half-close), so the
// other direction can finish what it is sending.
asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
  std::array<char, 16384> data;
  for (;;) {
    auto [read_error, n] = co_await from.async_read_some(asio::buffer(data), use_tuple);
    if (read_error) break;
    auto [write_error, written] = co_await asio::async_write(to, asio::buffer(data.data(), n), use_tuple);
    if (write_error) break;
  }
  error_code ignored;
  to.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> wait_forever() {
  asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::steady_clock::time_point::max());
  co_await timer.async_wait(use_tuple);
}

}  // namespace

struct ConnectProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};

  static asio::awaitable<void> tunnel(beast::tcp_stream& client, beast::flat_buffer& buffer, const std::string& target) {
    std::optional<tcp::socket> upstream = co_await connect_upstream(target);
    if (!upstream) co_return co_await answer_and_close(client, 502);
    static constexpr std::string_view established = "HTTP/1.1 200 Connection established\r\n\r\n";
    auto [write_error, written] = co_await asio::async_write(client.socket(), asio::buffer(established), use_tuple);
    if (write_error) co_return;
    if (buffer.size() > 0) {  // the client spoke before our answer: pass that on first
      co_await asio::async_write(*upstream, buffer.data(), use_tuple);
      buffer.consume(buffer.size());
    }
    co_await (pump(client.socket(), *upstream) && pump(*upstream, client.socket()));
  }

  static asio::awaitable<void> session(ConnectProxy* self, tcp::socket socket) {
    beast::tcp_stream client(std::move(socket));
    beast::flat_buffer buffer;
    std::optional<beast::tcp_stream> upstream;  // for absolute-form requests
    std::string upstream_authority;
    beast::flat_buffer upstream_buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(max_request_body);
      auto [read_error, read_bytes] = co_await http::async_read(client, buffer, parser, use_tuple);
      if (read_error) co_return;
      auto& request = parser.get();
      const std::string target(request.target());
      const bool is_connect = request.method() == http::verb::connect;
      if (is_connect) {
        self->record_connect(target);
      } else {
        self->record_forwarded(ProxiedRequest{target, std::string(request[http::field::host])});
      }
      if (self->hang_) co_return co_await wait_forever();
      if (const int status = self->refuse_status_; status != 0) co_return co_await answer_and_close(client, status);
      if (is_connect) co_return co_await tunnel(client, buffer, target);

      // Absolute form: "http://authority/path?query" -> origin form to the authority.
      constexpr std::string_view scheme = "http://";
      if (target.compare(0, scheme.size(), scheme) != 0) co_return co_await answer_and_close(client, 400);
      const auto path_start = target.find('/', scheme.size());
      const std::string authority = target.substr(scheme.size(), path_start - scheme.size());
      request.target(path_start == std::string::npos ? "/" : target.substr(path_start));
      if (!upstream || upstream_authority != authority) {
        std::optional<tcp::socket> socket = co_await connect_upstream(authority);
        if (!socket) co_return co_await answer_and_close(client, 502);
        upstream.emplace(std::move(*socket));
        upstream_authority = authority;
        upstream_buffer.clear();
      }
      auto [forward_error, forwarded] = co_await http::async_write(*upstream, request, use_tuple);
      http::response_parser<http::string_body> response_parser;
      response_parser.body_limit(boost::none);
      if (!forward_error) {
        auto [response_error, response_bytes] =
            co_await http::async_read(*upstream, upstream_buffer, response_parser, use_tuple);
        forward_error = response_error;
      }
      if (forward_error) co_return co_await answer_and_close(client, 502);
      auto& response = response_parser.get();
      const bool keep_alive = request.keep_alive() && response.keep_alive();
      response.keep_alive(keep_alive);
      auto [write_error, written] = co_await http::async_write(client, response, use_tuple);
      if (write_error || !keep_alive) co_return;
      if (!response_parser.keep_alive()) upstream.reset();
    }
  }

  static asio::awaitable<void> accept_loop(ConnectProxy* self, Impl* impl) {
    for (;;) {
      auto [error, socket] = co_await impl->acceptor.async_accept(asio::make_strand(impl->io), use_tuple);
      if (error) {
        if (error == asio::error::operation_aborted || !impl->acceptor.is_open()) co_return;
        continue;
      }
      ++self->connections_accepted_;
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(self, std::move(socket)), asio::detached);
    }
  }
};

ConnectProxy::ConnectProxy(int threads) : impl_(std::make_unique<Impl>()) {
  port_ = detail::listen_on_free_port(impl_->acceptor, "127.0.0.1");
  asio::co_spawn(impl_->acceptor.get_executor(), Impl::accept_loop(this, impl_.get()), asio::detached);
  threads_ = detail::run_on_threads(impl_->io, threads);
}

ConnectProxy::~ConnectProxy() { stop(); }

void ConnectProxy::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  detail::stop_and_join(impl_->io, threads_);
  impl_.reset();  // destroys every pending session, closing its sockets
}

std::string ConnectProxy::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void ConnectProxy::record_connect(std::string target) {
  std::lock_guard lock(mutex_);
  connect_targets_.push_back(std::move(target));
}

void ConnectProxy::record_forwarded(ProxiedRequest request) {
  std::lock_guard lock(mutex_);
  forwarded_.push_back(std::move(request));
}

std::vector<std::string> ConnectProxy::connect_targets() const {
  std::lock_guard lock(mutex_);
  return connect_targets_;
}

std::size_t ConnectProxy::connect_count() const {
  std::lock_guard lock(mutex_);
  return connect_targets_.size();
}

std::vector<ProxiedRequest> ConnectProxy::forwarded() const {
  std::lock_guard lock(mutex_);
  return forwarded_;
}

}  // namespace hookd::test_support
