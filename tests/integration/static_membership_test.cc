// Static membership on the real broker (docs/operations.md, identity and timeouts): a worker
// killed with kill -9 and restarted with the same kafka.instance_id gets its partitions back
// without a rebalance, long before its session would time out, while the other worker keeps
// its own; a worker stopped with SIGTERM hands its partitions over at once; a second live
// worker with the same id stops the first with exit code 2.
//
// The session timeout here is 20 s, so "well before the session timeout" (10 s) cannot be met
// by a rejoin that waits for the old member to expire. Each test takes 15-30 s.
#include "integration/harness/harness.h"
#include "support/https_receiver.h"
#include "support/test_ca.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::HttpsReceiver;
using test_support::TestCa;

constexpr auto kSession = 20s;
constexpr int kPartitions = 3;  // of the events topic (Scenario::create_input_topics)

// The JSON log lines of `log` whose msg is `msg` and whose group is `group`.
std::vector<boost::json::object> log_lines(const std::string& log, const std::string& msg, const std::string& group) {
  std::vector<boost::json::object> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec);
    if (ec || !value.is_object()) continue;
    auto& o = value.as_object();
    const auto* m = o.if_contains("msg");
    const auto* g = o.if_contains("group");
    if (m && g && m->is_string() && g->is_string() && m->as_string() == msg && g->as_string() == group) {
      out.push_back(std::move(o));
    }
  }
  return out;
}

// How many partitions of `group` the process's last assignment holds; -1 before any.
int assigned_count(const HookdProcess& hookd, const std::string& group) {
  const auto lines = log_lines(hookd.log(), "kafka partitions assigned", group);
  if (lines.empty()) return -1;
  const auto* count = lines.back().if_contains("count");
  return count && count->is_int64() ? static_cast<int>(count->as_int64()) : -1;
}

// Every rebalance event of `group` this process logged (assigned and revoked).
std::size_t rebalances(const HookdProcess& hookd, const std::string& group) {
  const std::string log = hookd.log();
  return log_lines(log, "kafka partitions assigned", group).size() +
         log_lines(log, "kafka partitions revoked", group).size();
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class StaticMembership : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(bootstrap().empty()) << "HOOKD_TEST_KAFKA_STATE not set: run through ctest (kafka.start fixture)";
    scenario_.create_input_topics();
    publisher_.send(scenario_.webhooks, "wh-static",
                    webhook_json({.id = "wh-static", .url = receiver_.url("/hook", "localhost"),
                                  .secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}));
  }

  std::unique_ptr<HookdProcess> worker(const std::string& instance_id) {
    return std::make_unique<HookdProcess>(scenario_.config_yaml_static(ca_.ca_file(), instance_id, kSession));
  }

  // One event on each partition of the events topic; their ids.
  std::vector<std::string> one_event_per_partition(const std::string& prefix) {
    std::vector<std::string> ids;
    for (int p = 0; p < kPartitions; ++p) {
      ids.push_back(prefix + "-p" + std::to_string(p));
      publisher_.send_at(scenario_.events, p, unix_ms(), ids.back(), event_json({.id = ids.back()}));
    }
    return ids;
  }

  // Waits until every event was delivered; the time it took from `since`, or nullopt.
  std::optional<std::chrono::milliseconds> delivered(const std::vector<std::string>& ids,
                                                     std::chrono::steady_clock::time_point since,
                                                     std::chrono::milliseconds timeout) {
    for (const auto& id : ids)
      if (!wait_for_event(receiver_, id, timeout)) return std::nullopt;
    auto last = since;
    for (const auto& id : ids)
      for (const auto& r : requests_for(receiver_, id)) last = std::max(last, r.arrived);
    return std::chrono::duration_cast<std::chrono::milliseconds>(last - since);
  }

  // Both workers hold part of the events topic and have delivered an event of every partition:
  // the group is stable.
  void wait_until_split(const HookdProcess& a, const HookdProcess& b) {
    const bool split = wait_until(
        [&] {
          const int na = assigned_count(a, scenario_.group);
          const int nb = assigned_count(b, scenario_.group);
          return na > 0 && nb > 0 && na + nb == kPartitions;
        },
        60s);
    ASSERT_TRUE(split) << "the two workers never shared the partitions\n" << a.log_tail(30) << b.log_tail(30);
    ASSERT_TRUE(delivered(one_event_per_partition("warm-up"), std::chrono::steady_clock::now(), 30s))
        << a.log_tail(30) << b.log_tail(30);
  }

  TestCa ca_;
  HttpsReceiver receiver_{{.tls = true, .certificate = ca_.localhost(), .threads = 2}};
  Scenario scenario_;
  Publisher publisher_;
};

