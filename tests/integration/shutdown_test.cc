// Shutdown with the broker gone (docs/operations.md, shutdown): hookd, with failing deliveries
// producing retry records, loses its broker and is sent SIGTERM. It must exit within the
// documented bound, cleanly (no sanitizer report when built with the asan preset), leaving
// unfinished work uncommitted. The test runs its own broker, so stopping it disturbs no other.
#include "integration/harness/harness.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using ::testing::HasSubstr;
using ::testing::Not;

// A single-node broker of this test's own, started with the project's script; the harness
// reaches it through HOOKD_TEST_KAFKA_STATE.
class OwnBroker {
 public:
  OwnBroker() : dir_(std::filesystem::temp_directory_path() / unique("hookd-own-kafka")) {
    ::setenv("HOOKD_KAFKA_CLI", HOOKD_KAFKA_CLI, 1);
    started_ = run("start.sh") == 0;
    if (started_) ::setenv("HOOKD_TEST_KAFKA_STATE", dir_.c_str(), 1);
  }
  ~OwnBroker() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  bool started() const { return started_; }
  void stop() {
    if (started_) run("stop.sh");
    started_ = false;
  }

 private:
  int run(const char* script) const {
    const std::string cmd = std::string(HOOKD_SOURCE_DIR) + "/scripts/kafka/" + script + " " + dir_.string() +
                            " > " + dir_.string() + ".log 2>&1";
    return std::system(cmd.c_str());
  }
  std::filesystem::path dir_;
  bool started_ = false;
};

TEST(Shutdown, WithTheBrokerGoneHookdExitsWithinItsBoundAndCommitsNothingUnfinished) {
  OwnBroker broker;
  ASSERT_TRUE(broker.started()) << "the test's own broker did not start";
  test_support::TestCa ca;
  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
  receiver.set_default(Behaviour::respond(500));
  Scenario scenario;
  scenario.create_input_topics();
  Publisher publisher;
  publisher.send(scenario.webhooks, "wh-1",
                 webhook_json({.id = "wh-1", .url = receiver.url("/", "localhost"), .secret = "s"}));

  // A grace period of 2 s: the bound is 2 s + the fixed 12 s of flush, purge and closes.
  HookdProcess hookd(scenario.config_yaml_with_schedule(ca.ca_file(), "[1h]") +
                     "shutdown: {grace_period: 2s}\nhealth: {failures_to_unhealthy: 1000}\n");
  hookd.start();
  ASSERT_TRUE(hookd.wait_ready(60s)) << hookd.log();
  for (int i = 0; i < 20; ++i) publisher.send(scenario.events, "e", event_json({.id = "evt-" + std::to_string(i)}));
  ASSERT_TRUE(wait_until([&] { return receiver.request_count() >= 20; }, 30s)) << hookd.log();

  broker.stop();
  // Deliveries that fail now cannot write their retry records.
  for (int i = 0; i < 3 && hookd.running(); ++i) std::this_thread::sleep_for(1s);
  const auto before = std::chrono::steady_clock::now();
  const int exit_code = hookd.terminate(40s);
  const auto took = std::chrono::steady_clock::now() - before;

  EXPECT_EQ(exit_code, 0) << hookd.log_tail(60);
  EXPECT_LT(took, 20s) << "bound: shutdown.grace_period (2 s) + 12 s\n" << hookd.log_tail(60);
  EXPECT_THAT(hookd.log(), Not(HasSubstr("AddressSanitizer")));
  EXPECT_THAT(hookd.log(), Not(HasSubstr("runtime error")));
  EXPECT_THAT(hookd.log(), HasSubstr("\"msg\":\"stopped\""));
}

}  // namespace
}  // namespace hookd::it
