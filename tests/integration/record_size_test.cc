// What hookd writes fits Kafka whatever the event's size (docs/contract.md, record sizes): an
// event near limits.max_event_bytes whose first attempt fails becomes a retry record the
// broker accepts, and is delivered on its retry instead of stalling its partition.
#include "integration/harness/scenario_test.h"
#include "support/https_receiver.h"

#include <gtest/gtest.h>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;

class RecordSizeTest : public ScenarioTest {
 protected:
  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(RecordSizeTest, ABigEventWhoseFirstAttemptFailsIsRetriedNotStalled) {
  // The big event's first attempt fails; everything else succeeds (the two events may arrive
  // in either order: they are on different partitions).
  std::atomic<int> big_attempts{0};
  receiver.set_handler([&](const test_support::ReceivedRequest& request) {
    const bool big = request.body.find(R"("eventId":"evt-big")") != std::string::npos;
    return big && ++big_attempts == 1 ? Behaviour::respond(500) : Behaviour::respond(200);
  });
  publish_webhook({.id = "wh-1", .url = receiver.url("/", "localhost"), .secret = "s"});
  auto hookd = start_ready_hookd(scenario.config_yaml_with_schedule(ca.ca_file(), "[200ms, 400ms]"));
  // ~700 KB: the retry record carries it twice (body and event), over Kafka's 1 MB default.
  const std::string title(700 * 1024, 'x');
  publish_event({.id = "evt-big", .current_value = R"({"id":"todo-1","title":")" + title + R"("})"});
  publish_event({.id = "evt-after"});

  ASSERT_TRUE(wait_until([&] { return requests_for(receiver, "evt-big").size() >= 2; }, 30s)) << hookd->log();
  const auto attempts = requests_for(receiver, "evt-big");
  EXPECT_EQ(attempts.back().header("x-blue-attempt"), "2");
  EXPECT_GT(attempts.back().body.size(), title.size());
  EXPECT_TRUE(wait_until([&] { return !requests_for(receiver, "evt-after").empty(); }, 10s));
}

}  // namespace
}  // namespace hookd::it
