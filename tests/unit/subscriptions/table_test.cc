#include "subscriptions/table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_records.h"

namespace hookd::subscriptions {
namespace {

using testing::event;
using testing::Record;
using testing::to_json;

std::vector<std::string> urls_for(const Snapshot& snapshot, const events::Event& e) {
  std::vector<const Subscription*> out;
  snapshot.match(e, out);
  std::vector<std::string> urls;
  for (const Subscription* s : out) urls.emplace_back(s->url());
  return urls;
}

using Urls = std::vector<std::string>;

TEST(SubscriptionTable, CreateUpdateAndTombstone) {
  SubscriptionTable table;
  EXPECT_FALSE(table.apply("w1", to_json({.id = "w1", .url = "https://one.example/"})));
  EXPECT_EQ(urls_for(*table.build_snapshot(), event("c1", "X")), Urls{"https://one.example/"});

  // An update replaces the URL: the next snapshot delivers to the new one only.
  EXPECT_FALSE(table.apply("w1", to_json({.id = "w1", .url = "https://two.example/"})));
  EXPECT_EQ(urls_for(*table.build_snapshot(), event("c1", "X")), Urls{"https://two.example/"});

  // A disable keeps the webhook known but stops deliveries.
  EXPECT_FALSE(table.apply("w1", to_json({.id = "w1", .enabled = false, .url = "https://two.example/"})));
  auto disabled = table.build_snapshot();
  EXPECT_EQ(urls_for(*disabled, event("c1", "X")), Urls{});
  EXPECT_EQ(disabled->disabled_count(), 1u);

  EXPECT_FALSE(table.apply("w1", std::nullopt));
  auto deleted = table.build_snapshot();
  EXPECT_EQ(deleted->size(), 0u);
  EXPECT_EQ(deleted->find("w1"), nullptr);
}

TEST(SubscriptionTable, TombstoneForUnknownIdChangesNothing) {
  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1"}));
  const auto before = table.version();
  EXPECT_FALSE(table.apply("nope", std::nullopt));
  EXPECT_EQ(table.version(), before);
  EXPECT_EQ(table.size(), 1u);
}

TEST(SubscriptionTable, InvalidVersionRemovesTheValidOne) {
  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1", .url = "https://old.example/", .secret = "old-secret"}));
  table.apply("w2", to_json({.id = "w2", .url = "https://other.example/"}));
  const auto before = table.version();

  // The new version is refused (ftp URL): the old URL and secret must not stay in use.
  auto bad = table.apply("w1", to_json({.id = "w1", .url = "ftp://new.example/"}));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->reason, InvalidReason::invalid_url);
  EXPECT_GT(table.version(), before);

  auto snapshot = table.build_snapshot();
  EXPECT_EQ(snapshot->find("w1"), nullptr);
  EXPECT_EQ(urls_for(*snapshot, event("c1", "X")), Urls{"https://other.example/"});

  // A later valid version brings it back.
  EXPECT_FALSE(table.apply("w1", to_json({.id = "w1", .url = "https://new.example/"})));
  EXPECT_EQ(urls_for(*table.build_snapshot(), event("c1", "X")),
            (Urls{"https://new.example/", "https://other.example/"}));
}

TEST(SubscriptionTable, InvalidReasonsAreReturned) {
  SubscriptionTable table;
  EXPECT_EQ(table.apply("w1", "{oops")->reason, InvalidReason::not_json);
  EXPECT_EQ(table.apply("w1", "[]")->reason, InvalidReason::not_object);
  EXPECT_EQ(table.apply("w2", to_json({.id = "w1"}))->reason, InvalidReason::key_mismatch);
  EXPECT_EQ(table.apply("w1", R"({"id":"w1","companyId":"c1","url":"https://h/","filter":{"a":{"$x":1}}})")->reason,
            InvalidReason::invalid_filter);
  EXPECT_EQ(table.size(), 0u);
}

TEST(SubscriptionTable, KeyMismatchRemovesTheRecordKeysWebhook) {
  // The record key is what compaction keys on: a bad value under key w1 replaces w1.
  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1"}));
  table.apply("w2", to_json({.id = "w2"}));
  EXPECT_EQ(table.apply("w1", to_json({.id = "w2"}))->reason, InvalidReason::key_mismatch);
  auto snapshot = table.build_snapshot();
  EXPECT_EQ(snapshot->find("w1"), nullptr);
  EXPECT_NE(snapshot->find("w2"), nullptr);
}

TEST(SubscriptionTable, UnchangedSubscriptionsAreSharedAcrossSnapshots) {
  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1"}));
  table.apply("w2", to_json({.id = "w2"}));
  auto first = table.build_snapshot();
  table.apply("w2", to_json({.id = "w2", .url = "https://changed.example/"}));
  auto second = table.build_snapshot();
  EXPECT_EQ(first->find("w1"), second->find("w1"));  // same object, not a copy
  EXPECT_NE(first->find("w2"), second->find("w2"));
  EXPECT_EQ(first->find("w2")->url(), "https://hooks.example/in");  // old snapshot unchanged
}

TEST(SubscriptionTable, LastRecordWinsOnReplay) {
  // Replaying the compacted topic from the beginning: records apply in offset order.
  SubscriptionTable table;
  table.apply("w1", to_json({.id = "w1", .company = "c1"}));
  table.apply("w1", std::nullopt);
  table.apply("w1", to_json({.id = "w1", .company = "c2"}));
  auto snapshot = table.build_snapshot();
  EXPECT_EQ(urls_for(*snapshot, event("c1", "X")), Urls{});
  EXPECT_EQ(urls_for(*snapshot, event("c2", "X")), Urls{"https://hooks.example/in"});
}

}  // namespace
}  // namespace hookd::subscriptions
