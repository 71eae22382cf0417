// hookd as a process against the real broker: what one slow delivery may hold back, and what a
// rebalance does with deliveries still in flight (docs/contract.md, duplicates and rebalances).
#include "integration/harness/scenario_test.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using test_support::ReceivedRequest;

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class CommitWindowTest : public ScenarioTest {
 protected:
  void SetUp() override {
    ScenarioTest::SetUp();
    // The slow event is answered late; every other one at once.
    receiver.set_handler([this](const ReceivedRequest& r) {
      Behaviour b = Behaviour::respond(200);
      if (r.body.find("\"evt-slow\"") != std::string::npos) b.delay = slow_delay;
      return b;
    });
    publish_webhook({.id = "wh-1", .url = receiver.url("/hook", "localhost"), .events = {"TODO_CREATED"}});
  }

  // This scenario's config with `kafka_keys` added to the kafka section.
  std::string config(const std::string& delivery, const std::string& kafka_keys = "") const {
    std::string yaml = scenario.config_yaml(ca.ca_file(), "", delivery);
    if (!kafka_keys.empty()) yaml.replace(yaml.find("kafka: {"), 8, "kafka: {" + kafka_keys + ", ");
    return yaml;
  }

  void publish_on_partition_0(const std::string& id) {
    publisher.send_at(scenario.events, 0, now_unix_ms(), id, event_json({.id = id}));
  }

  std::chrono::milliseconds slow_delay = 8s;
  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost(), .threads = 4}};
};

// One slow delivery at the front of a partition: the partition is paused once it has read
// max_uncommitted_per_partition records at or past it, so a crash could redeliver no more.
TEST_F(CommitWindowTest, SlowDeliveryHoldsBackAtMostTheWindowOfItsPartition) {
  auto hookd = start_ready_hookd(config("timeout: 20s, max_uncommitted_per_partition: 5"));
  publish_on_partition_0("evt-slow");
  ASSERT_TRUE(wait_for_event(receiver, "evt-slow", 20s)) << hookd->log();
  for (int i = 0; i < 20; ++i) publish_on_partition_0("evt-" + std::to_string(i));

  // While evt-slow is in flight: it and four more records fill the window of five.
  std::this_thread::sleep_for(4s);
  ASSERT_EQ(receiver.requests_in_progress(), 1u) << "evt-slow must still be in flight";
  EXPECT_EQ(receiver.request_count(), 5u) << hookd->log();

  // Once it finishes, the partition resumes and the rest goes out.
  ASSERT_TRUE(receiver.wait_for_requests(21, 30s)) << hookd->log();
  EXPECT_EQ(requests_for(receiver, "evt-slow").size(), 1u);
}

// A second member joins while a delivery is in flight: the first waits for it on revoke and
// commits it, so whoever owns the partition next does not send it again.
TEST_F(CommitWindowTest, RevokeWaitsForTheInFlightDeliveryInsteadOfRepeatingIt) {
  slow_delay = 6s;
  const std::string yaml = config("timeout: 20s", "revoke_grace: 15s");
  auto first = start_ready_hookd(yaml);
  publish_on_partition_0("evt-slow");
  ASSERT_TRUE(wait_until([&] { return receiver.requests_in_progress() == 1; }, 20s)) << first->log();

  auto second = start_ready_hookd(yaml);  // joining rebalances the group while evt-slow is in flight

  // A marker after it on the same partition proves the partition's owner consumes again; a
  // redelivery of evt-slow would have reached the receiver before the marker, or soon after.
  publish_on_partition_0("evt-marker");
  ASSERT_TRUE(wait_for_event(receiver, "evt-marker", 30s)) << first->log() << second->log();
  wait_until([&] { return requests_for(receiver, "evt-slow").size() > 1; }, slow_delay + 2s);
  EXPECT_EQ(requests_for(receiver, "evt-slow").size(), 1u) << first->log() << second->log();
  EXPECT_NE(first->log().find("revoked partitions finished their deliveries"), std::string::npos) << first->log();
}

}  // namespace
}  // namespace hookd::it
