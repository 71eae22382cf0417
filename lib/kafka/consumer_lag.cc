#include "kafka/consumer_lag.h"

#include <cstdint>
#include <optional>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace hookd::kafka {
namespace {

std::optional<std::int64_t> as_int(const boost::json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

}  // namespace

bool parse_consumer_lag(std::string_view stats_json, const LagCallback& on_lag) {
  boost::json::error_code ec;
  const boost::json::value root = boost::json::parse(stats_json, ec);
  if (ec || !root.is_object()) return false;
  const auto* topics = root.as_object().if_contains("topics");
  if (topics == nullptr || !topics->is_object()) return true;
  for (const auto& [topic_name, topic] : topics->get_object()) {
    if (!topic.is_object()) continue;
    const auto* partitions = topic.get_object().if_contains("partitions");
    if (partitions == nullptr || !partitions->is_object()) continue;
    for (const auto& [key, partition] : partitions->get_object()) {
      if (!partition.is_object()) continue;
      const auto& fields = partition.get_object();
      const auto id = as_int(fields.if_contains("partition"));
      const auto lag = as_int(fields.if_contains("consumer_lag"));
      if (!id || !lag || *id < 0 || *id > INT32_MAX || *lag < 0) continue;
      on_lag(std::string_view(topic_name.data(), topic_name.size()), static_cast<std::int32_t>(*id), *lag);
    }
  }
  return true;
}

}  // namespace hookd::kafka
