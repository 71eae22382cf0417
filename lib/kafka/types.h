// Small value types shared by hookd's Kafka wrappers.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace hookd::kafka {

// Where every hookd Kafka client connects and the user's extra librdkafka properties
// (`kafka.properties`: SASL, SSL, ...). The config module has already refused the
// properties hookd's guarantees rest on; the wrappers still set those last, so they win.
struct ClientSettings {
  std::string bootstrap_servers;
  std::map<std::string, std::string> properties;
};

// A record header as hookd writes it (retry and dead-letter records).
struct Header {
  std::string name;
  std::string value;
};

struct TopicPartition {
  std::string topic;
  std::int32_t partition = 0;
  friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
  friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

// Creating a client failed (a bad property, librdkafka refused to start). Thrown only by
// constructors, at start-up; the message names the property or the cause.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// nullopt on success, otherwise a message naming what failed (e.g. the topic).
using MaybeError = std::optional<std::string>;

}  // namespace hookd::kafka
