// Where hookd's own records go (retry tiers, dead letters, attempts log, status): the
// Producer in production, a recording fake in unit tests of the code that decides what to
// write.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka/types.h"

namespace hookd::kafka {

class RecordWriter {
 public:
  using AckCallback = std::function<void(rd_kafka_resp_err_t)>;

  virtual ~RecordWriter() = default;
  // Thread-safe. `on_ack` runs exactly once, with the record's delivery report (NO_ERROR once
  // it is durable), on the writer's thread or on the caller's when it could not be queued.
  virtual void produce(std::string_view topic, std::string_view key, std::string_view value,
                       const std::vector<Header>& headers, AckCallback on_ack) = 0;
};

}  // namespace hookd::kafka
