#include "replay/dead_letter_reader.h"

#include "common/log.h"
#include "kafka/partition_list.h"

#include <algorithm>
#include <thread>

namespace hookd::replay {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int remaining_ms(Clock::time_point deadline) {
  return static_cast<int>(std::max<long long>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count()));
}

}  // namespace

DeadLetterReader::DeadLetterReader(const kafka::ClientSettings& settings, std::string topic,
                                   std::chrono::milliseconds unreachable_after)
    : topic_(std::move(topic)), unreachable_after_(unreachable_after) {
  handle_ = kafka::make_reader_handle(settings, "hookd-replay");
}

DeadLetterReader::~DeadLetterReader() {
  // Nothing to commit: closing only stops the fetchers before destroy.
  rd_kafka_consumer_close(handle_.get());
}

kafka::TopicLookup DeadLetterReader::lookup(const std::string& topic) {
  const auto deadline = Clock::now() + unreachable_after_;
  kafka::TopicLookup result;
  do {
    const std::chrono::milliseconds wait(std::clamp(remaining_ms(deadline), 500, 5000));
    result = kafka::lookup_topic(handle_.get(), topic, wait);
    if (result.error == RD_KAFKA_RESP_ERR_NO_ERROR) return result;
    std::this_thread::sleep_for(200ms);
  } while (Clock::now() < deadline);
  return result;
}

kafka::MaybeError DeadLetterReader::start(std::optional<std::int64_t> since_unix_ms) {
  const auto found = lookup(topic_);
  if (found.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return "Kafka unreachable while looking up the dead-letter topic " + topic_ + ": " + kafka::describe(found.error);
  }
  if (!found.exists || found.partitions <= 0) return "the dead-letter topic " + topic_ + " does not exist";

  const auto deadline = Clock::now() + unreachable_after_;
  start_high_.assign(static_cast<std::size_t>(found.partitions), 0);
  done_.assign(start_high_.size(), true);
  kafka::PartitionListPtr list(rd_kafka_topic_partition_list_new(found.partitions));
  for (std::int32_t p = 0; p < found.partitions; ++p) {
    std::int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_query_watermark_offsets(handle_.get(), topic_.c_str(), p, &low, &high,
                                                   std::clamp(remaining_ms(deadline), 500, 5000))) !=
           RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (Clock::now() >= deadline) {
        return "cannot read the watermarks of " + topic_ + " partition " + std::to_string(p) + ": " +
               kafka::describe(err);
      }
      std::this_thread::sleep_for(200ms);
    }
    start_high_[static_cast<std::size_t>(p)] = high;
    if (high <= low) continue;  // nothing to read: done at once
    done_[static_cast<std::size_t>(p)] = false;
    ++progress_.partitions;
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (list->cnt == 0) return std::nullopt;
  if (since_unix_ms) {
    for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = *since_unix_ms;
    // Replaces each timestamp with the offset of the first record at or after it; -1 (the end)
    // when there is none: that partition has nothing to read.
    if (const auto err = rd_kafka_offsets_for_times(handle_.get(), list.get(),
                                                    std::clamp(remaining_ms(deadline), 500, 30000));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return "cannot find the offsets of " + topic_ + " at the --since time: " + kafka::describe(err);
    }
    for (int i = 0; i < list->cnt; ++i) {
      auto& tp = list->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return "cannot find the offset of " + topic_ + " partition " + std::to_string(tp.partition) +
               " at the --since time: " + kafka::describe(tp.err);
      }
      if (tp.offset < 0 || tp.offset >= start_high_[static_cast<std::size_t>(tp.partition)]) partition_done(tp.partition);
    }
  }
  if (const auto err = rd_kafka_assign(handle_.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return "cannot assign the partitions of " + topic_ + ": " + kafka::describe(err);
  }
  return std::nullopt;
}

void DeadLetterReader::partition_done(std::int32_t partition) {
  if (partition < 0 || static_cast<std::size_t>(partition) >= done_.size()) return;
  if (done_[static_cast<std::size_t>(partition)]) return;
  done_[static_cast<std::size_t>(partition)] = true;
  ++progress_.partitions_done;
}

kafka::MaybeError DeadLetterReader::read_all(const std::function<void(const kafka::Message&)>& on_record,
                                             const std::function<void(const ReaderProgress&)>& on_tick) {
  auto last_progress = Clock::now();
  while (progress_.partitions_done < progress_.partitions) {
    kafka::Message m(rd_kafka_consumer_poll(handle_.get(), 100));
    on_tick(progress_);
    if (!m) {
      if (Clock::now() - last_progress >= unreachable_after_) {
        return "no record from " + topic_ + " for " + std::to_string(unreachable_after_.count()) +
               " ms while " + std::to_string(progress_.partitions - progress_.partitions_done) +
               " partitions remained: Kafka unreachable?";
      }
      continue;
    }
    if (m.error() == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Under read_committed the last stable offset may sit below the high watermark.
      last_progress = Clock::now();
      partition_done(m.partition());
      continue;
    }
    if (m.error() != RD_KAFKA_RESP_ERR_NO_ERROR) {
      log::limited(log::Level::warn, "replay.consume", "error reading the dead-letter topic",
                   {{"topic", topic_}, {"error", kafka::describe(m.error())}, {"reason", m.error_text()}});
      continue;
    }
    last_progress = Clock::now();
    const auto p = static_cast<std::size_t>(m.partition());
    if (p >= done_.size() || done_[p]) continue;  // past its start watermark: written after we began
    if (m.offset() >= start_high_[p]) {
      partition_done(m.partition());
      continue;
    }
    on_record(m);
    if (m.offset() + 1 >= start_high_[p]) partition_done(m.partition());
  }
  return std::nullopt;
}

}  // namespace hookd::replay
