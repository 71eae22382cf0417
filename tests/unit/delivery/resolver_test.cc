#include "delivery/resolver.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ip/address.hpp>
#include <gtest/gtest.h>

namespace hookd::delivery {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A DNS server on 127.0.0.1 that answers A queries for any name with 127.0.0.N (N derived
// from the name, so a mixed-up answer shows), AAAA queries with no data, or, depending on
// the mode, NXDOMAIN for everything or nothing at all. Counts the queries it receives.
class FakeDnsServer {
 public:
  enum class Mode { answer, nxdomain, silent };

  explicit FakeDnsServer(Mode mode) : mode_(mode), socket_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    receive();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~FakeDnsServer() {
    io_.stop();
    thread_.join();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port()); }
  int queries() const { return queries_.load(); }

  static asio::ip::address answer_for(const std::string& name) {
    unsigned sum = 0;
    for (unsigned char c : name) sum += c;
    return asio::ip::make_address_v4(0x7f000000u | (1 + sum % 250));
  }

 private:
  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), peer_, [this](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      respond(n);
      receive();
    });
  }

  void respond(std::size_t n) {
    if (n < 12) return;
    ++queries_;
    if (mode_ == Mode::silent) return;
    // Question: labels up to the root label, then type and class.
    std::size_t at = 12;
    std::string name;
    while (at < n && buffer_[at] != 0) {
      const std::size_t len = buffer_[at];
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<const char*>(&buffer_[at + 1]), len);
      at += len + 1;
    }
    at += 5;  // root label, type, class
    if (at > n) return;
    const unsigned type = (buffer_[at - 4] << 8) | buffer_[at - 3];
    std::vector<unsigned char> reply(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(at));
    const bool nxdomain = mode_ == Mode::nxdomain;
    const bool answer = !nxdomain && type == 1;
    reply[2] = 0x81;                      // QR, RD
    reply[3] = nxdomain ? 0x83 : 0x80;    // RA, RCODE
    reply[6] = 0;
    reply[7] = answer ? 1 : 0;            // ANCOUNT
    reply[8] = reply[9] = reply[10] = reply[11] = 0;
    if (answer) {
      const auto ip = answer_for(name).to_v4().to_bytes();
      const unsigned char record[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
      reply.insert(reply.end(), std::begin(record), std::end(record));
      reply.insert(reply.end(), ip.begin(), ip.end());
    }
    socket_.send_to(asio::buffer(reply), peer_);
  }

  Mode mode_;
  asio::io_context io_;
  asio::ip::udp::socket socket_;
  asio::ip::udp::endpoint peer_;
  std::array<unsigned char, 1500> buffer_{};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

struct Result {
  boost::system::error_code ec;
  std::vector<asio::ip::address> addresses;
  Clock::duration took{};
};

// An io_context run by several threads, as the delivery client runs it.
class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 4; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  void TearDown() override {
    work_.reset();
    for (auto& t : threads_) t.join();
  }

  Result resolve(Resolver& resolver, const std::string& host) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    Result result;
    const auto start = Clock::now();
    resolver.resolve(host, [&](boost::system::error_code ec, std::vector<asio::ip::address> addresses) {
      std::lock_guard lock(m);
      result.ec = ec;
      result.addresses = std::move(addresses);
      result.took = Clock::now() - start;
      done = true;
      cv.notify_one();
    });
    std::unique_lock lock(m);
    EXPECT_TRUE(cv.wait_for(lock, 10s, [&] { return done; })) << "no callback for " << host;
    return result;
  }

  static Resolver::Options with_server(const FakeDnsServer& server) {
    Resolver::Options options;
    options.servers = server.address();
    options.timeout = 1500ms;
    return options;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  std::vector<std::thread> threads_;
};

TEST_F(ResolverTest, LiteralAddressesAnswerWithoutDns) {
  Resolver resolver(io_, {});
  auto v4 = resolve(resolver, "192.0.2.7");
  ASSERT_FALSE(v4.ec);
  EXPECT_EQ(v4.addresses, std::vector{asio::ip::make_address("192.0.2.7")});
  auto v6 = resolve(resolver, "2001:db8::1");
  ASSERT_FALSE(v6.ec);
  EXPECT_EQ(v6.addresses, std::vector{asio::ip::make_address("2001:db8::1")});
  auto bracketed = resolve(resolver, "[::1]");
  ASSERT_FALSE(bracketed.ec);
  EXPECT_EQ(bracketed.addresses, std::vector{asio::ip::make_address("::1")});
  EXPECT_EQ(resolver.queries_started(), 0u);
}

