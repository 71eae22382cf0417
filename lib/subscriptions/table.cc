#include "subscriptions/table.h"

#include <string>
#include <utility>
#include <variant>

#include "common/log.h"
#include "subscriptions/parse.h"

namespace hookd::subscriptions {

std::optional<Invalid> SubscriptionTable::apply(std::string_view key,
                                                std::optional<std::string_view> value) {
  if (!value) {
    if (auto it = subscriptions_.find(key); it != subscriptions_.end()) {
      subscriptions_.erase(it);
      ++version_;
    }
    return std::nullopt;
  }

  ParseResult parsed = parse_subscription(key, *value);
  if (auto* subscription = std::get_if<std::shared_ptr<const Subscription>>(&parsed)) {
    // The record key is the new subscription's id (parse_subscription checks), so a replaced
    // entry keeps its place in the set: its node is reused.
    if (auto it = subscriptions_.find(key); it != subscriptions_.end()) {
      auto node = subscriptions_.extract(it);
      node.value() = std::move(*subscription);
      subscriptions_.insert(std::move(node));
    } else {
      subscriptions_.insert(std::move(*subscription));
    }
    ++version_;
    return std::nullopt;
  }

  Invalid& bad = std::get<Invalid>(parsed);
  bool removed = false;
  if (auto it = subscriptions_.find(key); it != subscriptions_.end()) {
    subscriptions_.erase(it);
    ++version_;
    removed = true;
  }
  // The record key is the webhook id (ids are not secret); the detail never quotes a secret
  // or a URL. Bounded by the topic's size, so not rate-limited.
  log::warn("invalid webhook subscription refused",
            {{"webhook_id", key},
             {"reason", to_string(bad.reason)},
             {"detail", bad.detail},
             {"previous_version_removed", removed}});
  return std::move(bad);
}

std::shared_ptr<const Snapshot> SubscriptionTable::build_snapshot() const {
  return std::make_shared<const Snapshot>(subscriptions_);
}

}  // namespace hookd::subscriptions
