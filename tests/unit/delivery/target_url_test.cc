#include "delivery/target_url.h"

#include <gtest/gtest.h>

#include "delivery/types.h"

namespace hookd::delivery {
namespace {

TEST(TargetUrl, HttpsWithPathQueryAndFragment) {
  auto url = parse_target_url("https://Hooks.Example.COM/blue/in?token=abc#frag");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->host, "hooks.example.com");
  EXPECT_EQ(url->port, 443);
  EXPECT_EQ(url->target, "/blue/in?token=abc");
  EXPECT_EQ(url->origin, "https://hooks.example.com:443");
}

TEST(TargetUrl, HttpDefaultsAndExplicitPorts) {
  auto plain = parse_target_url("http://example.com");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
  auto query_only = parse_target_url("https://example.com:8443?a=b");
  ASSERT_TRUE(query_only);
  EXPECT_EQ(query_only->port, 8443);
  EXPECT_EQ(query_only->target, "/?a=b");
  EXPECT_EQ(query_only->origin, "https://example.com:8443");
}

TEST(TargetUrl, IpLiterals) {
  auto v6 = parse_target_url("https://[::1]:9000/x");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->origin, "https://[::1]:9000");
  auto v4 = parse_target_url("http://127.0.0.1:8080/x");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->origin, "http://127.0.0.1:8080");
}

// RFC 3986 3.2.3: an empty port is the scheme's default. Subscriptions accept such a URL
// (docs/subscriptions.md), so the client must deliver to it rather than block it.
TEST(TargetUrl, AnEmptyPortIsTheSchemesDefault) {
  auto tls = parse_target_url("https://example.com:/in");
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->port, 443);
  EXPECT_EQ(tls->origin, "https://example.com:443");
  EXPECT_EQ(tls->target, "/in");
  auto plain = parse_target_url("http://[::1]:");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, 80);
  EXPECT_EQ(plain->target, "/");
}

TEST(TargetUrl, RefusesWhatIsNotAnHttpTarget) {
  for (const char* bad : {"", "not a url", "/relative/path", "ftp://example.com/", "file:///etc/passwd",
                          "https://user:secret@example.com/", "https:///path", "https://example.com:0/",
                          "https://example.com:99999/", "https://exa mple.com/", "https://exa%00mple.com/",
                          "https://example.com:port/", "mailto:someone@example.com"}) {
    EXPECT_FALSE(parse_target_url(bad)) << bad;
  }
}

// Boost.URL 1.81 reads "http://1.2.3.4.example.com/x" as host 1.2.3.4 and path
// ".example.com/x": the request would go to an address no one meant. After an authority the
// path must be empty or start with '/'.
TEST(TargetUrl, RefusesAPathThatDoesNotStartWithASlash) {
  for (const char* bad : {"http://1.2.3.4.example.com/x", "https://10.0.0.1.attacker.example/hook",
                          "http://127.0.0.1.nip.io", "https://1.2.3.4:443.example.com/"}) {
    EXPECT_FALSE(parse_target_url(bad)) << bad;
  }
  for (const char* good : {"http://1.2.3.4/x", "http://1.2.3.4", "https://example.com?x=1", "https://example.com/"}) {
    EXPECT_TRUE(parse_target_url(good)) << good;
  }
}

TEST(TargetUrl, ATrailingDotIsTheSameHostOriginAndSniName) {
  const auto dotted = parse_target_url("https://Hooks.Example.com./in");
  const auto plain = parse_target_url("https://hooks.example.com/in");
  ASSERT_TRUE(dotted);
  ASSERT_TRUE(plain);
  EXPECT_EQ(dotted->host, "hooks.example.com");
  EXPECT_EQ(dotted->origin, plain->origin) << "one pool and one cap per origin";
  EXPECT_EQ(dotted->target, "/in");
  for (const char* bad : {"https://example.com../", "https://./", "https://../"}) {
    EXPECT_FALSE(parse_target_url(bad)) << bad;
  }
}

TEST(AttemptResultWords, AreTheMetricLabels) {
  EXPECT_EQ(to_string(AttemptResult::success_2xx), "2xx");
  EXPECT_EQ(to_string(AttemptResult::status_3xx), "3xx");
  EXPECT_EQ(to_string(AttemptResult::status_4xx), "4xx");
  EXPECT_EQ(to_string(AttemptResult::status_5xx), "5xx");
  EXPECT_EQ(to_string(AttemptResult::timeout), "timeout");
  EXPECT_EQ(to_string(AttemptResult::dns_error), "dns_error");
  EXPECT_EQ(to_string(AttemptResult::connect_error), "connect_error");
  EXPECT_EQ(to_string(AttemptResult::tls_error), "tls_error");
  EXPECT_EQ(to_string(AttemptResult::protocol_error), "protocol_error");
  EXPECT_EQ(to_string(AttemptResult::blocked), "blocked");
  EXPECT_EQ(to_string(AttemptResult::origin_queue_full), "origin_queue_full");
}

}  // namespace
}  // namespace hookd::delivery
