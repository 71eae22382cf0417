#include "subscriptions/parse.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace hookd::subscriptions {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kId = "clb4qaopy0000vt24mlp28v03";

// The seed's example webhook plus companyId, as the Blue application writes it.
constexpr std::string_view kSeedWebhook = R"({
  "id": "clb4qaopy0000vt24mlp28v03",
  "uid": "edb5b5d51dc9461a952160dbe72153b4",
  "name": "Testing webhook",
  "url": "https://hooks.example.com/blue?token=abc",
  "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  "status": "HEALTHY",
  "enabled": true,
  "companyId": "clakt8jud0002vt64205yyj10",
  "metadata": {
    "events": ["TODO_MOVED", "TODO_CREATED", "TODO_CREATED"],
    "projectIds": ["p2", "p1"]
  },
  "createdById": "claksl2ye0000vtas0h0ln71e",
  "createdAt": "2022-12-01T11:23:09.241Z",
  "updatedAt": "2022-12-01T11:23:09.241Z"
})";

std::shared_ptr<const Subscription> parse_ok(std::string_view key, std::string_view value) {
  ParseResult result = parse_subscription(key, value);
  if (const auto* bad = std::get_if<Invalid>(&result)) {
    ADD_FAILURE() << "refused: " << to_string(bad->reason) << ": " << bad->detail;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Subscription>>(result);
}

Invalid parse_bad(std::string_view key, std::string_view value) {
  ParseResult result = parse_subscription(key, value);
  if (!std::holds_alternative<Invalid>(result)) {
    ADD_FAILURE() << "accepted: " << value;
    return Invalid{InvalidReason::not_json, "accepted"};
  }
  return std::get<Invalid>(result);
}

// A minimal valid record with `extra` members appended.
std::string minimal(std::string_view extra = "", std::string_view url = "https://h.example/x") {
  std::string s = R"({"id":"w1","companyId":"c1","url":")" + std::string(url) + "\"";
  if (!extra.empty()) s += "," + std::string(extra);
  return s + "}";
}

TEST(ParseSubscription, SeedWebhookFields) {
  auto s = parse_ok(kId, kSeedWebhook);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->id(), kId);
  EXPECT_EQ(s->company_id(), "clakt8jud0002vt64205yyj10");
  EXPECT_EQ(s->url(), "https://hooks.example.com/blue?token=abc");
  EXPECT_EQ(s->signing_key().secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(signing::HmacKey(s->signing_key().secret).bytes(),
            signing::make_signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").hmac_key);
  EXPECT_FALSE(s->signing_key().empty());
  EXPECT_TRUE(s->enabled());
  EXPECT_THAT(s->events(), ElementsAre("TODO_CREATED", "TODO_MOVED"));  // sorted, unique
  EXPECT_THAT(s->project_ids(), ElementsAre("p1", "p2"));
  EXPECT_EQ(s->origin(), "https://hooks.example.com:443");
  EXPECT_TRUE(s->https());
  EXPECT_EQ(s->host(), "hooks.example.com");
  EXPECT_EQ(s->port(), 443);
  EXPECT_EQ(s->target(), "/blue?token=abc");
}

TEST(ParseSubscription, WebhookJsonIsTheRecordWithoutSecret) {
  auto s = parse_ok(kId, kSeedWebhook);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->webhook_json(),
            R"({"id":"clb4qaopy0000vt24mlp28v03","uid":"edb5b5d51dc9461a952160dbe72153b4",)"
            R"("name":"Testing webhook","url":"https://hooks.example.com/blue?token=abc",)"
            R"("status":"HEALTHY","enabled":true,"companyId":"clakt8jud0002vt64205yyj10",)"
            R"("metadata":{"events":["TODO_MOVED","TODO_CREATED","TODO_CREATED"],"projectIds":["p2","p1"]},)"
            R"("createdById":"claksl2ye0000vtas0h0ln71e","createdAt":"2022-12-01T11:23:09.241Z",)"
            R"("updatedAt":"2022-12-01T11:23:09.241Z"})");
  EXPECT_EQ(s->webhook_json().find("whsec_"), std::string::npos);
}

