// The delivery threads (one io_context each, delivery/io_threads.h) and the HTTP client over
// them. Its destructor stops and joins them, so a stage that fails after it started unwinds
// cleanly instead of leaving joinable threads behind.
#pragma once

#include "common/clock.h"
#include "config/config.h"
#include "delivery/client.h"
#include "delivery/io_threads.h"
#include "metrics/metrics.h"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace hookd::worker {

class DeliveryRuntime {
 public:
  // Builds the client; throws std::exception naming the key (delivery.ca_file, delivery.proxy).
  DeliveryRuntime(const config::DeliveryConfig& config, metrics::Metrics& metrics, const common::Clock& clock);
  ~DeliveryRuntime() { stop(); }
  DeliveryRuntime(const DeliveryRuntime&) = delete;
  DeliveryRuntime& operator=(const DeliveryRuntime&) = delete;

  // delivery.threads threads.
  void start() { threads_.start(); }
  // Closes connections, stops the threads and joins them; callbacks still queued are dropped
  // (their events stay uncommitted). Idempotent.
  void stop();

  // For work that belongs to no origin (the deliverer's timers, sweeps).
  boost::asio::io_context& io() { return threads_.first(); }
  delivery::Client& client() { return *client_; }

 private:
  delivery::IoThreads threads_;  // declared first: outlives the client
  std::unique_ptr<delivery::Client> client_;
};

}  // namespace hookd::worker
