// The client through an egress proxy (delivery.proxy): CONNECT tunnels to the checked IP for
// https and http alike, the network guard before the proxy, and the proxy's failures.
#include "delivery/client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <gmock/gmock.h>

#include "client_fixture.h"
#include "delivery/connection.h"
#include "delivery/proxy.h"
#include "delivery/tls_context.h"
#include "support/connect_proxy.h"

namespace hookd::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using test_support::ConnectProxy;

class ClientProxyTest : public ClientTest {
 protected:
  ClientOptions proxied_options() const {
    ClientOptions o = options();
    o.proxy = proxy_.url();
    return o;
  }

  // "127.0.0.1:8443" or "[::1]:8443" -> true when the host part is an IP literal.
  static bool is_ip_literal_authority(const std::string& authority) {
    const auto colon = authority.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = authority.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    return !ec;
  }

  // A port on 127.0.0.1 where nothing listens.
  static std::uint16_t closed_port() {
    boost::asio::io_context scratch;
    boost::asio::ip::tcp::acceptor probe(scratch, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return probe.local_endpoint().port();
  }

  ConnectProxy proxy_;
};

TEST_F(ClientProxyTest, HttpsDeliveryGoesThroughATunnelToTheCheckedAddress) {
  auto receiver = start_receiver();
  receiver->set_default(Behaviour::respond(204));
  start_client(proxied_options());
  const std::string body = R"({"event":"TODO_CREATED"})";
  const Outcome o = send(receiver->url("/hooks/blue?token=secret"), body, {{"webhook-id", "msg_1"}});
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_EQ(o.http_status, 204);

  const std::string port = std::to_string(receiver->port());
  EXPECT_THAT(proxy_.connect_targets(), ::testing::ElementsAre("127.0.0.1:" + port));
  EXPECT_TRUE(proxy_.forwarded().empty()) << "https is never forwarded in absolute form";
  ASSERT_EQ(receiver->request_count(), 1u);
  const auto request = receiver->requests().front();
  EXPECT_EQ(request.target, "/hooks/blue?token=secret") << "origin form inside the tunnel";
  EXPECT_EQ(request.body, body);
  EXPECT_EQ(request.header("webhook-id"), "msg_1");
  EXPECT_EQ(request.header("host"), "127.0.0.1:" + port);
}

TEST_F(ClientProxyTest, HostNameIsConnectedByCheckedIpButVerifiedByNameInsideTheTunnel) {
  // A certificate for the name only (no IP SANs): the handshake succeeds only if the client
  // verifies "localhost", not the IP literal it asked the proxy for.
  auto receiver = start_receiver(ca().issue("proxy-dns-only", {"localhost"}, {}));
  start_client(proxied_options());
  const Outcome o = send(receiver->url("/by-name", "localhost"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);

  // "localhost" may resolve to ::1 first, where nothing listens: the proxy answers 502 and
  // the client tries the next checked address. Every CONNECT names an IP, never the name.
  const auto targets = proxy_.connect_targets();
  ASSERT_FALSE(targets.empty());
  for (const auto& target : targets) {
    EXPECT_TRUE(is_ip_literal_authority(target)) << target;
    EXPECT_THAT(target, Not(HasSubstr("localhost")));
  }
  EXPECT_EQ(targets.back(), "127.0.0.1:" + std::to_string(receiver->port()));
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(receiver->requests().front().header("host"), "localhost:" + std::to_string(receiver->port()));
}

TEST_F(ClientProxyTest, CertificateIsStillVerifiedThroughTheTunnel) {
  auto wrong = start_receiver(ca().wrong_name());
  start_client(proxied_options());
  Outcome o = send(wrong->url("/"));
  EXPECT_EQ(o.result, AttemptResult::tls_error) << describe(o);
  auto untrusted = start_receiver(ca().untrusted());
  o = send(untrusted->url("/"));
  EXPECT_EQ(o.result, AttemptResult::tls_error) << describe(o);
  EXPECT_EQ(proxy_.connect_count(), 2u) << "the tunnels were opened; TLS inside them failed";
  EXPECT_EQ(wrong->request_count() + untrusted->request_count(), 0u);
}

// Forwarded in absolute form, a plain http request would name the host and the proxy would
// resolve it itself, out of the network guard's reach. Tunnelled to the checked IP, the
// proxy never sees the name.
TEST_F(ClientProxyTest, PlainHttpGoesThroughATunnelToTheCheckedAddressNeverByName) {
  auto receiver = start_plain_receiver();
  start_client(proxied_options());
  const Outcome o = send(receiver->url("/plain?x=1", "localhost"), "hello");
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);

  const std::string authority = "localhost:" + std::to_string(receiver->port());
  EXPECT_TRUE(proxy_.forwarded().empty()) << "no request reaches the proxy in absolute form";
  const auto targets = proxy_.connect_targets();
  ASSERT_FALSE(targets.empty());
  for (const auto& target : targets) {
    EXPECT_TRUE(is_ip_literal_authority(target)) << target;
    EXPECT_THAT(target, Not(HasSubstr("localhost")));
  }
  EXPECT_EQ(targets.back(), "127.0.0.1:" + std::to_string(receiver->port()));
  ASSERT_EQ(receiver->request_count(), 1u);
  EXPECT_EQ(receiver->requests().front().target, "/plain?x=1") << "origin form inside the tunnel";
  EXPECT_EQ(receiver->requests().front().body, "hello");
  EXPECT_EQ(receiver->requests().front().header("host"), authority);

  // The tunnel is kept alive for the same origin.
  const std::size_t tunnels = proxy_.connect_count();
  EXPECT_EQ(send(receiver->url("/plain?x=2", "localhost")).result, AttemptResult::success_2xx);
  EXPECT_EQ(proxy_.connect_count(), tunnels);
}

TEST_F(ClientProxyTest, GuardRefusesAPrivateTargetWithoutContactingTheProxy) {
  auto receiver = start_receiver();
  auto plain = start_plain_receiver();
  ClientOptions o = proxied_options();
  o.allow_private_networks = false;
  start_client(o);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    Outcome outcome = send(receiver->url("/", host));
    EXPECT_EQ(outcome.result, AttemptResult::blocked) << describe(outcome);
    outcome = send(plain->url("/", host));
    EXPECT_EQ(outcome.result, AttemptResult::blocked) << describe(outcome);
  }
  EXPECT_EQ(send("http://169.254.169.254/latest/meta-data/").result, AttemptResult::blocked);
  EXPECT_EQ(send("https://10.1.2.3/").result, AttemptResult::blocked);
  EXPECT_EQ(proxy_.connect_count(), 0u);
  EXPECT_TRUE(proxy_.forwarded().empty());
  EXPECT_EQ(proxy_.connections_accepted(), 0u) << "a refused target never reaches the proxy";
  EXPECT_EQ(receiver->connections_accepted() + plain->connections_accepted(), 0u);
}

