// Creating the topics hookd writes (retry tiers, dead letters) when they are missing.
// hookd never creates the events or subscriptions topics: it only asks whether they exist.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "kafka/types.h"

namespace hookd::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::map<std::string, std::string> configs;  // e.g. {"retention.ms", "86400000"}
};

// The configuration a TopicAdmin builds, before its error callback is set; the error names
// the property librdkafka refused.
ConfResult topic_admin_conf(const ClientSettings& settings);

class TopicAdmin {
 public:
  // Throws Error naming the property on a bad configuration.
  explicit TopicAdmin(const ClientSettings& settings, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  TopicAdmin(const TopicAdmin&) = delete;
  TopicAdmin& operator=(const TopicAdmin&) = delete;

  // Creates the specs whose topics do not exist (an existing topic is left as it is,
  // whatever its settings), then waits until they show in the metadata. A topic created
  // concurrently by someone else (TOPIC_ALREADY_EXISTS) counts as success. On failure the
  // message names the first topic that could not be created and why.
  MaybeError ensure_topics(const std::vector<TopicSpec>& specs);

  // Polls the metadata until the topic exists (with partitions) or `timeout` passes.
  bool topic_exists(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // -1 when the topic does not exist or the cluster did not answer.
  // True when a broker answers a metadata request within `timeout`.
  bool reachable(std::chrono::milliseconds timeout);

  int partition_count(const std::string& name, std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  std::chrono::milliseconds timeout_;
  HandlePtr handle_;
};

}  // namespace hookd::kafka
