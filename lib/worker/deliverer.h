// Makes one HTTP attempt for a DeliveryJob and turns its outcome into a durable fact:
// a 2xx, a retry record on the first retry tier, or a dead letter.
//
// Runs entirely on the delivery io_context threads; it never blocks the event loop.
#pragma once

#include "delivery/client.h"
#include "kafka/producer.h"
#include "metrics/metrics.h"
#include "retry/records.h"
#include "worker/delivery_job.h"

#include <boost/asio/io_context.hpp>

#include <array>
#include <atomic>
#include <memory>
#include <string>

namespace hookd::worker {

struct DelivererSettings {
  std::string first_retry_topic;  // e.g. hookd.retry.5s
  std::string first_retry_tier;   // e.g. 5s, the metric label
  std::string dead_letter_topic;
  std::string user_agent;
};

class Deliverer {
 public:
  Deliverer(boost::asio::io_context& io, delivery::Client& client, kafka::Producer& producer,
            metrics::Metrics& metrics, DelivererSettings settings);

  // Signs and sends the job's request; the job's ticket is finished once the outcome is durable.
  void dispatch(std::shared_ptr<DeliveryJob> job);

  // Deliveries dispatched and not yet durable.
  std::int64_t in_flight() const { return in_flight_.load(std::memory_order_relaxed); }

 private:
  void on_outcome(const std::shared_ptr<DeliveryJob>& job, const delivery::Outcome& outcome,
                  std::int64_t started_unix_ms);
  void enqueue_retry(const std::shared_ptr<DeliveryJob>& job, retry::AttemptRecord attempt);
  void dead_letter(const std::shared_ptr<DeliveryJob>& job, std::string reason, retry::AttemptRecord attempt);
  // Produces until Kafka acknowledges; a failed produce is tried again after a pause, because
  // committing the event without the record would lose the delivery.
  void produce_durably(std::string topic, std::string key, std::shared_ptr<const std::string> value,
                       std::vector<kafka::Header> headers, std::shared_ptr<DeliveryJob> job,
                       prometheus::Counter* on_success);
  void finish(const std::shared_ptr<DeliveryJob>& job);

  boost::asio::io_context& io_;
  delivery::Client& client_;
  kafka::Producer& producer_;
  metrics::Metrics& metrics_;
  DelivererSettings settings_;
  std::atomic<std::int64_t> in_flight_{0};
  // Resolved once: one counter per attempt result, indexed by the enum.
  std::array<prometheus::Counter*, 11> attempts_by_result_{};
  prometheus::Counter* retries_first_tier_ = nullptr;
  prometheus::Counter* dead_letters_blocked_ = nullptr;
};

}  // namespace hookd::worker
