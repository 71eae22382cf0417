#include "config/cross_checks.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>

#include <unistd.h>

#include "config/yaml_reader.h"

namespace hookd::config::detail {

void check_consistency(const YAML::Node& root, const Config& c) {
  auto node_at = [&root](const char* section, const char* key) {
    const YAML::Node s = child(root, section);
    const YAML::Node k = child(s, key);
    return k ? k : (s ? s : root);
  };
  const auto& events = c.topics.events;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (std::find(events.begin(), events.begin() + static_cast<std::ptrdiff_t>(i), events[i]) !=
        events.begin() + static_cast<std::ptrdiff_t>(i)) {
      const std::string key = "topics.events[" + std::to_string(i) + "]";
      fail(node_at("topics", "events"), key, key + ": \"" + events[i] + "\" is listed twice");
    }
  }
  auto is_event_topic = [&events](const std::string& t) {
    return std::find(events.begin(), events.end(), t) != events.end();
  };
  if (is_event_topic(c.topics.subscriptions)) {
    fail(node_at("topics", "subscriptions"), "topics.subscriptions",
         "topics.subscriptions: \"" + c.topics.subscriptions + "\" is also an events topic");
  }
  if (is_event_topic(c.topics.dead_letter) || c.topics.dead_letter == c.topics.subscriptions) {
    fail(node_at("topics", "dead_letter"), "topics.dead_letter",
         "topics.dead_letter: \"" + c.topics.dead_letter + "\" is already used by another role");
  }
  if (!c.topics.attempts.empty() &&
      (is_event_topic(c.topics.attempts) || c.topics.attempts == c.topics.subscriptions ||
       c.topics.attempts == c.topics.dead_letter)) {
    fail(node_at("topics", "attempts"), "topics.attempts",
         "topics.attempts: \"" + c.topics.attempts + "\" is already used by another role");
  }
  if (!c.topics.status.empty() &&
      (is_event_topic(c.topics.status) || c.topics.status == c.topics.subscriptions ||
       c.topics.status == c.topics.dead_letter || c.topics.status == c.topics.attempts)) {
    fail(node_at("topics", "status"), "topics.status",
         "topics.status: \"" + c.topics.status + "\" is already used by another role");
  }
  for (std::size_t i = 0; i < c.retry.schedule.size(); ++i) {
    const std::string tier = c.topics.retry_prefix + "." + c.retry.schedule[i];
    const std::string key = "retry.schedule[" + std::to_string(i) + "]";
    if (!detail::is_valid_topic_name(tier)) {
      fail(node_at("retry", "schedule"), key,
           key + ": retry topic \"" + tier + "\" is not a valid Kafka topic name");
    }
    if (is_event_topic(tier) || tier == c.topics.subscriptions || tier == c.topics.dead_letter ||
        tier == c.topics.status || tier == c.topics.attempts) {
      fail(node_at("retry", "schedule"), key,
           key + ": retry topic \"" + tier + "\" is already used by another role");
    }
  }
  if (c.retry.group_id == c.kafka.group_id) {
    fail(node_at("retry", "group_id"), "retry.group_id",
         "retry.group_id: must differ from kafka.group_id (\"" + c.kafka.group_id +
             "\"): two consumer groups with one name rebalance each other");
  }
}

void check_kafka_properties(const YAML::Node& root, const Config& c) {
  const YAML::Node properties = child(child(root, "kafka"), "properties");
  auto node_of = [&](const std::string& name) {
    const YAML::Node n = child(properties, name.c_str());
    return n ? n : root;
  };
  for (const auto& [name, value] : c.kafka.properties) {
    const std::string key = "kafka.properties." + name;
    if (name == "message.max.bytes") {
      std::size_t bytes = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), bytes);
      const std::size_t needed = max_record_bytes(c.limits.max_event_bytes);
      // A non-number is left to librdkafka, whose refusal names the property too.
      if (ec == std::errc{} && end == value.data() + value.size() && bytes < needed) {
        fail(node_of(name), key,
             key + " (" + value + ") is below the largest record limits.max_event_bytes needs (" +
                 std::to_string(needed) + "): raise it or lower limits.max_event_bytes");
      }
    }
    // ssl.ca.location, ssl.key.location, sasl.kerberos.keytab...: librdkafka opens them when a
    // client is created. "probe" asks librdkafka to search the usual CA paths.
    const bool names_a_file = name.ends_with(".location") || name == "sasl.kerberos.keytab";
    if (names_a_file && !value.empty() && value != "probe" && ::access(value.c_str(), R_OK) != 0) {
      fail(node_of(name), key, key + ": cannot read \"" + value + "\": " + std::strerror(errno));
    }
  }
}

}  // namespace hookd::config::detail
