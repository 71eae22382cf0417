// The delivery threads: one io_context run by delivery.threads threads, and the HTTP client on
// it. Its destructor stops and joins them, so a stage that fails after it started unwinds
// cleanly instead of leaving joinable threads behind.
#pragma once

#include "common/clock.h"
#include "config/config.h"
#include "delivery/client.h"
#include "metrics/metrics.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace hookd::worker {

class DeliveryRuntime {
 public:
  // Builds the client; throws std::exception naming the key (delivery.ca_file, delivery.proxy).
  DeliveryRuntime(const config::DeliveryConfig& config, metrics::Metrics& metrics, const common::Clock& clock);
  ~DeliveryRuntime() { stop(); }
  DeliveryRuntime(const DeliveryRuntime&) = delete;
  DeliveryRuntime& operator=(const DeliveryRuntime&) = delete;

  void start(int threads);
  // Closes connections, stops the io_context and joins its threads; callbacks still queued are
  // dropped (their events stay uncommitted). Idempotent.
  void stop();

  boost::asio::io_context& io() { return io_; }
  delivery::Client& client() { return *client_; }

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::unique_ptr<delivery::Client> client_;
  std::vector<std::thread> threads_;
};

}  // namespace hookd::worker
