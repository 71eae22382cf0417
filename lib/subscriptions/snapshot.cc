#include "subscriptions/snapshot.h"

#include <algorithm>
#include <utility>

#include "subscriptions/filter_document.h"

namespace hookd::subscriptions {
namespace {

// Both lists are sorted and unique (parse_subscription sorts them).
bool scope_matches(const Subscription& s, const events::Event& event) {
  if (!s.events().empty() && !s.events().contains(event.type)) return false;
  if (s.project_ids().empty()) return true;
  return event.has_project && s.project_ids().contains(event.project_id);
}

// One per thread (the event loop, the retry loop), reused for every event, so a warm
// document allocates nothing. match() resets it before the first filter of each event.
EventDocument& thread_document() {
  thread_local EventDocument document;
  return document;
}

}  // namespace

Snapshot::Snapshot(const SubscriptionsById& subscriptions) {
  by_id_.reserve(subscriptions.size());
  for (const auto& subscription : subscriptions) {
    by_id_.push_back(subscription);
    if (!subscription->enabled()) continue;  // never a candidate: keeps matching lean
    ++enabled_count_;
    enabled_by_company_[subscription->company_id()].push_back(subscription.get());
  }
}

void Snapshot::match(const events::Event& event, std::vector<const Subscription*>& out) const {
  auto candidates = enabled_by_company_.find(event.company_id);
  if (candidates == enabled_by_company_.end()) return;
  EventDocument* document = nullptr;  // read lazily: only if a candidate has a filter
  for (const Subscription* s : candidates->second) {
    // The index already guarantees company_id == event.company_id; checked again because
    // tenant isolation must not rest on a single hash lookup being right.
    if (s->company_id() != event.company_id || !scope_matches(*s, event)) continue;
    if (s->filter() != nullptr) {
      if (document == nullptr) {
        document = &thread_document();
        document->reset(event);
      }
      if (!s->filter()->matches(*document)) continue;
    }
    out.push_back(s);
  }
}

const Subscription* Snapshot::find(std::string_view id) const {
  auto it = std::lower_bound(
      by_id_.begin(), by_id_.end(), id,
      [](const std::shared_ptr<const Subscription>& s, std::string_view key) { return s->id() < key; });
  return it != by_id_.end() && (*it)->id() == id ? it->get() : nullptr;
}

}  // namespace hookd::subscriptions
