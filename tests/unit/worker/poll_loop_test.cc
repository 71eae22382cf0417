// A poll loop on librdkafka's mock cluster: what it does when a revoke comes while it holds a
// hand-over batch (worker/poll_loop.h, delivery/handoff.h).
#include "worker/poll_loop.h"

#include <chrono>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "delivery/client.h"
#include "delivery/rate_limiter.h"
#include "health/status_publisher.h"
#include "health/tracker.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "metrics/metrics.h"
#include "retry/policy.h"
#include "subscriptions/snapshot.h"
#include "support/mock_cluster.h"

namespace hookd::worker {
namespace {

using namespace std::chrono_literals;

using test_support::MockCluster;

// A loop whose record is one request the network guard refuses (it ends at once on the io
// thread), and whose consumer's revoke hook runs in the poll right after that record: as a
// rebalance that arrives while the loop's batch holds the request.
class RevokedInBatchLoop final : public PollLoop {
 public:
  RevokedInBatchLoop(kafka::GroupConsumer& consumer, dispatch::Deliverer& deliverer, delivery::Client& client,
                     std::atomic<bool>& stop)
      : PollLoop(consumer, {"events"}, deliverer, PollLimits{.revoke_grace = 5s}, std::make_shared<InFlightBytes>(),
                 common::system_clock()),
        client_(client),
        stop_(stop) {}

  std::chrono::steady_clock::duration revoke_took = std::chrono::steady_clock::duration::max();

 protected:
  void handle(kafka::Message message) override {
    const kafka::RecordPosition position = dispatched(message);
    client_.post(delivery::Request{"https://127.0.0.1:9/", std::make_shared<const std::string>("{}"), {}, {}},
                 [this, position](delivery::Outcome) { finished(position); });
    const auto started = std::chrono::steady_clock::now();
    on_revoke();  // waits for the record's delivery, up to revoke_grace
    revoke_took = std::chrono::steady_clock::now() - started;
    stop_ = true;
  }

 private:
  delivery::Client& client_;
  std::atomic<bool>& stop_;
};

TEST(PollLoop, ARevokeInsideABatchWaitsForTheBatchsDeliveriesNotForItsGrace) {
  MockCluster cluster;
  ASSERT_EQ(cluster.create_topic("events", 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  {
    kafka::Producer producer(cluster.settings());
    producer.produce("events", "k", R"({"id":"evt_1"})", {}, [](rd_kafka_resp_err_t) {});
    ASSERT_EQ(producer.flush(10s), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // The deliverer is only counted (in_flight) by the loop here; its parts are inert.
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread io_thread([&io] { io.run(); });
  metrics::Metrics metrics;
  health::StatusPublisher status(nullptr, metrics, "", "test");
  health::Tracker health({3, 30s}, common::system_clock(), status);
  delivery::RateLimiter rate_limiter({5s, 1024});
  subscriptions::SnapshotStore snapshots;
  const retry::RetryPolicy policy({"5s"});
  delivery::ClientOptions client_options;
  client_options.allow_private_networks = false;  // 127.0.0.1 is refused, without a packet
  delivery::Client client(io, client_options);
  kafka::Producer writer(cluster.settings());
  dispatch::Deliverer deliverer({io, client, writer, metrics, policy, health, rate_limiter, common::system_clock(), snapshots},
                                {"hookd.retry", "hookd.dlq", "", "hookd/test", {60s}, {}});

  kafka::GroupConsumerOptions consumer_options;
  consumer_options.group_id = "g";
  consumer_options.topics = {"events"};
  kafka::GroupConsumer consumer(cluster.settings(), consumer_options);
  std::atomic<bool> stop{false};
  RevokedInBatchLoop loop(consumer, deliverer, client, stop);
  std::thread watchdog([&stop] {
    for (int i = 0; i < 300 && !stop; ++i) std::this_thread::sleep_for(100ms);
    stop = true;
  });
  loop.run(stop);
  watchdog.join();

  EXPECT_LT(loop.revoke_took, 2s) << "the revoke waited for a request its own batch held";
  consumer.close();
  client.shutdown();
  work.reset();
  io.stop();
  io_thread.join();
}

}  // namespace
}  // namespace hookd::worker
