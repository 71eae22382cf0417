// The admin HTTP server: GET /metrics, /healthz, /readyz.
//
// It runs on its own io_context and thread so that a stuck delivery path can never make
// /healthz or /metrics unanswerable, and a slow scrape never touches delivery threads.
//
// Whatever can reach the port can talk to it, so what one client can cost is bounded
// (docs/configuration.md, admin): at most max_connections open at once (beyond that a new
// connection is closed at once), a request of at most request_header_limit header bytes and
// request_body_limit body bytes, read from a buffer of at most read_buffer_limit, and
// request_timeout to send each request. When accept fails (EMFILE, ENFILE, ENOBUFS), the
// server waits before accepting again, from accept_backoff_min doubling to
// accept_backoff_max, instead of retrying in a busy loop on a connection it cannot take.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace prometheus {
class Collectable;
}

namespace hookd::admin {

struct Probes {
  std::function<bool()> healthy;  // /healthz: the process and its loops are running
  std::function<bool()> ready;    // /readyz: snapshot loaded, group joined, Kafka reachable
};

class AdminServer {
 public:
  // Probes and Prometheus need a handful of connections; 32 leaves room for several
  // scrapers and kubelets while a client that opens hundreds cannot take the process's fds.
  static constexpr std::size_t max_connections = 32;
  static constexpr std::uint32_t request_header_limit = 8 * 1024;
  static constexpr std::uint64_t request_body_limit = 1024;  // GET and HEAD carry none
  static constexpr std::size_t read_buffer_limit = 16 * 1024;
  // To send a whole request, idle keep-alive time included.
  static constexpr std::chrono::seconds request_timeout{10};
  static constexpr std::chrono::milliseconds accept_backoff_min{10};
  static constexpr std::chrono::milliseconds accept_backoff_max{1000};

  // Binds immediately (throws boost::system::system_error naming the address on failure).
  AdminServer(const std::string& host, unsigned short port, std::shared_ptr<const prometheus::Collectable> metrics,
              Probes probes);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  unsigned short port() const { return port_; }
  // Connections being served now.
  std::size_t open_connections() const { return open_connections_.load(); }
  // Failed accepts since start (each is followed by a back-off wait).
  std::uint64_t accept_errors() const { return accept_errors_.load(); }

 private:
  void accept();
  void accept_after_backoff();

  // Declared before io_: sessions still queued in io_ decrement it when io_ is destroyed.
  std::atomic<std::size_t> open_connections_{0};
  std::atomic<std::uint64_t> accept_errors_{0};
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_ = accept_backoff_min;
  std::shared_ptr<const prometheus::Collectable> metrics_;
  Probes probes_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace hookd::admin
