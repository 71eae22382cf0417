// Inputs for the hot-path benchmark: a Blue-sized event (the seed's TODO_CREATED) and a
// subscription table of 10k webhooks over 1k companies, built through the real parser and
// table, so matching runs on the same index hookd builds.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "subscriptions/snapshot.h"

namespace hookd::bench {

inline constexpr int kCompanies = 1000;
inline constexpr int kWebhooksPerCompany = 10;
// Of the benchmark company's 10 webhooks, this many match the benchmark event; the others
// are scoped to another event type or another project, so match() does real filtering.
inline constexpr int kMatchingWebhooks = 8;

// The id of company `n` (0 <= n < kCompanies).
std::string company_id(int n);

// The company every benchmark event belongs to (one of the 1k).
std::string benchmark_company();

// The seed's TODO_CREATED envelope (about 2 KiB) for `company`, with the given event id.
std::string seed_event(const std::string& event_id, const std::string& company);

// 10k subscriptions (whsec_ secrets, seed-like metadata) applied to a SubscriptionTable;
// throws if any record is refused, so the benchmark never measures an empty index.
std::shared_ptr<const subscriptions::Snapshot> build_snapshot();

}  // namespace hookd::bench
