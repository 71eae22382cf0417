#include "inspect/snapshot_load.h"

#include "kafka/table_reader.h"
#include "subscriptions/table.h"

namespace hookd::inspect {

LoadedSnapshot load_snapshot(const kafka::ClientSettings& settings, const std::string& topic,
                             std::chrono::milliseconds timeout) {
  LoadedSnapshot loaded;
  kafka::TableReader reader(settings, kafka::TableReaderOptions{.topic = topic});
  subscriptions::SubscriptionTable table;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reader.caught_up()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      loaded.error = reader.topic_found()
                         ? "the subscriptions topic " + topic + " was not read to its end within " +
                               std::to_string(timeout.count()) + " ms"
                         : "the subscriptions topic " + topic + " was not found within " +
                               std::to_string(timeout.count()) + " ms (missing, or Kafka unreachable)";
      return loaded;
    }
    reader.poll(std::chrono::milliseconds(100), [&](std::string_view key, std::optional<std::string_view> value) {
      if (auto invalid = table.apply(key, value)) {
        loaded.refused.insert_or_assign(std::string(key), std::move(*invalid));
      } else {
        loaded.refused.erase(std::string(key));
      }
    });
  }
  loaded.snapshot = table.build_snapshot();
  return loaded;
}

}  // namespace hookd::inspect
