// Keeps the in-memory subscription snapshot in step with the compacted subscriptions topic.
//
// A thread of its own reads every partition from the beginning (outside the consumer group),
// applies records to the table in order, and publishes a new immutable snapshot after each
// batch of changes. Until it has read up to the high watermarks seen at start, ready() is false.
#pragma once

#include "kafka/table_reader.h"
#include "metrics/metrics.h"
#include "subscriptions/store.h"
#include "subscriptions/table.h"

#include <atomic>
#include <thread>

namespace hookd::worker {

class SubscriptionFeed {
 public:
  SubscriptionFeed(const kafka::ClientSettings& settings, std::string topic, subscriptions::SnapshotStore& store,
                   metrics::Metrics& metrics);
  ~SubscriptionFeed();

  void start();
  void stop();
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  bool running() const { return running_.load(std::memory_order_acquire); }

 private:
  void run();
  void publish();

  kafka::TableReader reader_;
  subscriptions::SnapshotStore& store_;
  metrics::Metrics& metrics_;
  subscriptions::SubscriptionTable table_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> ready_{false};
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace hookd::worker
