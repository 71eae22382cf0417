// An immutable set of subscriptions with the index the delivery path matches events against.
//
// Matching cost is O(enabled subscriptions of the event's company): the index maps a
// company id to its enabled subscriptions, so one tenant's 10k webhooks never slow another
// tenant's events, and a lookup never allocates (the keys are string_views into the
// subscriptions the snapshot owns).
//
// Memory: a snapshot holds one shared pointer per subscription (a sorted vector, not a copy
// of the table's set) and the company index, so a table of a million costs the table (about
// 840 bytes a subscription, subscription.h) plus about 40 bytes per subscription per
// snapshot (docs/benchmarks.md, subscription scale).
#pragma once

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "events/envelope.h"
#include "subscriptions/subscription.h"

namespace hookd::subscriptions {

// Orders subscriptions by id and finds one by its id alone (find, count, lower_bound).
struct ById {
  using is_transparent = void;
  static std::string_view id_of(const std::shared_ptr<const Subscription>& s) { return s->id(); }
  static std::string_view id_of(std::string_view id) { return id; }
  bool operator()(const auto& a, const auto& b) const { return id_of(a) < id_of(b); }
};

// The subscriptions by id, each once. A set rather than a map from id: the key is the
// subscription's own id, so nothing is stored twice and no key can outlive its subscription.
// No null entries.
using SubscriptionsById = std::set<std::shared_ptr<const Subscription>, ById>;

class Snapshot {
 public:
  // An empty snapshot: matches nothing.
  Snapshot() = default;
  explicit Snapshot(const SubscriptionsById& subscriptions);

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // Appends to `out` every subscription the event must be delivered to, in id order:
  // enabled, companyId == the event's company id, the event type in `events` (or `events`
  // empty), the event's project in `project_ids` (or `project_ids` empty; an event
  // without a project matches only an empty list), and the record filter, if any, holds
  // (evaluated last, only for candidates that passed the rest, on a per-thread
  // EventDocument read once per event). The pointers live as long as this
  // snapshot; a delivery that outlives it takes `shared_from_this()`.
  // No allocation beyond `out`'s growth, no lock.
  void match(const events::Event& event, std::vector<const Subscription*>& out) const;

  // The subscription with this id, enabled or not; nullptr if there is none. For the retry
  // path, which carries a webhook id and must use the current URL and secret.
  const Subscription* find(std::string_view id) const;

  std::size_t size() const { return by_id_.size(); }
  std::size_t enabled_count() const { return enabled_count_; }
  std::size_t disabled_count() const { return by_id_.size() - enabled_count_; }

 private:
  // Every subscription, in id order (find() is a binary search).
  std::vector<std::shared_ptr<const Subscription>> by_id_;
  // Views into the subscriptions held by by_id_; enabled subscriptions only, in id order.
  std::unordered_map<std::string_view, std::vector<const Subscription*>> enabled_by_company_;
  std::size_t enabled_count_ = 0;
};

}  // namespace hookd::subscriptions
