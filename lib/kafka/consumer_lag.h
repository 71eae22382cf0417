// Consumer lag per partition from librdkafka's statistics JSON (statistics.interval.ms),
// for hookd_consumer_lag{topic,partition}.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace hookd::kafka {

using LagCallback = std::function<void(std::string_view topic, std::int32_t partition, std::int64_t lag)>;

// Calls `on_lag` for every topics.<t>.partitions.<p>.consumer_lag, skipping the internal
// partition -1 and unknown lags (-1). Returns false, without calling anything, when the
// text is not a JSON object; fields of the wrong type are skipped.
bool parse_consumer_lag(std::string_view stats_json, const LagCallback& on_lag);

}  // namespace hookd::kafka
