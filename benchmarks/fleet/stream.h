// The fleet benchmark's load: events "<prefix><n>" written at a steady rate by a thread of
// their own, from start() until stop(), whatever happens to the workers meanwhile.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "common/workload.h"
#include "kafka/producer.h"

namespace hookd::bench {

class EventStream {
 public:
  EventStream(kafka::Producer& producer, std::string topic, std::string prefix, double rate, int partitions);
  ~EventStream();  // stops
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  void start();
  // Stops writing and waits until every event written is acknowledged; false when some
  // are not after `timeout`.
  bool stop(std::chrono::milliseconds timeout);

  // Events handed to the producer so far.
  long published() const { return published_.load(std::memory_order_acquire); }
  long produce_errors() const { return errors_.count.load(); }
  // The partition event n went to: the key is its id and the producer partitions by key
  // (librdkafka's default consistent_random: CRC32 of the key).
  int partition_of(long n) const;

 private:
  void run();

  kafka::Producer& producer_;
  std::string topic_;
  std::string prefix_;
  double rate_;
  int partitions_;
  ProduceErrors errors_;
  std::atomic<long> published_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace hookd::bench
