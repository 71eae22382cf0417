#include "support/https_receiver.h"
#include "support/loopback_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <stdexcept>

namespace hookd::test_support {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Big enough for any delivery hookd sends; a test that needs more is doing something else.
constexpr std::uint64_t max_request_body = 64ull * 1024 * 1024;
constexpr auto handshake_timeout = std::chrono::seconds(10);

}  // namespace

std::string ReceivedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return {};
}

bool ReceivedRequest::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return iequals(h.first, name); });
}

struct HttpsReceiver::Impl {
  asio::io_context io;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor{io};

  // One connection: read requests, answer each as its behaviour says, until either side closes.
  template <class Stream>
  static asio::awaitable<void> serve(HttpsReceiver* self, Stream& stream, std::uint64_t connection_id) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(max_request_body);
      auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (read_error) co_return;

      auto& message = parser.get();
      ReceivedRequest request;
      request.method = std::string(message.method_string());
      request.target = std::string(message.target());
      for (const auto& field : message) request.headers.emplace_back(field.name_string(), field.value());
      request.body = std::move(message.body());
      request.arrived = std::chrono::steady_clock::now();
      request.arrived_wall = std::chrono::system_clock::now();
      request.connection_id = connection_id;
      const bool client_keep_alive = message.keep_alive();

      self->request_started();
      Behaviour behaviour = self->behaviour_for(request);
      self->record(std::move(request));

      asio::steady_timer timer(stream.get_executor());
      if (behaviour.delay.count() > 0) {
        timer.expires_after(behaviour.delay);
        co_await timer.async_wait(use_tuple);
      }
      switch (behaviour.action) {
        case Behaviour::Action::hang:
          // Wait "forever": stop() destroys this frame, which closes the socket.
          timer.expires_at(std::chrono::steady_clock::time_point::max());
          co_await timer.async_wait(use_tuple);
          co_return;
        case Behaviour::Action::close:
          self->request_finished();
          co_return;  // the socket closes with the frame, without a TLS close_notify
        case Behaviour::Action::garbage: {
          static constexpr std::string_view junk = "\x16\x03 this is not HTTP at all\r\n\r\n";
          co_await asio::async_write(stream, asio::buffer(junk.data(), junk.size()), use_tuple);
          self->request_finished();
          co_return;
        }
        case Behaviour::Action::respond:
          break;
      }

      http::response<http::string_body> response;
      response.version(11);
      response.result(static_cast<unsigned>(behaviour.status));
      for (const auto& [name, value] : behaviour.headers) response.insert(name, value);
      response.body() = behaviour.body.empty() ? std::string(behaviour.body_size, 'x') : behaviour.body;
      const bool keep_alive = client_keep_alive && !behaviour.close_after;
      response.keep_alive(keep_alive);
      response.prepare_payload();
      auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
      self->request_finished();
      if (write_error || !keep_alive || behaviour.drop_after) co_return;
    }
  }

  struct OpenConnection {
    explicit OpenConnection(HttpsReceiver* r) : receiver(r) { ++receiver->connections_open_; }
    ~OpenConnection() { --receiver->connections_open_; }
    HttpsReceiver* receiver;
  };

  static asio::awaitable<void> session(HttpsReceiver* self, Impl* impl, tcp::socket socket, std::uint64_t id) {
    const OpenConnection counted(self);
    beast::tcp_stream tcp_stream(std::move(socket));
    if (!impl->tls) {
      co_await serve(self, tcp_stream, id);
      co_return;
    }
    if (const std::chrono::milliseconds handshake_delay(self->handshake_delay_ms_.load()); handshake_delay.count() > 0) {
      asio::steady_timer delay(tcp_stream.get_executor(), handshake_delay);
      co_await delay.async_wait(use_tuple);
    }
    beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(tcp_stream), *impl->tls);
    beast::get_lowest_layer(tls_stream).expires_after(handshake_timeout);
    auto [handshake_error] = co_await tls_stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
    if (handshake_error) co_return;  // e.g. the client refused our certificate
    beast::get_lowest_layer(tls_stream).expires_never();
    co_await serve(self, tls_stream, id);
  }

  static asio::awaitable<void> accept_loop(HttpsReceiver* self, Impl* impl) {
    for (;;) {
      auto [error, socket] = co_await impl->acceptor.async_accept(asio::make_strand(impl->io), use_tuple);
      if (error) {
        if (error == asio::error::operation_aborted || !impl->acceptor.is_open()) co_return;
        continue;
      }
      const std::uint64_t id = ++self->connections_accepted_;
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(self, impl, std::move(socket), id), asio::detached);
    }
  }
};

HttpsReceiver::HttpsReceiver(ReceiverOptions options)
    : options_(std::move(options)), handshake_delay_ms_(options_.handshake_delay.count()), impl_(std::make_unique<Impl>()) {
  if (options_.tls) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3);
    impl_->tls->use_certificate_chain_file(options_.certificate.cert_file);
    impl_->tls->use_private_key_file(options_.certificate.key_file, asio::ssl::context::pem);
  }
  port_ = detail::listen_on_free_port(impl_->acceptor, options_.listen_address);
  asio::co_spawn(impl_->acceptor.get_executor(), Impl::accept_loop(this, impl_.get()), asio::detached);
  threads_ = detail::run_on_threads(impl_->io, options_.threads);
}

HttpsReceiver::~HttpsReceiver() { stop(); }

void HttpsReceiver::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  detail::stop_and_join(impl_->io, threads_);
  // Destroying the io_context destroys every pending session (closing its socket, so a
  // client waiting on a hanging request sees the connection end) and the accept loop.
  impl_.reset();
}

std::string HttpsReceiver::url(std::string_view path, std::string_view host) const {
  std::string h(host.empty() ? std::string_view(options_.listen_address) : host);
  if (h.find(':') != std::string::npos) h = "[" + h + "]";
  return std::string(options_.tls ? "https://" : "http://") + h + ":" + std::to_string(port_) + std::string(path);
}

void HttpsReceiver::set_default(Behaviour behaviour) {
  std::lock_guard lock(mutex_);
  default_ = std::move(behaviour);
}

void HttpsReceiver::enqueue(Behaviour behaviour) {
  std::lock_guard lock(mutex_);
  queued_.push_back(std::move(behaviour));
}

void HttpsReceiver::set_handler(std::function<Behaviour(const ReceivedRequest&)> handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

Behaviour HttpsReceiver::behaviour_for(const ReceivedRequest& request) {
  std::function<Behaviour(const ReceivedRequest&)> handler;
  {
    std::lock_guard lock(mutex_);
    if (!handler_) {
      if (queued_.empty()) return default_;
      Behaviour next = std::move(queued_.front());
      queued_.pop_front();
      return next;
    }
    handler = handler_;
  }
  return handler(request);  // outside the lock: the handler may call back into the receiver
}

void HttpsReceiver::record(ReceivedRequest request) {
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  arrived_.notify_all();
}

void HttpsReceiver::request_started() {
  const std::size_t now = ++in_progress_;
  std::size_t seen = max_in_progress_.load();
  while (now > seen && !max_in_progress_.compare_exchange_weak(seen, now)) {
  }
}

void HttpsReceiver::request_finished() { --in_progress_; }

std::vector<ReceivedRequest> HttpsReceiver::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t HttpsReceiver::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

bool HttpsReceiver::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
}

void HttpsReceiver::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
  max_in_progress_ = in_progress_.load();
}

}  // namespace hookd::test_support
