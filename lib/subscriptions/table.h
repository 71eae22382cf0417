// The current state of the compacted subscriptions topic, applied record by record.
//
// The subscriptions reader (one thread) applies records in offset order and, after a batch,
// builds a Snapshot and publishes it to a SnapshotStore. Not thread-safe: one owner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "subscriptions/snapshot.h"
#include "subscriptions/subscription.h"

namespace hookd::subscriptions {

class SubscriptionTable {
 public:
  // Applies one record of the subscriptions topic:
  //  - nullopt value (a tombstone): the webhook is deleted;
  //  - a valid value: the webhook is created or replaced;
  //  - an invalid value: any previous version of the webhook is REMOVED, so it is never
  //    delivered to with a stale URL or secret, and the Invalid is returned.
  // An invalid record is logged here (webhook id, reason and detail; never the secret or
  // the URL); the caller only counts it (hookd_subscriptions_invalid_total{reason}).
  std::optional<Invalid> apply(std::string_view key, std::optional<std::string_view> value);

  // A snapshot of the current state. Unchanged subscriptions are shared with earlier
  // snapshots, not copied; the cost is one map copy and one index build, O(n).
  std::shared_ptr<const Snapshot> build_snapshot() const;

  // Moves on every apply() that changed the table; lets the caller skip rebuilding a
  // snapshot after a batch that changed nothing.
  std::uint64_t version() const { return version_; }
  std::size_t size() const { return subscriptions_.size(); }

 private:
  SubscriptionsById subscriptions_;
  std::uint64_t version_ = 0;
};

}  // namespace hookd::subscriptions
