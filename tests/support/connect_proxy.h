// A small HTTP egress proxy for tests: CONNECT tunnels (for https targets) and absolute-form
// forwarding (for http targets), recording what it was asked, so a test can assert where a
// client sent it. Like HttpsReceiver it listens on 127.0.0.1 on a free port and runs its own
// io_context on its own threads. Every public member is thread-safe.
//
// Deliberately not a general proxy: no authentication, requests and responses buffered
// whole, one upstream per client connection at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hookd::test_support {

// One absolute-form request the proxy forwarded (or refused).
struct ProxiedRequest {
  std::string target;  // as received: "http://host:port/path?query"
  std::string host;    // the Host header as received
};

class ConnectProxy {
 public:
  // Starts listening at once; throws on bind errors.
  explicit ConnectProxy(int threads = 2);
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>": what ClientOptions::proxy takes.
  std::string url() const;

  // Answer every CONNECT and every forwarded request with this status (and close) instead
  // of serving it; 0 (the default) serves them.
  void refuse_with(int status) { refuse_status_ = status; }
  // Read requests but never answer them (until stop()).
  void hang(bool on = true) { hang_ = on; }

  // CONNECT targets in arrival order, as sent ("127.0.0.1:8443", "[::1]:8443").
  std::vector<std::string> connect_targets() const;
  std::size_t connect_count() const;
  // Absolute-form requests in arrival order.
  std::vector<ProxiedRequest> forwarded() const;
  std::uint64_t connections_accepted() const { return connections_accepted_.load(); }

  // Closes the listener and every connection and joins the threads. Safe to call twice.
  void stop();

 private:
  struct Impl;
  void record_connect(std::string target);
  void record_forwarded(ProxiedRequest request);

  std::uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
  std::vector<std::thread> threads_;
  std::atomic<int> refuse_status_{0};
  std::atomic<bool> hang_{false};
  std::atomic<std::uint64_t> connections_accepted_{0};

  mutable std::mutex mutex_;
  std::vector<std::string> connect_targets_;
  std::vector<ProxiedRequest> forwarded_;
  bool stopped_ = false;
};

}  // namespace hookd::test_support