TEST_F(ClientProxyTest, ProxyDownIsAConnectError) {
  auto receiver = start_receiver();
  ClientOptions o = options();
  o.proxy = "http://127.0.0.1:" + std::to_string(closed_port());
  start_client(o);
  const Outcome outcome = send(receiver->url("/secret-path"));
  EXPECT_EQ(outcome.result, AttemptResult::connect_error) << describe(outcome);
  EXPECT_THAT(outcome.error, HasSubstr("proxy"));
  EXPECT_THAT(outcome.error, Not(HasSubstr("/secret-path")));
  EXPECT_EQ(receiver->connections_accepted(), 0u);
}

TEST_F(ClientProxyTest, ProxyRefusingConnectIsAConnectErrorNamingItsStatus) {
  auto receiver = start_receiver();
  proxy_.refuse_with(403);
  start_client(proxied_options());
  const Outcome o = send(receiver->url("/private/path?token=hunter2"));
  EXPECT_EQ(o.result, AttemptResult::connect_error) << describe(o);
  EXPECT_EQ(o.http_status, 0) << "the proxy's status is not the endpoint's";
  EXPECT_THAT(o.error, HasSubstr("403"));
  EXPECT_THAT(o.error, HasSubstr("https://127.0.0.1:" + std::to_string(receiver->port())));
  EXPECT_THAT(o.error, Not(HasSubstr("/private")));
  EXPECT_THAT(o.error, Not(HasSubstr("hunter2")));
  EXPECT_EQ(proxy_.connect_count(), 1u) << "a refusal is not retried on another address";
  EXPECT_EQ(receiver->connections_accepted(), 0u);
}

TEST_F(ClientProxyTest, ProxyThatNeverAnswersConnectTimesOutWithinTheConnectTimeout) {
  auto receiver = start_receiver();
  proxy_.hang();
  ClientOptions o = proxied_options();
  o.connect_timeout = 300ms;
  start_client(o);
  const auto before = std::chrono::steady_clock::now();
  const Outcome outcome = send(receiver->url("/"));
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_EQ(outcome.result, AttemptResult::timeout) << describe(outcome);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1500ms);
  EXPECT_EQ(proxy_.connect_count(), 1u);
}

