// The compact form of a subscription (subscription.h): every field reads back as given, and the
// fields the webhook JSON already spells share its bytes (docs/benchmarks.md, subscription scale).
#include "subscriptions/subscription.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "subscriptions/snapshot.h"

namespace hookd::subscriptions {
namespace {

using ::testing::ElementsAre;

// True when `field` lies inside `text`: it has no bytes of its own.
bool inside(std::string_view field, std::string_view text) {
  return field.data() >= text.data() && field.data() + field.size() <= text.data() + text.size();
}

TEST(Subscription, EveryFieldReadsBackAsGiven) {
  const auto s = Subscription::make({.id = "wh_1",
                                     .company_id = "c1",
                                     .url = "HTTPS://Hooks.Example:8443/in?t=1",
                                     .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                     .enabled = false,
                                     .rate_limit_per_second = 2.5,
                                     .events = {"A_CREATED", "B_DELETED"},
                                     .project_ids = {"p1"},
                                     .webhook_json = R"({"id":"wh_1"})",
                                     .https = true,
                                     .host = "hooks.example",
                                     .port = 8443,
                                     .target = "/in?t=1"});
  EXPECT_EQ(s->id(), "wh_1");
  EXPECT_EQ(s->company_id(), "c1");
  EXPECT_EQ(s->url(), "HTTPS://Hooks.Example:8443/in?t=1");
  EXPECT_EQ(s->webhook_json(), R"({"id":"wh_1"})");  // the lists stored before it do not show
  EXPECT_EQ(s->origin(), "https://hooks.example:8443");
  EXPECT_TRUE(s->https());
  EXPECT_EQ(s->host(), "hooks.example");
  EXPECT_EQ(s->port(), 8443);
  EXPECT_EQ(s->target(), "/in?t=1");
  const signing::SigningKey key = signing::make_signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(s->signing_key().secret, key.secret);
  // The key is derived while signing, and signs as the one derived up front.
  EXPECT_FALSE(s->signing_key().hmac_key.has_value());
  EXPECT_EQ(signing::standard_webhooks_signature(s->signing_key(), "msg_1", 1614265330, "{}"),
            signing::standard_webhooks_signature(key, "msg_1", 1614265330, "{}"));
  EXPECT_FALSE(s->enabled());
  EXPECT_EQ(s->rate_limit_per_second(), 2.5);
  EXPECT_THAT(s->events(), ElementsAre("A_CREATED", "B_DELETED"));
  EXPECT_THAT(s->project_ids(), ElementsAre("p1"));
  EXPECT_TRUE(s->previous_keys().empty());
  EXPECT_FALSE(s->ed25519_key().has_value());
  EXPECT_EQ(s->filter(), nullptr);
}

TEST(Subscription, AnEmptyOneReadsBackEmpty) {
  const auto s = Subscription::make({});
  EXPECT_EQ(s->id(), "");
  EXPECT_EQ(s->webhook_json(), "");
  EXPECT_TRUE(s->signing_key().empty());
  EXPECT_TRUE(s->events().empty());
  EXPECT_TRUE(s->project_ids().empty());
  EXPECT_EQ(s->events().begin(), s->events().end());
}

TEST(Subscription, FieldsTheJsonSpellsShareItsBytes) {
  const std::string json =
      R"({"id":"wh_1","url":"https://hooks.example/in","companyId":"c1",)"
      R"("metadata":{"events":["TODO_CREATED"],"projectIds":["p1"]}})";
  const auto s = Subscription::make({.id = "wh_1",
                                     .company_id = "c1",
                                     .url = "https://hooks.example/in",
                                     .events = {"TODO_CREATED"},
                                     .project_ids = {"p1"},
                                     .webhook_json = json,
                                     .host = "hooks.example",
                                     .port = 443,
                                     .target = "/in"});
  const std::string_view text = s->webhook_json();
  EXPECT_EQ(text, json);
  for (std::string_view field : {s->id(), s->company_id(), s->url(), s->host(), s->target(), s->events()[0],
                                 s->project_ids()[0]}) {
    EXPECT_TRUE(inside(field, text)) << field;
  }
  EXPECT_EQ(s->origin(), "https://hooks.example:443");  // built, not stored: the JSON never spells the default port
}

TEST(Subscription, TheOriginBracketsAnIpv6HostAndComparesByItsParts) {
  const auto v6 = Subscription::make({.https = false, .host = "::1", .port = 8080});
  EXPECT_EQ(v6->origin(), "http://[::1]:8080");
  const auto a = Subscription::make({.url = "https://h.example/a", .https = true, .host = "h.example", .port = 443});
  const auto b = Subscription::make({.url = "https://h.example/b", .https = true, .host = "h.example", .port = 443});
  EXPECT_TRUE(a->same_origin(*b));
  for (const auto& other : {Subscription::make({.https = false, .host = "h.example", .port = 443}),
                            Subscription::make({.https = true, .host = "g.example", .port = 443}),
                            Subscription::make({.https = true, .host = "h.example", .port = 8443})}) {
    EXPECT_FALSE(a->same_origin(*other)) << other->origin();
  }
}

TEST(Subscription, HoldsItsSecretOnce) {
  // The JSON without the secret, as parse_subscription gives it: the block is the lists'
  // offsets, the JSON and the secret, and nothing derived from them.
  const std::string json =
      R"({"id":"wh_1","url":"https://hooks.example/in","companyId":"c1","events":["TODO_CREATED"]})";
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const auto s = Subscription::make({.id = "wh_1",
                                     .company_id = "c1",
                                     .url = "https://hooks.example/in",
                                     .secret = secret,
                                     .events = {"TODO_CREATED"},
                                     .webhook_json = json,
                                     .https = true,
                                     .host = "hooks.example",
                                     .port = 443,
                                     .target = "/in"});
  EXPECT_EQ(s->block_bytes(), 8 + json.size() + secret.size());
}

TEST(Subscription, ListsAreSortedRangesWithBinarySearch) {
  const auto s = Subscription::make({.events = {"A", "B", "D"}, .project_ids = {"p1", "p2"}});
  const Subscription::TextList events = s->events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events.front(), "A");
  EXPECT_EQ(events[2], "D");
  EXPECT_EQ(events.end() - events.begin(), 3);
  EXPECT_TRUE(events.contains("B"));
  EXPECT_FALSE(events.contains("C"));
  EXPECT_FALSE(events.contains("p1"));  // the projects that follow are not events
  EXPECT_TRUE(s->project_ids().contains("p2"));
  EXPECT_FALSE(s->project_ids().contains("D"));
  EXPECT_EQ(std::vector<std::string>(events.begin(), events.end()), (std::vector<std::string>{"A", "B", "D"}));
}

TEST(SubscriptionsById, OrdersByIdAndFindsByIdAlone) {
  SubscriptionsById by_id;
  by_id.insert(Subscription::make({.id = "b"}));
  by_id.insert(Subscription::make({.id = "a"}));
  EXPECT_FALSE(by_id.insert(Subscription::make({.id = "a", .url = "https://other.example/"})).second);
  ASSERT_EQ(by_id.size(), 2u);
  EXPECT_EQ((*by_id.begin())->id(), "a");
  EXPECT_EQ((*by_id.begin())->url(), "");  // the first kept
  const auto found = by_id.find(std::string_view("b"));
  ASSERT_NE(found, by_id.end());
  EXPECT_EQ((*found)->id(), "b");
  EXPECT_EQ(by_id.find(std::string("c")), by_id.end());
}

}  // namespace
}  // namespace hookd::subscriptions
