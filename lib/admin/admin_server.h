// The admin HTTP server: GET /metrics, /healthz, /readyz.
//
// It runs on its own io_context and thread so that a stuck delivery path can never make
// /healthz or /metrics unanswerable, and a slow scrape never touches delivery threads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace prometheus {
class Registry;
}

namespace hookd::admin {

struct Probes {
  std::function<bool()> healthy;  // /healthz: the process and its loops are running
  std::function<bool()> ready;    // /readyz: snapshot loaded, group joined, Kafka reachable
};

class AdminServer {
 public:
  // Binds immediately (throws boost::system::system_error naming the address on failure).
  AdminServer(const std::string& host, unsigned short port, std::shared_ptr<prometheus::Registry> registry,
              Probes probes);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  unsigned short port() const { return port_; }

 private:
  void accept();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<prometheus::Registry> registry_;
  Probes probes_;
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace hookd::admin
