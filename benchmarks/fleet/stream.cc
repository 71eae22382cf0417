#include "fleet/stream.h"

#include <librdkafka/rdkafka.h>

namespace hookd::bench {

using Clock = std::chrono::steady_clock;

EventStream::EventStream(kafka::Producer& producer, std::string topic, std::string prefix, double rate, int partitions)
    : producer_(producer), topic_(std::move(topic)), prefix_(std::move(prefix)), rate_(rate), partitions_(partitions) {}

EventStream::~EventStream() { stop(std::chrono::seconds(10)); }

void EventStream::start() { thread_ = std::thread([this] { run(); }); }

bool EventStream::stop(std::chrono::milliseconds timeout) {
  stopping_.store(true);
  if (!thread_.joinable()) return true;
  thread_.join();
  return producer_.flush(timeout) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

void EventStream::run() {
  const auto start = Clock::now();
  for (long n = 0; !stopping_.load(); ++n) {
    const std::chrono::duration<double> due(static_cast<double>(n) / rate_);
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(due));
    const std::string id = prefix_ + std::to_string(n);
    producer_.produce(topic_, id, event_json(id, n), {}, errors_.on_ack());
    published_.store(n + 1, std::memory_order_release);
  }
}

int EventStream::partition_of(long n) const {
  const std::string key = prefix_ + std::to_string(n);
  // The partitioner functions are public so that applications can pick one; this one only
  // reads the key (the topic handle is used for keyless records alone).
  return rd_kafka_msg_partitioner_consistent_random(nullptr, key.data(), key.size(), partitions_, nullptr, nullptr);
}

}  // namespace hookd::bench
