// lib/metrics cannot see the enums whose words label its families, so it keeps its own lists
// (metrics/label_words.h). These tests hold the lists to the enums: a word missing from a list
// would have no series until its first increment, and a stale word a series that never moves.
#include "metrics/label_words.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "delivery/types.h"
#include "events/envelope.h"
#include "health/status.h"
#include "subscriptions/subscription.h"

namespace hookd {
namespace {

// Every enumerator from the first to `last`, as to_string names it. The value after `last`
// must fall through to_string's switch to `fallback`: an enumerator added after `last` fails
// that check, so `last` gets updated.
template <typename Enum, typename ToString>
std::vector<std::string> words_up_to(Enum last, ToString to_string, std::string_view fallback) {
  using Int = std::underlying_type_t<Enum>;
  std::vector<std::string> words;
  for (Int i = 0; i <= static_cast<Int>(last); ++i) words.emplace_back(to_string(static_cast<Enum>(i)));
  EXPECT_EQ(to_string(static_cast<Enum>(static_cast<Int>(last) + 1)), fallback)
      << "an enumerator follows the one the test names as last: update the test";
  return words;
}

bool has(std::span<const std::string_view> list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

TEST(MetricLabels, InvalidEventReasonsAreEveryEventsWord) {
  const auto words = words_up_to(events::InvalidReason::invalid_field,
                                 [](events::InvalidReason r) { return events::to_string(r); }, "unknown");
  for (const auto& word : words) EXPECT_TRUE(has(metrics::kInvalidEventReasons, word)) << word;
  EXPECT_EQ(metrics::kInvalidEventReasons.size(), words.size());
}

TEST(MetricLabels, AttemptResultsAreEveryDeliveryWordButCancelled) {
  // to_string's fallback is "protocol_error", a real word: the check still fails once a new
  // enumerator after cancelled gets a word of its own.
  const auto words = words_up_to(delivery::AttemptResult::cancelled,
                                 [](delivery::AttemptResult r) { return delivery::to_string(r); }, "protocol_error");
  for (const auto& word : words) {
    // cancelled is no attempt: the deliverer defers the delivery and counts nothing.
    if (word == "cancelled") {
      EXPECT_FALSE(has(metrics::kAttemptResults, word));
    } else {
      EXPECT_TRUE(has(metrics::kAttemptResults, word)) << word;
    }
  }
  EXPECT_EQ(metrics::kAttemptResults.size(), words.size() - 1);
}

TEST(MetricLabels, InvalidSubscriptionReasonsAreEverySubscriptionsWord) {
  const auto words = words_up_to(subscriptions::InvalidReason::filter_too_large,
                                 [](subscriptions::InvalidReason r) { return subscriptions::to_string(r); }, "unknown");
  for (const auto& word : words) EXPECT_TRUE(has(metrics::kInvalidSubscriptionReasons, word)) << word;
  EXPECT_EQ(metrics::kInvalidSubscriptionReasons.size(), words.size());
}

TEST(MetricLabels, WebhookStatusesAreEveryHealthMetricWord) {
  const auto words =
      words_up_to(health::Status::gone, [](health::Status s) { return health::metric_word(s); }, "unknown");
  for (const auto& word : words) EXPECT_TRUE(has(metrics::kWebhookStatuses, word)) << word;
  EXPECT_EQ(metrics::kWebhookStatuses.size(), words.size());
}

}  // namespace
}  // namespace hookd
