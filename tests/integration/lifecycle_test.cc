// hookd's process lifecycle: configuration errors, Kafka unreachable at start, metrics.
#include "integration/harness/harness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

struct RunResult {
  int exit_code = -1;
  std::string output;
};

RunResult run_hookd(const std::string& args) {
  RunResult result;
  const std::string cmd = std::string(HOOKD_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  std::array<char, 4096> buf{};
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0;) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string write_config(const std::string& yaml) {
  const std::string path = "/tmp/" + unique("hookd-config") + ".yaml";
  std::ofstream(path) << yaml;
  return path;
}

TEST(Lifecycle, VersionAndUsage) {
  const auto version = run_hookd("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.output, HasSubstr("hookd "));
  EXPECT_THAT(version.output, HasSubstr("commit "));
  EXPECT_THAT(version.output, HasSubstr("librdkafka 2."));
  EXPECT_THAT(version.output, HasSubstr(HOOKD_EXPECTED_ALLOCATOR));
  EXPECT_EQ(run_hookd("--bogus").exit_code, 2);
  EXPECT_EQ(run_hookd("").exit_code, 2);
}

TEST(Lifecycle, BadConfigExitsTwoNamingTheKey) {
  const auto typo = run_hookd("--config " + write_config("delivery: {timeot: 7s}\n"));
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.output, HasSubstr("delivery.timeot"));

  const auto bad_value = run_hookd("--check-config " + write_config("delivery: {timeout: soon}\n"));
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_THAT(bad_value.output, HasSubstr("delivery.timeout"));

  const auto reserved = run_hookd("--config " + write_config("kafka: {properties: {enable.auto.commit: \"true\"}}\n"));
  EXPECT_EQ(reserved.exit_code, 2);
  EXPECT_THAT(reserved.output, HasSubstr("enable.auto.commit"));

  EXPECT_EQ(run_hookd("--config /nonexistent/hookd.yaml").exit_code, 2);
  EXPECT_EQ(run_hookd("--check-config " + write_config("{}\n")).exit_code, 0);
}

TEST(Lifecycle, PropertyLibrdkafkaRefusesExitsTwoNamingIt) {
  const auto unknown =
      run_hookd("--check-config " + write_config("kafka: {properties: {no.such.property: \"1\"}}\n"));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("no.such.property"));
  EXPECT_THAT(unknown.output, Not(HasSubstr("configuration OK")));

  const auto bad_value = run_hookd("--check-config " + write_config("kafka: {properties: {linger.ms: soon}}\n"));
  EXPECT_EQ(bad_value.exit_code, 2);
  EXPECT_THAT(bad_value.output, HasSubstr("linger.ms"));

  // --config stops as early, before the admin server or any Kafka client starts.
  const auto at_start = run_hookd("--config " + write_config("kafka: {properties: {no.such.property: \"1\"}}\n"));
  EXPECT_EQ(at_start.exit_code, 2);
  EXPECT_THAT(at_start.output, HasSubstr("no.such.property"));

  const auto good = run_hookd("--check-config " +
                              write_config("kafka: {properties: {linger.ms: \"20\", session.timeout.ms: \"6000\"}}\n"));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_THAT(good.output, HasSubstr("configuration OK"));
}

TEST(Lifecycle, KafkaUnreachableAtStartKeepsTryingAndIsNotReady) {
  // A port nothing listens on: bind one, note it, close it.
  Scenario scenario;
  std::string yaml = scenario.config_yaml("");
  const std::string real = bootstrap();
  yaml.replace(yaml.find(real), real.size(), "127.0.0.1:1");
  HookdProcess hookd(yaml);
  hookd.start();
  std::this_thread::sleep_for(4s);
  ASSERT_TRUE(hookd.running()) << "hookd must keep trying, never exit silently\n" << hookd.log();
  EXPECT_EQ(hookd.admin_get("/healthz"), 200) << hookd.log();
  EXPECT_EQ(hookd.admin_get("/readyz"), 503);
  EXPECT_THAT(hookd.log(), HasSubstr("Kafka unreachable"));
  EXPECT_EQ(hookd.terminate(20s), 0) << hookd.log();
}