TEST(ParseSubscription, WebhookJsonKeepsValuesAsSentAndDropsOnlyTheRootSecret) {
  auto s = parse_ok("w1", R"({ "secret" : "s3cr3t", "id": "w1", "n": 1.50, "big": 123456789012345678901234,)"
                          R"( "e": -0.0e+3, "s": "a\"b\u0001\u00e9/", "nested": [1, {"secret": "kept"}, null, false, []],)"
                          R"( "companyId": "c1", "url": "https://h.example/x" } )");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->signing_key().secret, "s3cr3t");
  EXPECT_EQ(s->webhook_json(),
            "{\"id\":\"w1\",\"n\":1.50,\"big\":123456789012345678901234,\"e\":-0.0e+3,"
            "\"s\":\"a\\\"b\\u0001\xC3\xA9/\",\"nested\":[1,{\"secret\":\"kept\"},null,false,[]],"
            "\"companyId\":\"c1\",\"url\":\"https://h.example/x\"}");

  auto last = parse_ok("w1", minimal(R"("secret": "s3cr3t")"));
  ASSERT_NE(last, nullptr);
  EXPECT_EQ(last->webhook_json(), R"({"id":"w1","companyId":"c1","url":"https://h.example/x"})");
}

TEST(ParseSubscription, Defaults) {
  auto s = parse_ok("w1", minimal("", "http://h.example"));
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->enabled());
  EXPECT_TRUE(s->signing_key().secret.empty());
  EXPECT_TRUE(s->signing_key().empty());
  EXPECT_TRUE(s->events().empty());
  EXPECT_TRUE(s->project_ids().empty());
  EXPECT_FALSE(s->https());
  EXPECT_EQ(s->port(), 80);
  EXPECT_EQ(s->target(), "/");
  EXPECT_EQ(s->origin(), "http://h.example:80");
}

TEST(ParseSubscription, NullOptionalMembersCountAsAbsent) {
  auto s = parse_ok("w1", minimal(R"("secret":null,"enabled":null,"status":null,"filter":null,)"
                                  R"("metadata":{"events":null,"projectIds":null})"));
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->enabled());
  EXPECT_TRUE(s->signing_key().secret.empty());
  EXPECT_TRUE(s->events().empty());
  EXPECT_TRUE(s->project_ids().empty());
  EXPECT_NE(parse_ok("w1", minimal(R"("metadata":null)")), nullptr);
}

TEST(ParseSubscription, EmptyFilterAndEmptyListsAreAccepted) {
  auto s = parse_ok("w1", minimal(R"("filter":{},"metadata":{"events":[],"projectIds":[]},"status":"UNHEALTHY")"));
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->events().empty());
  EXPECT_TRUE(s->project_ids().empty());
  EXPECT_TRUE(s->enabled());  // status is informational
}

TEST(ParseSubscription, DisabledWebhook) {
  auto s = parse_ok("w1", minimal(R"("enabled":false)"));
  ASSERT_NE(s, nullptr);
  EXPECT_FALSE(s->enabled());
}