TEST_F(ResolverTest, LocalhostResolvesFromHostsFileAndIsCached) {
  Resolver resolver(io_, {});
  auto first = resolve(resolver, "localhost");
  ASSERT_FALSE(first.ec) << first.ec.message();
  ASSERT_FALSE(first.addresses.empty());
  for (const auto& a : first.addresses) EXPECT_TRUE(a.is_loopback()) << a.to_string();
  EXPECT_EQ(resolver.queries_started(), 1u);

  auto second = resolve(resolver, "LOCALHOST.");  // same name: case and root dot ignored
  ASSERT_FALSE(second.ec);
  EXPECT_EQ(second.addresses, first.addresses);
  EXPECT_EQ(resolver.queries_started(), 1u);
  EXPECT_EQ(resolver.cache_hits(), 1u);
}

TEST_F(ResolverTest, InvalidAndMalformedNamesFailFastWithoutAQuery) {
  Resolver resolver(io_, {});
  for (const char* host : {"does-not-exist.invalid", "INVALID", "", "exa mple.com", "[::1", "a/b"}) {
    auto r = resolve(resolver, host);
    EXPECT_EQ(r.ec, asio::error::host_not_found) << host;
    EXPECT_TRUE(is_dns_error(r.ec)) << host;
    EXPECT_LT(r.took, 200ms) << host;
  }
  EXPECT_EQ(resolver.queries_started(), 0u);
}

// The machine's own resolver: a name that does not exist fails with a DNS error (or, where
// the configured server does not answer, a timeout) within the deadline.
TEST_F(ResolverTest, UnknownNameFailsWithinTheTimeoutOnTheSystemResolver) {
  Resolver::Options options;
  options.timeout = 1500ms;
  Resolver resolver(io_, options);
  auto r = resolve(resolver, "hookd-no-such-host.test");
  EXPECT_TRUE(is_dns_error(r.ec) || r.ec == asio::error::timed_out) << r.ec.message();
  EXPECT_TRUE(r.addresses.empty());
  EXPECT_LT(r.took, 1500ms + 500ms);
}

TEST_F(ResolverTest, AnswersFromDnsServer) {
  FakeDnsServer server(FakeDnsServer::Mode::answer);
  Resolver resolver(io_, with_server(server));
  auto r = resolve(resolver, "api.hookd.test");
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.addresses, std::vector{FakeDnsServer::answer_for("api.hookd.test")});
}

TEST_F(ResolverTest, NxdomainIsADnsErrorAndNegativelyCachedBriefly) {
  FakeDnsServer server(FakeDnsServer::Mode::nxdomain);
  auto options = with_server(server);
  options.negative_cache_ttl = 300ms;
  Resolver resolver(io_, options);
  auto first = resolve(resolver, "gone.hookd.test");
  EXPECT_EQ(first.ec, asio::error::host_not_found) << first.ec.message();
  EXPECT_TRUE(is_dns_error(first.ec));
  const int queries_after_first = server.queries();
  EXPECT_GE(queries_after_first, 1);

  auto cached = resolve(resolver, "gone.hookd.test");
  EXPECT_EQ(cached.ec, asio::error::host_not_found);
  EXPECT_EQ(server.queries(), queries_after_first);
  EXPECT_EQ(resolver.queries_started(), 1u);

  std::this_thread::sleep_for(400ms);
  auto expired = resolve(resolver, "gone.hookd.test");
  EXPECT_EQ(expired.ec, asio::error::host_not_found);
  EXPECT_EQ(resolver.queries_started(), 2u);
  EXPECT_GT(server.queries(), queries_after_first);
}

TEST_F(ResolverTest, SilentServerTimesOutDistinguishably) {
  FakeDnsServer server(FakeDnsServer::Mode::silent);
  auto options = with_server(server);
  options.timeout = 300ms;
  Resolver resolver(io_, options);
  auto r = resolve(resolver, "slow.hookd.test");
  EXPECT_EQ(r.ec, asio::error::timed_out) << r.ec.message();
  EXPECT_FALSE(is_dns_error(r.ec));
  EXPECT_GE(r.took, 250ms);
  EXPECT_LT(r.took, 1s);
}

