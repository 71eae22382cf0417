// `hookd replay` on the real broker: dead letters put back on the first retry tier
// and delivered by a running hookd, attempts counted from 1 again, the same webhook-id.
#include "integration/harness/scenario_test.h"
#include "support/command.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::HttpsReceiver;
using ::testing::HasSubstr;
using ::testing::Not;

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

using test_support::CommandResult;

// Runs `hookd replay <args>` to completion.
CommandResult run_replay(std::vector<std::string> args) {
  args.insert(args.begin(), "replay");
  return test_support::run_command(HOOKD_BINARY, args);
}

class ReplayTest : public ScenarioTest {
 protected:
  std::unique_ptr<HookdProcess> start_hookd(const std::string& schedule) {
    return start_ready_hookd(scenario.config_yaml_with_schedule(ca.ca_file(), schedule));
  }

  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};
};

TEST_F(ReplayTest, AnExhaustedDeliveryIsReplayedAndAnInvalidEventSkipped) {
  std::atomic<bool> healthy{false};
  receiver.set_handler([&](const test_support::ReceivedRequest&) {
    return healthy ? Behaviour::respond(200) : Behaviour::respond(500);
  });
  publisher.send(scenario.webhooks, "wh-1", webhook_json({.id = "wh-1", .url = receiver.url("/", "localhost"),
                                                          .secret = "s"}));
  auto hookd = start_hookd("[100ms, 200ms]");
  const std::string since = rfc3339(std::chrono::system_clock::now() - 5s);
  publisher.send(scenario.events, "evt-1", event_json({.id = "evt-1"}));
  publisher.send(scenario.events, "bad-1", "this is not json");

  const auto letters = read_topic(scenario.dead_letter, 2, 30s);
  ASSERT_EQ(letters.size(), 2u) << hookd->log();
  std::set<std::string> kinds;
  for (const auto& l : letters) kinds.insert(l.headers.at("hookd-kind"));
  EXPECT_EQ(kinds, (std::set<std::string>{"delivery", "invalid_event"}));
  const auto original = requests_for(receiver, "evt-1");
  ASSERT_EQ(original.size(), 3u) << "2 delays = 3 attempts";
  const std::string webhook_id = original[0].header("webhook-id");
  const std::size_t first_tier_before = read_topic(scenario.retry_prefix + ".100ms", 100, 2s).size();

  healthy = true;
  const std::string config = hookd->config_path();

  // A dry run prints what it would send and sends nothing.
  const auto dry = run_replay({"--config", config, "--since", since, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("would replay: webhook=wh-1 event=evt-1 reason=exhausted at="));
  EXPECT_THAT(dry.out, HasSubstr("scanned=2 would_replay=1 skipped=1 (invalid_event=1 truncated=0 malformed=0)"));
  // Filters: another webhook, or letters older than --until, are out of scope.
  const auto other = run_replay({"--config", config, "--since", since, "--webhook", "wh-2", "--dry-run"});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  EXPECT_THAT(other.out, HasSubstr("would_replay=0 skipped=0"));
  EXPECT_THAT(other.out, HasSubstr("not_in_scope=2"));
  const auto too_early = run_replay({"--config", config, "--since", "2020-01-01T00:00:00Z", "--until", since, "--dry-run"});
  EXPECT_THAT(too_early.out, HasSubstr("would_replay=0 skipped=0"));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(requests_for(receiver, "evt-1").size(), 3u) << "a dry run sends nothing";
  EXPECT_EQ(read_topic(scenario.retry_prefix + ".100ms", 100, 2s).size(), first_tier_before);

  const auto replay = run_replay({"--config", config, "--since", since});
  EXPECT_EQ(replay.exit_code, 0) << replay.out << replay.err;
  EXPECT_THAT(replay.out, HasSubstr("replay summary: scanned=2 replayed=1 skipped=1 (invalid_event=1"));
  EXPECT_THAT(replay.out, HasSubstr("failed=0"));

  ASSERT_TRUE(receiver.wait_for_requests(4, 20s)) << replay.out << replay.err << hookd->log();
  const auto all = requests_for(receiver, "evt-1");
  ASSERT_EQ(all.size(), 4u);
  const auto& replayed = all[3];
  EXPECT_EQ(replayed.header("x-blue-attempt"), "1") << "attempts counted from 1 again";
  EXPECT_EQ(replayed.header("webhook-id"), webhook_id) << "the same webhook-id as the original attempts";
  EXPECT_EQ(replayed.body, original[0].body) << "the body rebuilt from the event is the same bytes";
  EXPECT_TRUE(replayed.has_header("webhook-signature"));
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(receiver.request_count(), 4u) << "delivered once, no further attempt";
  EXPECT_EQ(read_topic(scenario.dead_letter, 3, 2s).size(), 2u) << "no new dead letter";
}

TEST_F(ReplayTest, UsageErrorsExitWithTwo) {
  HookdProcess config_only(scenario.config_yaml(ca.ca_file()));  // never started: only its config file
  const auto bad_since = run_replay({"--config", config_only.config_path(), "--since", "yesterday"});
  EXPECT_EQ(bad_since.exit_code, 2);
  EXPECT_THAT(bad_since.err, HasSubstr("--since"));
  EXPECT_THAT(bad_since.out, Not(HasSubstr("replay summary")));
  EXPECT_EQ(run_replay({"--config", config_only.config_path()}).exit_code, 2) << "--since is required";
  EXPECT_EQ(run_replay({"--config", config_only.config_path(), "--since", "2026-01-01T00:00:00Z", "--reason",
                        "not_json"}).exit_code, 2);
  EXPECT_EQ(run_replay({"--config", "/nonexistent/hookd.yaml", "--since", "2026-01-01T00:00:00Z"}).exit_code, 2);
}

}  // namespace
}  // namespace hookd::it
