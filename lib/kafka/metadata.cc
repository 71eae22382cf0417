#include "kafka/metadata.h"

namespace hookd::kafka {

TopicLookup lookup_topic(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
  TopicLookup result;
  const rd_kafka_metadata_t* metadata = nullptr;
  result.error = rd_kafka_metadata(rk, 1 /* all topics */, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (result.error != RD_KAFKA_RESP_ERR_NO_ERROR) return result;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const auto& t = metadata->topics[i];
    if (topic != t.topic) continue;
    result.exists = t.err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    result.partitions = result.exists ? t.partition_cnt : 0;
    break;
  }
  rd_kafka_metadata_destroy(metadata);
  return result;
}

}  // namespace hookd::kafka
