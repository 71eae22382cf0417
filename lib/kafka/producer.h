// The producer for hookd's own records (retry tiers, dead letters).
//
// Why this shape: a source event's offset may be committed only once its retry or
// dead-letter record is durable, so every produce() reports exactly once, through
// `on_ack`, with the delivery report's error (idempotent producer, acks=all). The acks run
// on a poll thread the Producer owns, so callers never have to poll.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka/config.h"
#include "kafka/record_writer.h"
#include "kafka/types.h"

namespace hookd::kafka {

struct ProducerOptions {
  // Upper bound on a record's time in the producer (queue, retries, in flight); then its
  // delivery report fails with _MSG_TIMED_OUT.
  std::chrono::milliseconds message_timeout{30'000};
  // The largest record hookd writes (librdkafka's message.max.bytes, a default the user's
  // kafka.properties may lower; the worker checks at start that its records fit).
  std::size_t max_record_bytes = 1'000'000;
};

// The configuration a Producer with these options builds, before its callbacks are set;
// the error names the property librdkafka refused.
ConfResult producer_conf(const ClientSettings& settings, const ProducerOptions& options);

class Producer final : public RecordWriter {
 public:

  // Throws Error naming the property on a bad configuration.
  Producer(const ClientSettings& settings, ProducerOptions options = {});
  // Purges what is still queued (those acks report _PURGE_QUEUE/_PURGE_INFLIGHT); call
  // flush() first to wait for them instead.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Thread-safe and never waits: `on_ack` runs exactly once, on the poll thread with the
  // delivery report's error, or right here, on the caller's thread, when the record could not
  // be queued (unknown topic name, too large, local queue full, fatal error). A caller whose
  // record met a full queue keeps it and tries again later (kafka/write_error.h: transient).
  // An empty key is sent as a null key; an empty value as an empty (never null) payload:
  // hookd writes no tombstones.
  void produce(std::string_view topic, std::string_view key, std::string_view value,
               const std::vector<Header>& headers, AckCallback on_ack) override;

  // Waits until every record produced so far has been acknowledged and its on_ack has
  // returned; RD_KAFKA_RESP_ERR__TIMED_OUT if some are still pending after `timeout`.
  rd_kafka_resp_err_t flush(std::chrono::milliseconds timeout);

  // Drops what is still queued or in flight (their acks report _PURGE_QUEUE/_PURGE_INFLIGHT)
  // and waits up to `timeout` for every on_ack to have run: after it returns true no ack
  // arrives any more, so what the acks touch may be destroyed.
  bool purge(std::chrono::milliseconds timeout);

  // Records whose on_ack has not run yet.
  std::int64_t pending() const { return pending_.load(std::memory_order_relaxed); }

  // An idempotent producer can hit a fatal error (e.g. a fenced or out-of-sequence
  // producer); it then refuses every record and hookd must restart.
  bool fatal() const { return fatal_.load(std::memory_order_acquire); }
  std::string fatal_reason() const;

 private:
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  void poll_loop();
  void acked();
  // The handle of `topic`, made on its first record and kept until the producer goes; null for
  // a name librdkafka refuses. Why: a record produced by topic name takes librdkafka's
  // client-wide write lock and scans its topic list (2.0.2, rd_kafka_topic_new0), and every
  // delivery writes one (its attempts log line), from whichever io thread ran it
  // (docs/benchmarks.md, "Handing requests over in batches"). hookd writes to the topics
  // its configuration names, so the map stays small.
  rd_kafka_topic_t* topic_handle(std::string_view topic);

  ProducerOptions options_;
  HandlePtr handle_;
  std::atomic<std::int64_t> pending_{0};
  std::atomic<bool> fatal_{false};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;  // guards fatal_reason_; pairs with drained_
  std::condition_variable drained_;
  std::string fatal_reason_;
  // Transparent, so a lookup by string_view allocates nothing.
  struct NameHash : std::hash<std::string_view> {
    using is_transparent = void;
  };
  std::mutex topics_mutex_;  // guards topics_
  std::unordered_map<std::string, rd_kafka_topic_t*, NameHash, std::equal_to<>> topics_;
  std::thread poll_thread_;
};

}  // namespace hookd::kafka
