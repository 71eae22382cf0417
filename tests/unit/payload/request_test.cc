// The request of one attempt: headers in order, signatures over the body and the attempt's
// moment, the body shared rather than copied.
#include "payload/request.h"

#include "delivery/target_url.h"
#include "signing/signature.h"
#include "subscriptions/parse.h"

#include <gtest/gtest.h>

#include <map>

namespace hookd::payload {
namespace {

constexpr std::int64_t kNowMs = 1'700'000'000'250;

std::shared_ptr<const subscriptions::Subscription> webhook() {
  return subscriptions::Subscription::make(
      {.id = "wh_1", .url = "https://hooks.example.com/in", .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"});
}

std::map<std::string, std::string> by_name(const delivery::Request& r) {
  return {r.headers.begin(), r.headers.end()};
}

TEST(AttemptRequest, CarriesTheStandardWebhooksAndBlueHeaders) {
  const auto owner = webhook();
  const auto& sub = *owner;
  auto body = std::make_shared<const std::string>(R"({"event":"TODO_CREATED"})");
  const auto request = build_request(sub, {"msg_abc", "TODO_CREATED", 3}, body, "hookd/test", kNowMs);
  EXPECT_EQ(request.url, sub.url());
  EXPECT_EQ(request.body.get(), body.get());  // shared, not copied
  const auto h = by_name(request);
  EXPECT_EQ(h.at("content-type"), "application/json");
  EXPECT_EQ(h.at("user-agent"), "hookd/test");
  EXPECT_EQ(h.at("webhook-id"), "msg_abc");
  EXPECT_EQ(h.at("webhook-timestamp"), "1700000000");
  EXPECT_EQ(h.at("webhook-signature"),
            signing::standard_webhooks_signature(sub.signing_key(), "msg_abc", 1'700'000'000, *body));
  EXPECT_EQ(h.at("x-signature"), signing::blue_signature_hex(sub.signing_key(), *body));
  EXPECT_EQ(h.at("x-blue-event"), "TODO_CREATED");
  EXPECT_EQ(h.at("x-blue-webhook-id"), "wh_1");
  EXPECT_EQ(h.at("x-blue-attempt"), "3");
  EXPECT_EQ(request.headers.begin()->first, "content-type");
  EXPECT_EQ(request.headers.size(), 9u);
  EXPECT_EQ(request.headers.refusal(), "");
}

// The client takes the request's split URL instead of parsing `url` again: the subscription's
// parts must be exactly what the client's own reading of the URL gives.
TEST(AttemptRequest, CarriesItsUrlSplitAsTheClientWouldSplitIt) {
  for (const std::string url : {"https://hooks.example.com/in", "http://Hooks.Example.COM./a/b?x=1&y=%20",
                                "https://127.0.0.1:8443", "https://[::ABCD]:9000/p?q", "http://example.com:/x",
                                "https://example.com?only=query", "http://example.com:80/"}) {
    const auto parsed = subscriptions::parse_subscription("wh_1", R"({"id":"wh_1","companyId":"c","url":")" + url + "\"}");
    const auto* owner = std::get_if<std::shared_ptr<const subscriptions::Subscription>>(&parsed);
    ASSERT_NE(owner, nullptr) << url;
    const auto request = build_request(**owner, {"msg_abc", "X", 1}, std::make_shared<const std::string>("{}"), "ua", kNowMs);
    const auto expected = delivery::parse_target_url(url);
    ASSERT_TRUE(expected.has_value()) << url;
    ASSERT_TRUE(request.target.has_value()) << url;
    EXPECT_EQ(request.target->tls, expected->tls) << url;
    EXPECT_EQ(request.target->host, expected->host) << url;
    EXPECT_EQ(request.target->port, expected->port) << url;
    EXPECT_EQ(request.target->target, expected->target) << url;
    EXPECT_EQ(request.target->origin, expected->origin) << url;
  }
}

TEST(AttemptRequest, IsStampedWithTheMomentItGoesOut) {
  const auto owner = webhook();
  const auto& sub = *owner;
  auto body = std::make_shared<const std::string>("{}");
  const auto early = build_request(sub, {"msg_abc", "X", 1}, body, "ua", kNowMs);
  const auto late = build_request(sub, {"msg_abc", "X", 1}, body, "ua", kNowMs + 61'000);
  EXPECT_EQ(by_name(late).at("webhook-timestamp"), "1700000061");
  EXPECT_NE(by_name(early).at("webhook-signature"), by_name(late).at("webhook-signature"));
}

TEST(AttemptRequest, WithinTheSecondItWasBuiltInTheSameWebhookGivesTheSameRequest) {
  const auto owner = webhook();
  const auto& sub = *owner;
  auto body = std::make_shared<const std::string>("{}");
  const auto built = build_request(sub, {"msg_abc", "X", 1}, body, "ua", kNowMs);
  // kNowMs is 250 ms into its second.
  EXPECT_TRUE(same_request_at(sub, kNowMs, kNowMs + 749));
  EXPECT_EQ(by_name(build_request(sub, {"msg_abc", "X", 1}, body, "ua", kNowMs + 749)), by_name(built));
  EXPECT_FALSE(same_request_at(sub, kNowMs, kNowMs + 750));  // the next second: a new timestamp

  // A previous secret that expires in between drops out of webhook-signature.
  const auto with_previous = [](std::int64_t expires_unix_ms) {
    return subscriptions::Subscription::make({.id = "wh_1",
                                              .url = "https://hooks.example.com/in",
                                              .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                              .previous_keys = {{signing::make_signing_key("whsec_old"), expires_unix_ms}}});
  };
  const auto rotating = with_previous(kNowMs + 100);
  EXPECT_FALSE(same_request_at(*rotating, kNowMs, kNowMs + 100));
  EXPECT_TRUE(same_request_at(*rotating, kNowMs, kNowMs + 99));
  EXPECT_NE(by_name(build_request(*rotating, {"msg_abc", "X", 1}, body, "ua", kNowMs)).at("webhook-signature"),
            by_name(build_request(*rotating, {"msg_abc", "X", 1}, body, "ua", kNowMs + 100)).at("webhook-signature"));
  // One that had expired already when the request was built changes nothing.
  EXPECT_TRUE(same_request_at(*with_previous(kNowMs), kNowMs, kNowMs + 700));
}

TEST(AttemptRequest, AWebhookWithoutKeysIsSentUnsigned) {
  const auto sub = subscriptions::Subscription::make({.id = "wh_2", .url = "https://x.example/"});
  const auto request = build_request(*sub, {"m", "X", 1}, std::make_shared<const std::string>("{}"), "ua", kNowMs);
  const auto h = by_name(request);
  EXPECT_FALSE(h.contains("webhook-signature"));
  EXPECT_FALSE(h.contains("x-signature"));
}

}  // namespace
}  // namespace hookd::payload
