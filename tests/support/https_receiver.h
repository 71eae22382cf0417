// A programmable HTTP/1.1 receiver (TLS or plain, keep-alive) for tests, the demo and the
// benchmarks: it records every request and answers as told, including the misbehaviours
// hookd must survive (hanging, closing without an answer, garbage instead of HTTP, huge bodies).
//
// It listens on 127.0.0.1 (or the given address) on a free port and runs its own io_context on
// its own threads, so a test's code and hookd's client never share an event loop with it.
// Every public member is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "support/test_ca.h"

namespace hookd::test_support {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order, names as sent
  std::string body;
  std::chrono::steady_clock::time_point arrived;
  std::chrono::system_clock::time_point arrived_wall;
  std::uint64_t connection_id = 0;  // 1-based, in accept order

  // Value of the first header with this name (case-insensitive), or "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
};

// What the receiver does with one request.
struct Behaviour {
  enum class Action {
    respond,    // answer with status/headers/body after `delay`
    hang,       // never answer; keep the connection open until the receiver stops
    close,      // close the connection without answering (after `delay`)
    garbage,    // write bytes that are not HTTP, then close
  };
  Action action = Action::respond;
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // extra response headers
  std::size_t body_size = 0;         // response body of this many 'x' bytes (when `body` is empty)
  std::string body;                  // exact response body, when non-empty
  std::chrono::milliseconds delay{0};
  bool close_after = false;          // answer with "Connection: close" and close
  // Answer as keep-alive, then close anyway: what a server does when it drops an idle
  // connection, seen by a client that pooled it.
  bool drop_after = false;

  static Behaviour respond(int status) { Behaviour b; b.status = status; return b; }
  static Behaviour hang() { Behaviour b; b.action = Action::hang; return b; }
  static Behaviour close_without_answer() { Behaviour b; b.action = Action::close; return b; }
  static Behaviour garbage() { Behaviour b; b.action = Action::garbage; return b; }
};

struct ReceiverOptions {
  bool tls = true;
  CertFiles certificate;              // required when tls
  std::string listen_address = "127.0.0.1";
  int threads = 2;
  // Each TLS handshake starts this long after the connection is accepted: a receiver whose
  // connections are expensive to open.
  std::chrono::milliseconds handshake_delay{0};
};

class HttpsReceiver {
 public:
  // Starts listening at once; throws on failure (bad certificate files, bind error).
  explicit HttpsReceiver(ReceiverOptions options);
  ~HttpsReceiver();
  HttpsReceiver(const HttpsReceiver&) = delete;
  HttpsReceiver& operator=(const HttpsReceiver&) = delete;

  std::uint16_t port() const { return port_; }
  // "https://127.0.0.1:<port><path>" (or http://); `host` replaces the listen address in the URL.
  std::string url(std::string_view path = "/", std::string_view host = {}) const;

  // The behaviour for requests with no queued behaviour (default: 200, empty body).
  void set_default(Behaviour behaviour);
  // The next requests get these behaviours, in order, before falling back to the default.
  void enqueue(Behaviour behaviour);
  // Full control: decides per request (runs on a receiver thread; overrides queue and default).
  void set_handler(std::function<Behaviour(const ReceivedRequest&)> handler);
  // Replaces ReceiverOptions::handshake_delay for the connections accepted from now on: a
  // receiver that stops answering stops finishing handshakes too.
  void set_handshake_delay(std::chrono::milliseconds delay) { handshake_delay_ms_ = delay.count(); }

  std::vector<ReceivedRequest> requests() const;
  std::size_t request_count() const;
  std::uint64_t connections_accepted() const { return connections_accepted_.load(); }
  // Connections not yet closed by either side (as far as the receiver has noticed).
  std::size_t connections_open() const { return connections_open_.load(); }
  // Requests being handled right now (read, not yet answered or closed); hanging ones count.
  std::size_t requests_in_progress() const { return in_progress_.load(); }
  std::size_t max_requests_in_progress() const { return max_in_progress_.load(); }
  // True once at least `n` requests have arrived, false after `timeout`.
  bool wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear();

  // Closes the listener and every connection (hanging ones too) and joins the threads.
  // Called by the destructor; safe to call twice.
  void stop();

 private:
  struct Impl;
  Behaviour behaviour_for(const ReceivedRequest& request);
  void record(ReceivedRequest request);
  void request_started();
  void request_finished();

  ReceiverOptions options_;
  std::atomic<std::int64_t> handshake_delay_ms_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
  std::vector<std::thread> threads_;

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;
  std::deque<Behaviour> queued_;
  Behaviour default_;
  std::function<Behaviour(const ReceivedRequest&)> handler_;

  std::atomic<std::uint64_t> connections_accepted_{0};
  std::atomic<std::size_t> connections_open_{0};
  std::atomic<std::size_t> in_progress_{0};
  std::atomic<std::size_t> max_in_progress_{0};
  bool stopped_ = false;
};

}  // namespace hookd::test_support
