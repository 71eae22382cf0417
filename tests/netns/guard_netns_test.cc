// The network guard for real, with no packet leaving the machine: this test runs inside a
// network namespace that has only loopback, with private and metadata addresses added to it
// (tests/netns/CMakeLists.txt starts it through `unshare -n`). Receivers really listen on
// 10.9.9.9, 100.64.9.9 and 169.254.169.254; the guard must refuse them before connecting.
#include "delivery/client.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <thread>

namespace hookd::delivery {
namespace {

using namespace std::chrono_literals;
using test_support::HttpsReceiver;
using test_support::TestCa;

class GuardInNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* in_ns = std::getenv("HOOKD_IN_NETNS");
    ASSERT_TRUE(in_ns != nullptr && std::string(in_ns) == "1")
        << "run through ctest (netns.guard), which starts this binary inside `unshare -n`";
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    if (client_) client_->shutdown();
    client_.reset();
    work_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  std::unique_ptr<HttpsReceiver> receiver_on(const std::string& address) {
    return std::make_unique<HttpsReceiver>(test_support::ReceiverOptions{
        .tls = true, .certificate = ca_.issue("netns-" + address, {}, {address}), .listen_address = address});
  }

  Outcome send(bool allow_private, const std::string& url) {
    ClientOptions o;
    o.ca_file = ca_.ca_file();
    o.allow_private_networks = allow_private;
    o.request_timeout = 2s;
    o.connect_timeout = 2s;
    if (client_) client_->shutdown();
    client_ = std::make_unique<Client>(io_, o);
    std::promise<Outcome> done;
    client_->post(Request{url, std::make_shared<const std::string>("{}"), {}, {}},
                  [&done](Outcome outcome) { done.set_value(std::move(outcome)); });
    auto future = done.get_future();
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  }

  TestCa ca_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ = boost::asio::make_work_guard(io_);
  std::thread thread_;
  std::unique_ptr<Client> client_;
};

TEST_F(GuardInNamespace, PrivateAddressesRefusedUnlessAllowed) {
  for (const std::string address : {"10.9.9.9", "100.64.9.9"}) {
    SCOPED_TRACE(address);
    auto receiver = receiver_on(address);
    const auto refused = send(false, receiver->url("/hook"));
    EXPECT_EQ(refused.result, AttemptResult::blocked) << refused.error;
    EXPECT_EQ(receiver->connections_accepted(), 0u) << "the guard must refuse before connecting";

    const auto allowed = send(true, receiver->url("/hook"));
    EXPECT_EQ(allowed.result, AttemptResult::success_2xx) << allowed.error;
    EXPECT_EQ(receiver->request_count(), 1u);
  }
}

TEST_F(GuardInNamespace, CloudMetadataRefusedEvenWhenPrivateIsAllowed) {
  auto receiver = receiver_on("169.254.169.254");
  const auto outcome = send(true, receiver->url("/latest/meta-data/"));
  EXPECT_EQ(outcome.result, AttemptResult::blocked) << outcome.error;
  EXPECT_EQ(receiver->connections_accepted(), 0u);
}

}  // namespace
}  // namespace hookd::delivery