TEST_F(ClientProxyTest, KeepAliveReusesTheTunnel) {
  auto receiver = start_receiver();
  start_client(proxied_options());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(send(receiver->url("/seq")).result, AttemptResult::success_2xx);
  EXPECT_EQ(receiver->request_count(), 20u);
  EXPECT_EQ(proxy_.connections_accepted(), 1u);
  EXPECT_EQ(proxy_.connect_count(), 1u);
  EXPECT_EQ(receiver->connections_accepted(), 1u);
}

TEST_F(ClientProxyTest, TunnelDroppedWhileIdleIsRetriedOnceThroughAFreshTunnel) {
  auto receiver = start_receiver();
  Behaviour drop = Behaviour::respond(200);
  drop.drop_after = true;
  receiver->enqueue(drop);
  start_client(proxied_options());
  EXPECT_EQ(send(receiver->url("/1")).result, AttemptResult::success_2xx);
  for (int i = 0; i < 100 && receiver->connections_open() > 0; ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);  // and for the proxy to pass the close on
  const Outcome o = send(receiver->url("/2"));
  EXPECT_EQ(o.result, AttemptResult::success_2xx) << describe(o);
  EXPECT_EQ(receiver->request_count(), 2u);
  EXPECT_EQ(proxy_.connect_count(), 2u);
}

// A name with several addresses, one of them unreachable, cannot be produced through DNS in
// a unit test: the connection is driven directly with two checked addresses instead.
TEST_F(ClientProxyTest, ProxyThatCannotReachOneAddressIsAskedForTheNext) {
  namespace asio = boost::asio;
  using asio::ip::tcp;
  auto receiver = start_receiver();
  const std::uint16_t unreachable = closed_port();
  const std::vector<tcp::endpoint> proxy_endpoints{{asio::ip::make_address("127.0.0.1"), proxy_.port()}};
  const std::vector<tcp::endpoint> targets{{asio::ip::make_address("127.0.0.1"), unreachable},
                                           {asio::ip::make_address("127.0.0.1"), receiver->port()}};
  const std::optional<ProxyAddress> proxy = parse_proxy_option(proxy_.url());
  ASSERT_TRUE(proxy);
  asio::ssl::context tls = make_client_tls_context(ca().ca_file());
  const std::optional<TargetUrl> url = parse_target_url(receiver->url("/next"));
  ASSERT_TRUE(url);
  const ClientOptions client_options = options();
  const Request request{receiver->url("/next"), std::make_shared<const std::string>("{}"), {}, {}};

  auto connection = std::make_shared<Connection>(asio::make_strand(io_), &tls);
  std::promise<std::pair<PhaseResult, PhaseResult>> done;
  asio::co_spawn(
      connection->executor(),
      [&]() -> asio::awaitable<void> {
        PhaseResult opened = co_await connection->open_through_proxy(proxy_endpoints, *proxy, targets, *url, 2s);
        PhaseResult exchanged;
        if (opened.ok) exchanged = co_await connection->exchange(*url, request, client_options);
        connection->close();
        done.set_value(std::make_pair(std::move(opened), std::move(exchanged)));
      },
      asio::detached);
  auto future = done.get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  const auto [opened, exchanged] = future.get();
  EXPECT_TRUE(opened.ok) << opened.error;
  EXPECT_EQ(exchanged.http_status, 200) << exchanged.error;
  EXPECT_THAT(proxy_.connect_targets(),
              ::testing::ElementsAre("127.0.0.1:" + std::to_string(unreachable),
                                     "127.0.0.1:" + std::to_string(receiver->port())));
  EXPECT_EQ(proxy_.connections_accepted(), 2u) << "a fresh proxy connection for the second address";
  EXPECT_EQ(receiver->request_count(), 1u);
}

TEST_F(ClientProxyTest, UnusableProxySettingIsRefusedAtConstruction) {
  for (const char* bad : {"https://127.0.0.1:3128", "socks5://127.0.0.1:1080", "127.0.0.1:3128", "proxy:3128",
                          "http://user:secret@proxy.internal:3128", "http://proxy.internal", "http://proxy.internal:0",
                          "http://proxy.internal:99999", "http://proxy.internal:3128/path", "http://proxy.internal:3128/?q",
                          "http://:3128", "not a url"}) {
    ClientOptions o = options();
    o.proxy = bad;
    try {
      Client client(io_, o);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_THAT(e.what(), HasSubstr("delivery.proxy")) << bad;
      EXPECT_THAT(e.what(), Not(HasSubstr("secret"))) << "the value is never repeated";
    }
  }
  for (const char* good : {"http://127.0.0.1:3128", "http://proxy.internal:8080/", "http://[::1]:3128", ""}) {
    ClientOptions o = options();
    o.proxy = good;
    EXPECT_NO_THROW(Client(io_, o)) << good;
  }
}

}  // namespace
}  // namespace hookd::delivery
