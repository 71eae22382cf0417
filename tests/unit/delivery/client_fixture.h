// Shared set-up for the client tests: a client on its own io_context (2 threads), the
// test CA trusted through ClientOptions::ca_file, and helpers to send and wait.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "delivery/client.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

namespace hookd::delivery {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using test_support::ReceiverOptions;
using test_support::TestCa;

class ClientTest : public ::testing::Test {
 protected:
  // One CA per test binary: key generation is the slow part.
  static TestCa& ca() {
    static TestCa instance;
    return instance;
  }

  void SetUp() override {
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    if (client_) client_->shutdown();
    client_.reset();
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  ClientOptions options() const {
    ClientOptions o;
    o.ca_file = ca().ca_file();
    o.allow_private_networks = true;  // the receiver is on loopback
    o.request_timeout = 2s;
    o.connect_timeout = 2s;
    o.user_agent = "hookd-test/1";
    // An origin's queue is bounded by its expected wait, measured from its own pace
    // (delivery/drain_estimate.h). Under sanitizers on a loaded machine a burst's first TLS
    // handshakes alone can make that estimate exceed the default second, and a test of
    // something else would see origin_queue_full. The tests of that bound set their own.
    o.max_queue_wait = 60s;
    return o;
  }

  Client& start_client(ClientOptions o) {
    client_ = std::make_unique<Client>(io_, std::move(o));
    return *client_;
  }
  // The pools decide by `manual_clock_`, which moves only when the test advances it.
  Client& start_client_on_manual_clock(ClientOptions o) {
    client_ = std::make_unique<Client>(io_, std::move(o), manual_clock_);
    return *client_;
  }
  Client& start_client() { return start_client(options()); }

  std::unique_ptr<HttpsReceiver> start_receiver(const test_support::CertFiles& cert) {
    ReceiverOptions o;
    o.certificate = cert;
    return std::make_unique<HttpsReceiver>(o);
  }
  std::unique_ptr<HttpsReceiver> start_receiver() { return start_receiver(ca().localhost()); }
  std::unique_ptr<HttpsReceiver> start_plain_receiver() {
    ReceiverOptions o;
    o.tls = false;
    return std::make_unique<HttpsReceiver>(o);
  }

  // Posts and returns a future for the outcome.
  std::future<Outcome> post(Request request) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto future = promise->get_future();
    client_->post(std::move(request), [promise](Outcome o) { promise->set_value(std::move(o)); });
    return future;
  }
  std::future<Outcome> post(std::string url, std::string body = "{}",
                            RequestHeaders headers = {}) {
    return post(Request{std::move(url), std::make_shared<const std::string>(std::move(body)), std::move(headers), {}});
  }

  // Posts and waits (at most 10 s, far beyond any timeout the tests configure).
  Outcome send(std::string url, std::string body = "{}",
               RequestHeaders headers = {}) {
    auto future = post(std::move(url), std::move(body), std::move(headers));
    if (future.wait_for(10s) != std::future_status::ready) {
      ADD_FAILURE() << "no outcome within 10 s";
      return Outcome{};
    }
    return future.get();
  }

  static std::string describe(const Outcome& o) {
    return std::string(to_string(o.result)) + " status=" + std::to_string(o.http_status) + " error=" + o.error;
  }

  // Declared before the client: destroyed after it and every pending attempt, which use both.
  common::ManualClock manual_clock_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
  std::unique_ptr<Client> client_;
};

}  // namespace hookd::delivery