TEST(ParseSubscription, UrlForms) {
  auto v6 = parse_ok("w1", minimal("", "http://[::1]:8080/a/b?c=d"));
  ASSERT_NE(v6, nullptr);
  EXPECT_EQ(v6->host(), "::1");
  EXPECT_EQ(v6->port(), 8080);
  EXPECT_EQ(v6->origin(), "http://[::1]:8080");
  EXPECT_EQ(v6->target(), "/a/b?c=d");

  auto upper = parse_ok("w1", minimal("", "HTTPS://Hooks.Example.COM:8443?q=1"));
  ASSERT_NE(upper, nullptr);
  EXPECT_TRUE(upper->https());
  EXPECT_EQ(upper->host(), "hooks.example.com");
  EXPECT_EQ(upper->origin(), "https://hooks.example.com:8443");
  EXPECT_EQ(upper->target(), "/?q=1");
  EXPECT_EQ(upper->url(), "HTTPS://Hooks.Example.COM:8443?q=1");  // as received

  auto v4 = parse_ok("w1", minimal("", "https://127.0.0.1:/x"));  // empty port = default
  ASSERT_NE(v4, nullptr);
  EXPECT_EQ(v4->host(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 443);
  EXPECT_EQ(v4->origin(), "https://127.0.0.1:443");
}

// Webhook ids travel in request headers (x-blue-webhook-id): CR, LF or any other byte
// outside the pattern must never reach one.
TEST(ParseSubscription, IdsFollowTheDocumentedPattern) {
  const std::vector<std::string> good = {"w1", "clb4qaopy0000vt24mlp28v03", "wh-1", "evt_1", "a.b:c-d_e",
                                         std::string(128, 'x')};
  for (const std::string& id : good) {
    EXPECT_NE(parse_ok(id, R"({"id":")" + id + R"(","companyId":"c1","url":"https://h.example/x"})"), nullptr) << id;
  }
  // As written inside the JSON string: escapes stand for the characters they name.
  const std::vector<std::string> bad = {R"(w1\r\nx-injected: 1)", "w 1", R"(w\u0000)", R"(w\t1)", "w/1",
                                        R"(\u00e9t\u00e9)", std::string(129, 'x')};
  for (const std::string& id : bad) {
    const Invalid refused = parse_bad(id, R"({"id":")" + id + R"(","companyId":"c1","url":"https://h.example/x"})");
    EXPECT_EQ(refused.reason, InvalidReason::invalid_field) << id << ": " << refused.detail;
    EXPECT_NE(refused.detail.find("id is not"), std::string::npos) << refused.detail;
  }
}

// Boost.URL 1.81 reads "http://1.2.3.4.example.com/x" as host 1.2.3.4 and path
// ".example.com/x": such a URL would be delivered to an address its owner never named.
TEST(ParseSubscription, UrlWhosePathDoesNotStartWithASlashIsRefused) {
  for (const char* url : {"http://1.2.3.4.example.com/x", "https://10.0.0.1.attacker.example/hook",
                          "http://127.0.0.1.nip.io"}) {
    const Invalid bad = parse_bad("w1", minimal("", url));
    EXPECT_EQ(bad.reason, InvalidReason::invalid_url) << url << ": " << bad.detail;
    EXPECT_EQ(bad.detail.find("example"), std::string::npos) << "never quotes the URL";
  }
}

TEST(ParseSubscription, TrailingDotOfTheHostIsDroppedForOneOrigin) {
  auto dotted = parse_ok("w1", minimal("", "https://Hooks.Example.com.:8443/in"));
  ASSERT_NE(dotted, nullptr);
  EXPECT_EQ(dotted->host(), "hooks.example.com");
  EXPECT_EQ(dotted->origin(), "https://hooks.example.com:8443");
  EXPECT_EQ(dotted->target(), "/in");
  for (const char* url : {"https://example.com../", "https://./x"}) {
    EXPECT_EQ(parse_bad("w1", minimal("", url)).reason, InvalidReason::invalid_url) << url;
  }
}

// The HTTP client refuses a host that cannot be a DNS name (delivery/target_url.h); a
// subscription to one would only ever be blocked, so it is refused here, where it is visible.
TEST(ParseSubscription, HostThatCannotBeADnsNameIsRefused) {
  const std::vector<std::string> urls = {"https://a!b$c.example/", "https://a,b.example/", "https://a=b.example/",
                                         "https://h*.example/", "https://" + std::string(254, 'a') + "/"};
  for (const std::string& url : urls) {
    const Invalid bad = parse_bad("w1", minimal("", url));
    EXPECT_EQ(bad.reason, InvalidReason::invalid_url) << url << ": " << bad.detail;
  }
  auto longest = parse_ok("w1", minimal("", "https://" + std::string(253, 'a') + "/"));
  ASSERT_NE(longest, nullptr);
  auto underscore = parse_ok("w1", minimal("", "https://my_host-1.Example/"));
  ASSERT_NE(underscore, nullptr);
  EXPECT_EQ(underscore->host(), "my_host-1.example");
}

// Boost.URL 1.81's port_number() wraps some ports above 65535 (8088080 reads as 27152): such
// a webhook would have named one port and shown another in its origin.
TEST(ParseSubscription, PortAbove65535IsRefusedNotWrapped) {
  for (const char* url : {"https://h.example:8088080/x", "https://h.example:65536/x", "https://h.example:4294967297/x",
                          "https://h.example:99999999999999999999/x"}) {
    EXPECT_EQ(parse_bad("w1", minimal("", url)).reason, InvalidReason::invalid_url) << url;
  }
  auto padded = parse_ok("w1", minimal("", "https://h.example:0080/x"));
  ASSERT_NE(padded, nullptr);
  EXPECT_EQ(padded->port(), 80);
  EXPECT_EQ(padded->origin(), "https://h.example:80");
}

struct BadCase {
  std::string value;
  InvalidReason reason;
  std::string key = "w1";
};

// Shown by gtest for each case: the expected reason, not the struct's raw bytes.
void PrintTo(const BadCase& c, std::ostream* os) { *os << to_string(c.reason); }

class ParseRefuses : public ::testing::TestWithParam<BadCase> {};

TEST_P(ParseRefuses, WithItsReason) {
  const BadCase& c = GetParam();
  Invalid bad = parse_bad(c.key, c.value);
  EXPECT_EQ(bad.reason, c.reason) << c.value << " -> " << to_string(bad.reason) << ": " << bad.detail;
  EXPECT_FALSE(bad.detail.empty());
}

std::string deep(int levels) {
  std::string s = R"({"id":"w1","companyId":"c1","url":"https://h/","x":)";
  s += std::string(levels, '[') + std::string(levels, ']') + "}";
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseRefuses,
    ::testing::Values(
        BadCase{"", InvalidReason::not_json}, BadCase{"{", InvalidReason::not_json},
        BadCase{"not json", InvalidReason::not_json},
        BadCase{minimal() + " x", InvalidReason::not_json},  // trailing bytes
        BadCase{minimal() + "{}", InvalidReason::not_json},  // a second document
        BadCase{minimal("\"name\":\"\xff\""), InvalidReason::not_json},  // invalid UTF-8
        BadCase{minimal(R"("name":"a\ud800b")"), InvalidReason::not_json},  // lone surrogate
        BadCase{"/* c */" + minimal(), InvalidReason::not_json},
        BadCase{minimal(R"("x":[1,])"), InvalidReason::not_json},
        BadCase{minimal(R"("x":{"a" 1})"), InvalidReason::not_json},
        BadCase{deep(80), InvalidReason::not_json},
        BadCase{"[]", InvalidReason::not_object}, BadCase{"\"w1\"", InvalidReason::not_object},
        BadCase{"null", InvalidReason::not_object}, BadCase{"42", InvalidReason::not_object},
        BadCase{minimal(R"("id":"w1")"), InvalidReason::duplicate_key},
        BadCase{minimal(R"("secret":"a","secret":"b")"), InvalidReason::duplicate_key},
        BadCase{minimal(R"("metadata":{"events":[],"events":["A"]})"), InvalidReason::duplicate_key},
        BadCase{minimal(R"("x":[{"a":1,"\u0061":2}])"), InvalidReason::duplicate_key},  // after unescaping
        BadCase{R"({"companyId":"c1","url":"https://h/"})", InvalidReason::missing_field},
        BadCase{R"({"id":"w1","companyId":"c1"})", InvalidReason::missing_field},
        BadCase{R"({"id":"w1","url":"https://h/"})", InvalidReason::missing_field},
        BadCase{R"({"id":"w1","url":"https://h/","companyId":null})", InvalidReason::missing_field},
        BadCase{R"({"id":1,"companyId":"c1","url":"https://h/"})", InvalidReason::invalid_field},
        BadCase{R"({"id":"","companyId":"c1","url":"https://h/"})", InvalidReason::invalid_field, ""},
        BadCase{R"({"id":"w1","companyId":"","url":"https://h/"})", InvalidReason::invalid_field},
        BadCase{R"({"id":"w1","companyId":5,"url":"https://h/"})", InvalidReason::invalid_field},
        BadCase{R"({"id":"w1","companyId":"c1","url":5})", InvalidReason::invalid_field},
        BadCase{minimal(R"("secret":5)"), InvalidReason::invalid_field},
        BadCase{minimal(R"("enabled":"true")"), InvalidReason::invalid_field},
        BadCase{minimal(R"("status":1)"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":[])"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"events":"TODO_CREATED"})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"events":["todo_created"]})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"events":[""]})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"events":[1]})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"events":["A B"]})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"projectIds":"p1"})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"projectIds":[""]})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("metadata":{"projectIds":[null]})"), InvalidReason::invalid_field},
        BadCase{minimal(R"("filter":[])"), InvalidReason::invalid_field},
        BadCase{minimal(R"("filter":"x")"), InvalidReason::invalid_field},
        BadCase{minimal(), InvalidReason::key_mismatch, "w2"},
        BadCase{minimal(), InvalidReason::key_mismatch, "W1"},
        BadCase{minimal("", "ftp://h.example/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "ws://h.example/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "/relative/path"), InvalidReason::invalid_url},
        BadCase{minimal("", "h.example/x"), InvalidReason::invalid_url},
        BadCase{minimal("", ""), InvalidReason::invalid_url},
        BadCase{minimal("", "https://user:pw@h.example/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://user@h.example/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://@h.example/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://h.example:0/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://h.example:70000/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://ex%61mple.com/x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https:///x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https:x"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://h.example/x#fragment"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://h.example/a b"), InvalidReason::invalid_url},
        BadCase{minimal("", "https://[v1.fe]/x"), InvalidReason::invalid_url},
        BadCase{minimal(R"("filter":{"field":{"$unknown":1}})"), InvalidReason::invalid_filter},
        BadCase{minimal(R"("filter":{"any":{}})"), InvalidReason::invalid_filter}),
    // Name each case by its index and expected reason, not by the bytes of its value.
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return std::to_string(info.index) + "_" + std::string(to_string(info.param.reason));
    });

TEST(ParseSubscription, RefusalDetailNeverQuotesSecretOrUrl) {
  const std::string secret = R"("secret":"whsec_topsecret")";
  for (const std::string& value :
       {minimal(secret, "https://user:pw@h.example/path?token=T0KEN"),
        minimal(secret, "ftp://h.example/path?token=T0KEN"),
        minimal(secret + R"(,"filter":{"a":{"$x":1}})", "https://h.example/path?token=T0KEN"),
        minimal(secret + R"(,"enabled":1)", "https://h.example/path?token=T0KEN")}) {
    Invalid bad = parse_bad("w1", value);
    EXPECT_EQ(bad.detail.find("T0KEN"), std::string::npos) << bad.detail;
    EXPECT_EQ(bad.detail.find("path"), std::string::npos) << bad.detail;
    EXPECT_EQ(bad.detail.find("topsecret"), std::string::npos) << bad.detail;
    EXPECT_EQ(bad.detail.find("pw"), std::string::npos) << bad.detail;
  }
}

TEST(ParseSubscription, EveryReasonHasItsWord) {
  std::vector<std::string> words;
  for (InvalidReason r : kInvalidReasons) words.emplace_back(to_string(r));
  EXPECT_EQ(words, (std::vector<std::string>{"not_json", "not_object", "duplicate_key", "missing_field",
                                             "invalid_field", "key_mismatch", "invalid_url",
                                             "invalid_filter", "filter_too_large"}));
}

}  // namespace
}  // namespace hookd::subscriptions
