#include "worker/subscription_feed.h"

#include "common/log.h"

namespace hookd::worker {

SubscriptionFeed::SubscriptionFeed(const kafka::ClientSettings& settings, std::string topic,
                                   subscriptions::SnapshotStore& store, metrics::Metrics& metrics)
    : reader_(settings, kafka::TableReaderOptions{.topic = std::move(topic)}), store_(store), metrics_(metrics) {}

SubscriptionFeed::~SubscriptionFeed() { stop(); }

void SubscriptionFeed::start() {
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void SubscriptionFeed::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  running_ = false;
}

void SubscriptionFeed::run() {
  bool changed = false;
  while (!stop_.load(std::memory_order_relaxed)) {
    reader_.poll(std::chrono::milliseconds(100), [&](std::string_view key, std::optional<std::string_view> value) {
      changed = true;
      if (auto invalid = table_.apply(key, value)) {
        metrics::Metrics::with(metrics_.subscriptions_invalid, "reason",
                               std::string(subscriptions::to_string(invalid->reason)))
            .Increment();
        // The table logs the id and reason; the detail never carries a secret or URL path.
      }
    });
    store_.release_unused();
    metrics_.snapshots_retained.Set(static_cast<double>(store_.retained()));
    // Before the first catch-up a snapshot would be partial: deliveries wait for the whole table.
    if (!reader_.caught_up()) continue;
    if (changed || !ready_.load(std::memory_order_relaxed)) {
      publish();
      changed = false;
      if (!ready_.exchange(true)) {
        metrics_.snapshot_ready.Set(1);
        log::info("subscription snapshot loaded", {{"subscriptions", static_cast<long long>(table_.size())}});
      }
    }
  }
}

void SubscriptionFeed::publish() {
  auto snapshot = table_.build_snapshot();
  metrics_.subscriptions_enabled.Set(static_cast<double>(snapshot->enabled_count()));
  metrics_.subscriptions_disabled.Set(static_cast<double>(snapshot->disabled_count()));
  store_.publish(std::move(snapshot));
}

}  // namespace hookd::worker
