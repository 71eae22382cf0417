// The egress proxy at the worker level: hookd, configured with `delivery.proxy`,
// reaches an HTTPS receiver through a local CONNECT proxy and the delivery arrives signed;
// with private networks refused (the default) the network guard still judges the target,
// so a webhook on loopback or a private address is dead-lettered as `blocked` and the proxy
// is never asked for it. Client-level proxy behaviour (refusals, hangs, http targets) is in
// tests/unit/delivery.
#include "integration/harness/scenario_test.h"
#include "signing/signature.h"
#include "support/connect_proxy.h"
#include "support/https_receiver.h"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::ConnectProxy;
using test_support::HttpsReceiver;
using ::testing::Contains;
using ::testing::EndsWith;
using ::testing::Each;

constexpr std::string_view kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

class ProxyTest : public ScenarioTest {
 protected:
  std::string proxy_setting() const { return "proxy: \"" + proxy.url() + "\""; }

  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
  ConnectProxy proxy;
};

TEST_F(ProxyTest, DeliveriesThroughTheProxyArriveSigned) {
  publish_webhook({.id = "wh-1", .url = receiver.url("/hook", "localhost"), .secret = std::string(kSecret),
                   .events = {"TODO_CREATED"}});
  // Loopback allowed (the receiver is local): the target passes the guard.
  HookdProcess hookd(scenario.config_yaml(ca.ca_file(), "", "timeout: 5s, " + proxy_setting()));
  hookd.start();
  ASSERT_TRUE(hookd.wait_ready(60s)) << hookd.log();
  publisher.send(scenario.events, "evt-1", event_json({.id = "evt-1"}));
  publisher.send(scenario.events, "evt-2", event_json({.id = "evt-2"}));
  ASSERT_TRUE(receiver.wait_for_requests(2, 20s)) << hookd.log();

  // Through the proxy, to the address hookd resolved and checked (the receiver listens on
  // 127.0.0.1; a CONNECT to ::1 first, refused by the proxy, may come before it).
  const auto targets = proxy.connect_targets();
  const std::string port = ":" + std::to_string(receiver.port());
  EXPECT_THAT(targets, Contains("127.0.0.1" + port)) << hookd.log();
  EXPECT_THAT(targets, Each(EndsWith(port)));
  EXPECT_TRUE(proxy.forwarded().empty()) << "an https target is tunnelled, never forwarded in absolute form";

  const auto key = signing::make_signing_key(kSecret);
  std::set<std::string> events;
  for (const auto& r : receiver.requests()) {
    EXPECT_EQ(r.target, "/hook");
    EXPECT_EQ(r.header("x-blue-webhook-id"), "wh-1");
    EXPECT_EQ(r.header("webhook-signature"),
              signing::standard_webhooks_signature(key, r.header("webhook-id"),
                                                   std::stoll(r.header("webhook-timestamp")), r.body));
    EXPECT_EQ(r.header("x-signature"), signing::blue_signature_hex(key, r.body));
    events.insert(std::string(boost::json::parse(r.body).at("eventId").as_string()));
  }
  EXPECT_EQ(events, (std::set<std::string>{"evt-1", "evt-2"}));
  // Counted once hookd has read the answers, a moment after the receiver saw the requests.
  std::string metrics;
  EXPECT_TRUE(wait_until([&] {
    hookd.admin_get("/metrics", &metrics);
    return metrics.find("hookd_delivery_attempts_total{result=\"2xx\"} 2") != std::string::npos;
  }, 10s)) << metrics;
}

TEST_F(ProxyTest, GuardStillRefusesPrivateTargetsThroughTheProxy) {
  publish_webhook({.id = "wh-loopback", .url = receiver.url("/", "localhost"), .events = {"TODO_CREATED"}});
  publish_webhook({.id = "wh-private", .url = "https://10.20.30.40:8443/hook", .events = {"TODO_CREATED"}});
  publish_webhook({.id = "wh-metadata", .url = "https://169.254.169.254/latest", .events = {"TODO_CREATED"}});
  // allow_private_networks left at its default (false); the proxy itself is on loopback,
  // which is the operator's choice and not judged.
  HookdProcess hookd(scenario.config_yaml("", "delivery: {timeout: 2s, " + proxy_setting() + "}\n"));
  hookd.start();
  ASSERT_TRUE(hookd.wait_ready(60s)) << hookd.log();
  publisher.send(scenario.events, "evt-1", event_json({.id = "evt-1"}));

  const auto letters = read_topic(scenario.dead_letter, 3, 30s);
  ASSERT_EQ(letters.size(), 3u) << hookd.log();
  std::set<std::string> webhooks;
  for (const auto& letter : letters) {
    EXPECT_EQ(letter.headers.at("hookd-kind"), "delivery");
    EXPECT_EQ(letter.headers.at("hookd-reason"), "blocked") << letter.headers.at("hookd-webhook-id");
    webhooks.insert(letter.headers.at("hookd-webhook-id"));
  }
  EXPECT_EQ(webhooks, (std::set<std::string>{"wh-loopback", "wh-private", "wh-metadata"}));
  EXPECT_EQ(proxy.connect_count(), 0u) << "the proxy was asked for a refused target";
  EXPECT_EQ(proxy.connections_accepted(), 0u);
  EXPECT_EQ(receiver.request_count(), 0u);
}

}  // namespace
}  // namespace hookd::it
