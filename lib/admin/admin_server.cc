#include "admin/admin_server.h"

#include "common/log.h"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>

namespace hookd::admin {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

// One connection: read a request, answer, repeat while keep-alive. Scrapes are rare and
// small, so a session object per connection with the simplest control flow is enough.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<prometheus::Registry> registry, const Probes& probes)
      : stream_(std::move(socket)), registry_(std::move(registry)), probes_(probes) {}

  void start() { read(); }

 private:
  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return;  // closed, timed out or malformed: nothing to answer
                       self->answer();
                     });
  }

  void answer() {
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    response_.set(http::field::server, "hookd-admin");
    const auto target = request_.target();
    const auto path = target.substr(0, target.find('?'));
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      reply(http::status::method_not_allowed, "text/plain", "method not allowed\n");
    } else if (path == "/metrics") {
      prometheus::TextSerializer serializer;
      reply(http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
            serializer.Serialize(registry_->Collect()));
    } else if (path == "/healthz") {
      const bool ok = probes_.healthy ? probes_.healthy() : true;
      reply(ok ? http::status::ok : http::status::service_unavailable, "text/plain", ok ? "ok\n" : "unhealthy\n");
    } else if (path == "/readyz") {
      const bool ok = probes_.ready ? probes_.ready() : false;
      reply(ok ? http::status::ok : http::status::service_unavailable, "text/plain", ok ? "ready\n" : "not ready\n");
    } else {
      reply(http::status::not_found, "text/plain", "not found\n");
    }
    stream_.expires_after(std::chrono::seconds(30));
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
    if (request_.method() != http::verb::head) response_.body() = std::move(body);
    response_.prepare_payload();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::shared_ptr<prometheus::Registry> registry_;
  const Probes& probes_;
};

}  // namespace

AdminServer::AdminServer(const std::string& host, unsigned short port,
                         std::shared_ptr<prometheus::Registry> registry, Probes probes)
    : acceptor_(io_), registry_(std::move(registry)), probes_(std::move(probes)) {
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
    if (!ec) std::make_shared<Session>(std::move(socket), registry_, probes_)->start();
    if (acceptor_.is_open()) accept();
  });
}

}  // namespace hookd::admin