TEST_F(StaticMembership, KilledWorkerRestartedWithItsIdDeliversBeforeItsSessionWouldExpireAndTheOtherKeepsItsPartitions) {
  auto a = worker(unique("worker-a"));
  auto b = worker(unique("worker-b"));
  a->start();
  ASSERT_TRUE(a->wait_ready(60s)) << a->log();
  b->start();
  ASSERT_TRUE(b->wait_ready(60s)) << b->log();
  wait_until_split(*a, *b);
  if (HasFatalFailure()) return;
  const std::size_t b_events_rebalances = rebalances(*b, scenario_.group);
  const std::size_t b_retry_rebalances = rebalances(*b, scenario_.group + "-retry");
  const int a_partitions = assigned_count(*a, scenario_.group);

  a->kill9();
  const auto restarted = std::chrono::steady_clock::now();
  a->start();  // same config file: same kafka.instance_id
  const auto took = delivered(one_event_per_partition("after-restart"), restarted, kSession + 20s);
  ASSERT_TRUE(took) << "not every partition delivered after the restart\n" << a->log_tail(40);
  std::printf("static membership: first deliveries on every partition %lld ms after the restart (session %lld ms)\n",
              static_cast<long long>(took->count()),
              static_cast<long long>(std::chrono::milliseconds(kSession).count()));
  EXPECT_LT(*took, std::chrono::milliseconds(kSession) / 2) << a->log_tail(40);

  // The restarted member got its partitions back as they were; the other was never rebalanced.
  EXPECT_EQ(assigned_count(*a, scenario_.group), a_partitions) << a->log_tail(40);
  EXPECT_EQ(rebalances(*b, scenario_.group), b_events_rebalances) << b->log_tail(40);
  EXPECT_EQ(rebalances(*b, scenario_.group + "-retry"), b_retry_rebalances) << b->log_tail(40);
  EXPECT_TRUE(b->running());
}

TEST_F(StaticMembership, SigtermHandsThePartitionsToTheOtherWorkerAtOnce) {
  auto a = worker(unique("worker-a"));
  auto b = worker(unique("worker-b"));
  a->start();
  ASSERT_TRUE(a->wait_ready(60s)) << a->log();
  b->start();
  ASSERT_TRUE(b->wait_ready(60s)) << b->log();
  wait_until_split(*a, *b);
  if (HasFatalFailure()) return;

  const auto stopping = std::chrono::steady_clock::now();
  ASSERT_EQ(a->terminate(30s), 0) << a->log_tail(40);
  EXPECT_NE(a->log().find("kafka consumer left the group"), std::string::npos) << a->log_tail(40);
  // A static member that did not leave would keep its partitions until its session expired.
  const auto took = delivered(one_event_per_partition("after-stop"), stopping, kSession + 20s);
  ASSERT_TRUE(took) << b->log_tail(40);
  std::printf("static membership: every partition delivered by the other worker %lld ms after SIGTERM\n",
              static_cast<long long>(took->count()));
  EXPECT_LT(*took, std::chrono::milliseconds(kSession) / 2) << b->log_tail(40);
  EXPECT_EQ(assigned_count(*b, scenario_.group), kPartitions);
}

TEST_F(StaticMembership, ASecondLiveWorkerWithTheSameIdStopsTheFirstWithExitCodeTwo) {
  const std::string id = unique("worker-same");
  auto first = worker(id);
  first->start();
  ASSERT_TRUE(first->wait_ready(60s)) << first->log();
  ASSERT_TRUE(delivered(one_event_per_partition("before-clash"), std::chrono::steady_clock::now(), 30s));

  auto second = worker(id);
  second->start();
  ASSERT_TRUE(second->wait_ready(60s)) << second->log();
  // The broker gives the id to the newcomer; the first is fenced, says why and exits 2
  // (its log's last word is {"msg":"stopped","exit_code":2}), and never rejoins.
  ASSERT_TRUE(wait_until([&] { return !first->running(); }, 30s)) << first->log_tail(40);
  const std::string log = first->log();
  EXPECT_NE(log.find("another live worker uses this kafka.instance_id"), std::string::npos) << first->log_tail(40);
  EXPECT_NE(log.find("\"kafka.instance_id\":\"" + id + "\""), std::string::npos) << first->log_tail(40);
  const auto stopped = log.find("\"msg\":\"stopped\"");
  ASSERT_NE(stopped, std::string::npos) << first->log_tail(20);
  EXPECT_NE(log.substr(stopped, log.find('\n', stopped) - stopped).find("\"exit_code\":2"), std::string::npos)
      << first->log_tail(20);

  // The newcomer delivers on every partition.
  ASSERT_TRUE(delivered(one_event_per_partition("after-clash"), std::chrono::steady_clock::now(), 30s))
      << second->log_tail(40);
  EXPECT_TRUE(second->running());
}

}  // namespace
}  // namespace hookd::it
