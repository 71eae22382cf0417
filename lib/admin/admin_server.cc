#include "admin/admin_server.h"

#include "common/log.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <prometheus/collectable.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>

namespace hookd::admin {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One connection: read a request, answer, repeat while keep-alive. Scrapes are rare and
// small, so a session object per connection with the simplest control flow is enough.
// Holds one of the server's connection slots until it is destroyed.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<const prometheus::Collectable> metrics, const Probes& probes,
          std::atomic<std::size_t>& open_connections)
      : stream_(std::move(socket)), metrics_(std::move(metrics)), probes_(probes), open_connections_(open_connections) {}
  ~Session() { --open_connections_; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { read(); }

 private:
  void read() {
    // A fresh parser per request: Beast's parser cannot be reused.
    parser_.emplace();
    parser_->header_limit(AdminServer::request_header_limit);
    parser_->body_limit(AdminServer::request_body_limit);
    stream_.expires_after(AdminServer::request_timeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      // Closed, timed out, malformed or over a limit: nothing to answer, and the connection
      // closes when the session goes.
      if (ec) return;
      self->answer();
    });
  }

  void answer() {
    const http::request<http::string_body>& request = parser_->get();
    response_ = {};
    response_.version(request.version());
    response_.keep_alive(request.keep_alive());
    response_.set(http::field::server, "hookd-admin");
    const auto target = request.target();
    const auto path = target.substr(0, target.find('?'));
    head_ = request.method() == http::verb::head;
    if (request.method() != http::verb::get && !head_) {
      reply(http::status::method_not_allowed, "text/plain", "method not allowed\n");
    } else if (path == "/metrics") {
      prometheus::TextSerializer serializer;
      reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
            serializer.Serialize(metrics_->Collect()));
    } else if (path == "/healthz") {
      const bool ok = probes_.healthy ? probes_.healthy() : true;
      reply(ok ? http::status::ok : http::status::service_unavailable, "text/plain", ok ? "ok\n" : "unhealthy\n");
    } else if (path == "/readyz") {
      const bool ok = probes_.ready ? probes_.ready() : false;
      reply(ok ? http::status::ok : http::status::service_unavailable, "text/plain", ok ? "ready\n" : "not ready\n");
    } else {
      reply(http::status::not_found, "text/plain", "not found\n");
    }
    stream_.expires_after(AdminServer::request_timeout);
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec || !self->response_.keep_alive()) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        return;
      }
      self->read();
    });
  }

  void reply(http::status status, const char* content_type, std::string body) {
    response_.result(status);
    response_.set(http::field::content_type, content_type);
    if (!head_) response_.body() = std::move(body);
    response_.prepare_payload();
  }

  beast::tcp_stream stream_;
  // Bounded: Beast would otherwise grow it for as long as a client sends header bytes.
  beast::flat_buffer buffer_{AdminServer::read_buffer_limit};
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool head_ = false;
  std::shared_ptr<const prometheus::Collectable> metrics_;
  const Probes& probes_;
  std::atomic<std::size_t>& open_connections_;
};

}  // namespace

AdminServer::AdminServer(const std::string& host, unsigned short port,
                         std::shared_ptr<const prometheus::Collectable> metrics, Probes probes)
    : acceptor_(io_), backoff_timer_(io_), metrics_(std::move(metrics)), probes_(std::move(probes)) {
  const tcp::endpoint endpoint(boost::asio::ip::make_address(host), port);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  accept();
  thread_ = std::thread([this] { io_.run(); });
  log::info("admin server listening", {{"host", host}, {"port", static_cast<int>(port_)}});
}

AdminServer::~AdminServer() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
}

void AdminServer::accept() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // EMFILE and the like leave the connection in the backlog: accepting again at once
      // fails again at once, a busy loop that starves this thread. Wait, then retry.
      ++accept_errors_;
      log::limited(log::Level::warn, "admin_accept", "admin server cannot accept a connection",
                   {{"error", ec.message()}, {"retry_in_ms", static_cast<long>(backoff_.count())}});
      accept_after_backoff();
      return;
    }
    backoff_ = accept_backoff_min;
    if (open_connections_.load() >= max_connections) {
      // Over the cap: close at once rather than leave it in the backlog, so the client
      // learns now and the kernel holds nothing for it.
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
    } else {
      ++open_connections_;
      std::make_shared<Session>(std::move(socket), metrics_, probes_, open_connections_)->start();
    }
    accept();
  });
}

void AdminServer::accept_after_backoff() {
  backoff_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(accept_backoff_max));
  backoff_timer_.async_wait([this](beast::error_code ec) {
    if (ec || !acceptor_.is_open()) return;
    accept();
  });
}

}  // namespace hookd::admin
