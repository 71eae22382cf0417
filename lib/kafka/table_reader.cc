#include "kafka/table_reader.h"

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "kafka/message.h"
#include "kafka/metadata.h"
#include "kafka/partition_list.h"

namespace hookd::kafka {
namespace {

// Watermarks are asked once, at start; a fresh connection may need a moment.
constexpr std::chrono::milliseconds kWatermarkTimeout{5'000};
constexpr std::chrono::milliseconds kMinLookupTimeout{500};

}  // namespace

TableReader::TableReader(const ClientSettings& settings, TableReaderOptions options) : options_(std::move(options)) {
  handle_ = make_reader_handle(settings, kClientId);
  waiting_since_ = std::chrono::steady_clock::now();
}

TableReader::~TableReader() {
  // Nothing to commit: closing just stops the fetchers before destroy.
  rd_kafka_consumer_close(handle_.get());
}

bool TableReader::try_start(std::chrono::milliseconds timeout) {
  const auto now = std::chrono::steady_clock::now();
  const auto lookup = lookup_topic(handle_.get(), options_.topic, std::max(timeout, kMinLookupTimeout));
  if (lookup.error != RD_KAFKA_RESP_ERR_NO_ERROR || !lookup.exists || lookup.partitions <= 0) {
    if (now >= next_wait_log_) {
      next_wait_log_ = now + options_.wait_log_interval;
      const auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - waiting_since_).count();
      log::info("waiting for the subscriptions topic",
                {{"topic", options_.topic}, {"waited_s", static_cast<long long>(waited)},
                 {"cause", lookup.error != RD_KAFKA_RESP_ERR_NO_ERROR ? describe(lookup.error)
                                                                     : "topic does not exist"}});
    }
    return false;
  }

  std::vector<std::int64_t> high(static_cast<std::size_t>(lookup.partitions));
  std::vector<bool> done(high.size());
  std::size_t pending = 0;
  for (std::int32_t p = 0; p < lookup.partitions; ++p) {
    std::int64_t low = 0;
    const auto err = rd_kafka_query_watermark_offsets(handle_.get(), options_.topic.c_str(), p, &low, &high[p],
                                                      static_cast<int>(kWatermarkTimeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::limited(log::Level::warn, "kafka.table.watermark", "cannot read the topic's watermarks; retrying",
                   {{"topic", options_.topic}, {"partition", p}, {"error", describe(err)}});
      return false;
    }
    done[p] = high[p] <= low;  // nothing to read: caught up at once
    if (!done[p]) ++pending;
  }

  PartitionListPtr list(rd_kafka_topic_partition_list_new(lookup.partitions));
  for (std::int32_t p = 0; p < lookup.partitions; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), options_.topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (const auto err = rd_kafka_assign(handle_.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    log::limited(log::Level::error, "kafka.table.assign", "cannot assign the topic's partitions",
                 {{"topic", options_.topic}, {"error", describe(err)}});
    return false;
  }
  start_high_ = std::move(high);
  partition_done_ = std::move(done);
  partitions_pending_ = pending;
  partition_count_.store(lookup.partitions, std::memory_order_release);
  started_.store(true, std::memory_order_release);
  log::info("reading the subscriptions topic",
            {{"topic", options_.topic},
             {"partitions", lookup.partitions},
             {"partitions_to_read", static_cast<long long>(pending)}});
  if (pending == 0) caught_up_.store(true, std::memory_order_release);
  return true;
}

void TableReader::partition_caught_up(std::int32_t partition) {
  if (partition < 0 || static_cast<std::size_t>(partition) >= partition_done_.size()) return;
  if (partition_done_[partition]) return;
  partition_done_[partition] = true;
  if (--partitions_pending_ == 0) {
    caught_up_.store(true, std::memory_order_release);
    log::info("subscriptions topic read up to its start watermarks", {{"topic", options_.topic}});
  }
}

std::size_t TableReader::poll(std::chrono::milliseconds timeout, const RecordCallback& on_record) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  if (!started_.load(std::memory_order_relaxed)) {
    if (start < next_lookup_) {
      // Nothing to read yet: wait instead of letting the caller spin.
      std::this_thread::sleep_until(std::min(next_lookup_, deadline));
      return 0;
    }
    next_lookup_ = start + options_.metadata_retry;
    if (!try_start(timeout)) return 0;
  }

  std::size_t delivered = 0;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  for (std::size_t i = 0; i < options_.max_batch; ++i) {
    Message m(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(std::max<long long>(wait.count(), 0))));
    wait = std::chrono::milliseconds(0);  // after the first record, take only what is already here
    if (!m) break;
    if (m.error() == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      partition_caught_up(m.partition());
      continue;
    }
    if (m.error() != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::limited(log::Level::warn, "kafka.table.consume", "error reading the subscriptions topic",
                   {{"topic", options_.topic}, {"error", describe(m.error())}, {"reason", m.error_text()}});
      continue;
    }
    on_record(m.key(), m.has_value() ? std::optional<std::string_view>(m.value()) : std::nullopt);
    ++delivered;
    const auto p = m.partition();
    if (p >= 0 && static_cast<std::size_t>(p) < start_high_.size() && m.offset() + 1 >= start_high_[p]) {
      partition_caught_up(p);
    }
  }
  return delivered;
}

}  // namespace hookd::kafka