TEST(Lifecycle, MetricsExposeTheContractNames) {
  Scenario scenario;
  scenario.create_input_topics();
  HookdProcess hookd(scenario.config_yaml(""));
  hookd.start();
  ASSERT_TRUE(hookd.wait_ready(60s)) << hookd.log();
  std::string metrics;
  ASSERT_EQ(hookd.admin_get("/metrics", &metrics), 200);
  for (const char* name :
       {"hookd_events_consumed_total", "hookd_delivery_duration_seconds", "hookd_event_to_delivery_seconds",
        "hookd_subscriptions{state=\"enabled\"}", "hookd_snapshot_ready 1", "hookd_inflight_deliveries",
        "hookd_kafka_reachable 1", "hookd_build_info{"}) {
    EXPECT_THAT(metrics, HasSubstr(name));
  }
  // Ready and joined are exported from the heartbeat, within a second or two of /readyz.
  ASSERT_TRUE(wait_until([&] {
    hookd.admin_get("/metrics", &metrics);
    return metrics.find("hookd_ready 1") != std::string::npos &&
           metrics.find("hookd_group_joined{group=\"events\"} 1") != std::string::npos &&
           metrics.find("hookd_group_joined{group=\"retries\"} 1") != std::string::npos;
  }, 10s)) << metrics;
  // The retry tiers and dead-letter topic were created by hookd.
  kafka::TopicAdmin admin({bootstrap(), {}});
  EXPECT_TRUE(admin.topic_exists(scenario.first_retry_topic(), 5s));
  EXPECT_TRUE(admin.topic_exists(scenario.retry_prefix + ".10h", 5s));
  EXPECT_TRUE(admin.topic_exists(scenario.dead_letter, 5s));
  EXPECT_EQ(hookd.terminate(20s), 0) << hookd.log();
}

// The wall-clock time of a log line's "ts" ("2026-12-03T13:21:59.309Z").
std::chrono::system_clock::time_point log_time(const std::string& line) {
  const auto at = line.find("\"ts\":\"");
  std::tm tm{};
  int millis = 0;
  if (at == std::string::npos ||
      std::sscanf(line.c_str() + at + 6, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &millis) != 7) {
    ADD_FAILURE() << "no timestamp in " << line;
    return {};
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(::timegm(&tm)) + std::chrono::milliseconds(millis);
}

TEST(Lifecycle, ReadyAsSoonAsTheGroupHasAssignedPartitions) {
  Scenario scenario;
  scenario.create_input_topics();
  HookdProcess hookd(scenario.config_yaml(""));
  hookd.start();
  // /readyz at 20 ms intervals: hookd must say ready within a few of its own 50 ms turns of the
  // assignment, not at its next once-a-second export of the metrics.
  std::chrono::system_clock::time_point ready_at{};
  ASSERT_TRUE(wait_until([&] {
    if (hookd.admin_get("/readyz") != 200) {
      std::this_thread::sleep_for(20ms);
      return false;
    }
    ready_at = std::chrono::system_clock::now();
    return true;
  }, 60s)) << hookd.log();
  const std::string log = hookd.log();
  const std::string assigned = "\"msg\":\"kafka partitions assigned\",\"group\":\"" + scenario.group + "\"";
  const auto line_at = log.find(assigned);
  ASSERT_NE(line_at, std::string::npos) << log;
  const auto line_begin = log.rfind('\n', line_at);
  const std::string line = log.substr(line_begin == std::string::npos ? 0 : line_begin + 1,
                                      log.find('\n', line_at) - (line_begin == std::string::npos ? 0 : line_begin + 1));
  const auto lag = std::chrono::duration_cast<std::chrono::milliseconds>(ready_at - log_time(line));
  EXPECT_LT(lag, 400ms) << line;
  EXPECT_EQ(hookd.terminate(20s), 0) << hookd.log();
}

}  // namespace
}  // namespace hookd::it
