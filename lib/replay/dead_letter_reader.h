// Reads the dead-letter topic once, for `hookd replay`: every partition from the beginning
// up to the high watermarks taken at start, so records dead-lettered while replay runs (even
// ones replay itself causes) are not read again.
//
// Why assign-only: replay is an operator's one-off scan, not a share of a group's work. A
// group.id is still required by librdkafka for assign(); it is unique per run
// ("hookd-replay-<random>") and nothing is ever committed under it.
#pragma once

#include "kafka/config.h"
#include "kafka/message.h"
#include "kafka/metadata.h"
#include "kafka/types.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hookd::replay {

struct ReaderProgress {
  int partitions = 0;       // partitions with records to read at start
  int partitions_done = 0;  // of those, read up to their start watermark
};

class DeadLetterReader {
 public:
  // `unreachable_after`: how long start() and read_all() wait for Kafka before giving up.
  // Throws kafka::Error naming the property on a bad configuration.
  DeadLetterReader(const kafka::ClientSettings& settings, std::string topic,
                   std::chrono::milliseconds unreachable_after);
  ~DeadLetterReader();
  DeadLetterReader(const DeadLetterReader&) = delete;
  DeadLetterReader& operator=(const DeadLetterReader&) = delete;

  // Finds the topic and its watermarks and assigns the partitions that hold records, from the
  // beginning or, with `since_unix_ms`, from each partition's first record at or after that
  // Kafka timestamp (`hookd attempts`, which reads any of hookd's topics with this reader).
  // An error names the topic: Kafka unreachable, or the topic does not exist.
  kafka::MaybeError start(std::optional<std::int64_t> since_unix_ms = std::nullopt);

  // Looks any topic up (e.g. the retry tier replay writes to), waiting while Kafka is unreachable.
  kafka::TopicLookup lookup(const std::string& topic);

  // Calls `on_record` for every record up to the start watermarks, in offset order per
  // partition, and `on_tick` at least every 100 ms. Error when no record arrived for
  // `unreachable_after` while some remained.
  kafka::MaybeError read_all(const std::function<void(const kafka::Message&)>& on_record,
                             const std::function<void(const ReaderProgress&)>& on_tick);

  ReaderProgress progress() const { return progress_; }

 private:
  void partition_done(std::int32_t partition);

  std::string topic_;
  std::chrono::milliseconds unreachable_after_;
  kafka::HandlePtr handle_;
  std::vector<std::int64_t> start_high_;  // per partition
  std::vector<bool> done_;
  ReaderProgress progress_;
};

}  // namespace hookd::replay