TEST_F(ResolverTest, PositiveCacheServesWithoutQueryUntilTtlExpires) {
  FakeDnsServer server(FakeDnsServer::Mode::answer);
  auto options = with_server(server);
  options.cache_ttl = 1s;
  Resolver resolver(io_, options);
  ASSERT_FALSE(resolve(resolver, "cached.hookd.test").ec);
  const int queries = server.queries();
  for (int i = 0; i < 5; ++i) {
    auto r = resolve(resolver, "cached.hookd.test");
    ASSERT_FALSE(r.ec);
    EXPECT_EQ(r.addresses, std::vector{FakeDnsServer::answer_for("cached.hookd.test")});
  }
  EXPECT_EQ(server.queries(), queries);
  EXPECT_EQ(resolver.queries_started(), 1u);
  EXPECT_EQ(resolver.cache_hits(), 5u);

  std::this_thread::sleep_for(1100ms);
  ASSERT_FALSE(resolve(resolver, "cached.hookd.test").ec);
  EXPECT_EQ(resolver.queries_started(), 2u);
}

// A slow name does not hold back the others: while one lookup waits on a server that never
// answers, lookups on the hosts file and of literals complete at once.
TEST_F(ResolverTest, SlowLookupDoesNotBlockOthers) {
  FakeDnsServer server(FakeDnsServer::Mode::silent);
  auto options = with_server(server);
  options.timeout = 2000ms;
  Resolver resolver(io_, options);
  std::atomic<bool> slow_done{false};
  resolver.resolve("slow.hookd.test", [&](boost::system::error_code, std::vector<asio::ip::address>) {
    slow_done = true;
  });
  auto fast = resolve(resolver, "localhost");
  ASSERT_FALSE(fast.ec);
  EXPECT_LT(fast.took, 500ms);
  EXPECT_FALSE(slow_done.load());
}

TEST_F(ResolverTest, ManyConcurrentLookupsFromSeveralThreadsComplete) {
  FakeDnsServer server(FakeDnsServer::Mode::answer);
  Resolver resolver(io_, with_server(server));
  constexpr int kNames = 100;
  constexpr int kRepeats = 5;  // each name asked several times at once: one query shared
  std::mutex m;
  std::condition_variable cv;
  int done = 0;
  int wrong = 0;
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      for (int i = t; i < kNames * kRepeats; i += 4) {
        const std::string name = "host-" + std::to_string(i % kNames) + ".hookd.test";
        resolver.resolve(name, [&, name](boost::system::error_code ec, std::vector<asio::ip::address> a) {
          std::lock_guard lock(m);
          if (ec || a != std::vector{FakeDnsServer::answer_for(name)}) ++wrong;
          ++done;
          cv.notify_one();
        });
      }
    });
  }
  for (auto& c : callers) c.join();
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return done == kNames * kRepeats; })) << done;
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(resolver.queries_started(), static_cast<std::uint64_t>(kNames));
}

TEST_F(ResolverTest, DestroyingTheResolverAbortsPendingLookups) {
  FakeDnsServer server(FakeDnsServer::Mode::silent);
  auto options = with_server(server);
  options.timeout = 5000ms;
  std::mutex m;
  std::condition_variable cv;
  std::optional<boost::system::error_code> result;
  {
    Resolver resolver(io_, options);
    resolver.resolve("pending.hookd.test", [&](boost::system::error_code ec, std::vector<asio::ip::address>) {
      std::lock_guard lock(m);
      result = ec;
      cv.notify_one();
    });
    std::this_thread::sleep_for(50ms);
  }
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 2s, [&] { return result.has_value(); }));
  EXPECT_EQ(*result, asio::error::operation_aborted);
}

TEST(ResolverLifetime, DestroyedAfterTheIoContextStoppedWithALookupInFlight) {
  FakeDnsServer server(FakeDnsServer::Mode::silent);
  asio::io_context io;
  Resolver::Options options;
  options.servers = server.address();
  auto resolver = std::make_unique<Resolver>(io, options);
  bool called = false;
  resolver->resolve("pending.hookd.test", [&](boost::system::error_code, std::vector<asio::ip::address>) {
    called = true;
  });
  io.run_for(100ms);  // the query is sent and waits on the silent server
  EXPECT_GE(server.queries(), 1);
  io.stop();
  resolver.reset();  // must not touch the stopped io_context's threads or leak the channel
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace hookd::delivery
