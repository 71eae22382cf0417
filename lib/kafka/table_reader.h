// Reads a compacted topic (the webhook subscriptions) as a table: every partition from
// the beginning, outside any consumer group, and keeps tailing it.
//
// Why assign-only: every hookd process needs the whole table, not a share of it. A
// group.id is still required by librdkafka for assign(); it is unique per reader
// ("hookd-table-<random>") and nothing is ever committed under it.
//
// caught_up() turns true once every partition reached the high watermark it had when
// the reader started (or signalled end-of-partition: under read_committed the last stable
// offset can sit below it); empty partitions are caught up at once.
// Partitions added to the topic after the reader started are ignored until restart.
//
// Not thread-safe except caught_up(), topic_found() and partition_count().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/config.h"
#include "kafka/types.h"

namespace hookd::kafka {

struct TableReaderOptions {
  std::string topic;
  // How often to look for the topic while it does not exist, and to log that we wait.
  std::chrono::milliseconds metadata_retry{500};
  std::chrono::milliseconds wait_log_interval{10'000};
  // At most this many records are delivered per poll() call.
  std::size_t max_batch = 10'000;
};

class TableReader {
 public:
  // `value` is nullopt for a tombstone (a null payload): the key was deleted.
  using RecordCallback = std::function<void(std::string_view key, std::optional<std::string_view> value)>;

  // The client id its reader handle (make_reader_handle) is built with.
  static constexpr const char* kClientId = "hookd-table";

  // Does not block on Kafka; throws Error naming the property on a bad configuration.
  TableReader(const ClientSettings& settings, TableReaderOptions options);
  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // Waits up to `timeout` for records and calls `on_record` for each, in offset order
  // per partition; returns how many. Until the topic exists this looks it up instead
  // (logging while it waits) and returns 0.
  std::size_t poll(std::chrono::milliseconds timeout, const RecordCallback& on_record);

  bool caught_up() const { return caught_up_.load(std::memory_order_acquire); }
  bool topic_found() const { return started_.load(std::memory_order_acquire); }
  // Partitions being read; 0 until the topic was found.
  int partition_count() const { return partition_count_.load(std::memory_order_acquire); }

 private:
  bool try_start(std::chrono::milliseconds timeout);
  void partition_caught_up(std::int32_t partition);

  TableReaderOptions options_;
  HandlePtr handle_;
  std::atomic<bool> started_{false};
  std::atomic<bool> caught_up_{false};
  std::atomic<int> partition_count_{0};
  std::chrono::steady_clock::time_point next_lookup_{};
  std::chrono::steady_clock::time_point next_wait_log_{};
  std::chrono::steady_clock::time_point waiting_since_{};
  // Per partition: the high watermark at start, and whether it was reached.
  std::vector<std::int64_t> start_high_;
  std::vector<bool> partition_done_;
  std::size_t partitions_pending_ = 0;
};

}  // namespace hookd::kafka
