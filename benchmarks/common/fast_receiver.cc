#include "common/fast_receiver.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>

#include "common/arrivals.h"
#include "support/loopback_server.h"

namespace hookd::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxBody = 1024 * 1024;
constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

}  // namespace

struct FastReceiver::Impl {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_server};
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;

  static asio::awaitable<void> serve(FastReceiver* self, beast::ssl_stream<beast::tcp_stream>& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(kMaxBody);
      auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (read_error) co_return;
      const auto arrived = std::chrono::system_clock::now();
      self->requests_.fetch_add(1, std::memory_order_relaxed);
      const auto& request = parser.get();
      if (!request.target().starts_with("/ceiling")) {
        if (Arrivals* arrivals = self->arrivals_.load(std::memory_order_acquire)) {
          const auto id = request["webhook-id"];
          arrivals->record(std::string_view(id.data(), id.size()), request.body(), arrived);
        }
      }
      auto [write_error, written] = co_await asio::async_write(stream, asio::buffer(kOk.data(), kOk.size()), use_tuple);
      if (write_error || !request.keep_alive()) co_return;
    }
  }

  static asio::awaitable<void> session(FastReceiver* self, Impl* impl, tcp::socket socket) {
    socket.set_option(tcp::no_delay(true));
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), impl->tls);
    auto [handshake_error] = co_await stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (handshake_error) co_return;
    co_await serve(self, stream);
  }

  static asio::awaitable<void> accept_loop(FastReceiver* self, Impl* impl, tcp::acceptor& acceptor) {
    for (;;) {
      auto [error, socket] = co_await acceptor.async_accept(asio::make_strand(impl->io), use_tuple);
      if (error) {
        if (error == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;
      }
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(self, impl, std::move(socket)), asio::detached);
    }
  }
};

FastReceiver::FastReceiver(const test_support::CertFiles& certificate, int ports, int threads)
    : impl_(std::make_unique<Impl>()) {
  impl_->tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3);
  impl_->tls.use_certificate_chain_file(certificate.cert_file);
  impl_->tls.use_private_key_file(certificate.key_file, asio::ssl::context::pem);
  for (int i = 0; i < ports; ++i) {
    auto& acceptor = *impl_->acceptors.emplace_back(std::make_unique<tcp::acceptor>(impl_->io));
    ports_.push_back(test_support::detail::listen_on_free_port(acceptor, "127.0.0.1"));
    asio::co_spawn(acceptor.get_executor(), Impl::accept_loop(this, impl_.get(), acceptor), asio::detached);
  }
  threads_ = test_support::detail::run_on_threads(impl_->io, threads);
}

FastReceiver::~FastReceiver() {
  test_support::detail::stop_and_join(impl_->io, threads_);
  impl_.reset();  // destroys the pending sessions, closing their sockets
}

std::string FastReceiver::url(int i, std::string_view path) const {
  return "https://localhost:" + std::to_string(ports_.at(static_cast<std::size_t>(i))) + std::string(path);
}

}  // namespace hookd::bench
