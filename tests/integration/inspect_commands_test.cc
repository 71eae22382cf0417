// The operator commands on the real broker (docs/operations.md, "Answering 'why didn't webhook X
// get event Y?'"): `check --connect`, `attempts`, `explain` and `send-test`, each run as the
// hookd binary with a test's own config.
#include "integration/harness/scenario_test.h"
#include "support/command.h"
#include "support/https_receiver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hookd::it {
namespace {

using namespace std::chrono_literals;
using test_support::Behaviour;
using test_support::CommandResult;
using test_support::HttpsReceiver;
using ::testing::HasSubstr;
using ::testing::Not;

CommandResult hookd(std::vector<std::string> args) { return test_support::run_command(HOOKD_BINARY, args); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class InspectTest : public ScenarioTest {
 protected:
  ~InspectTest() override {
    std::error_code ignored;
    for (const auto& path : written_) std::filesystem::remove(path, ignored);
  }
  // A file in the temporary directory, removed with the test.
  std::string write_file(const std::string& name, const std::string& text) {
    std::string path = (std::filesystem::temp_directory_path() / unique(name)).string();
    std::ofstream(path) << text;
    written_.push_back(path);
    return path;
  }
  std::string config_file(const std::string& extra = "") {
    return write_file("hookd-inspect.yaml", scenario.config_yaml(ca.ca_file(), extra));
  }
  HttpsReceiver receiver{{.tls = true, .certificate = ca.localhost()}};

 private:
  std::vector<std::string> written_;
};

TEST_F(InspectTest, CheckConnectPassesAgainstTheBrokerWithTheTopics) {
  const auto r = hookd({"check", "--connect", "--timeout", "10s", "--config", config_file()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok   brokers: 1 brokers"));
  EXPECT_THAT(r.out, HasSubstr("ok   topic " + scenario.events + ": topics.events: 3 partitions"));
  EXPECT_THAT(r.out, HasSubstr("ok   topic " + scenario.webhooks + ": topics.subscriptions"));
  // Not created yet: hookd creates the topics it writes at start.
  EXPECT_THAT(r.out, HasSubstr("ok   topic " + scenario.dead_letter + ": topics.dead_letter: absent; hookd creates it"));
  EXPECT_THAT(r.out, HasSubstr("ok   group " + scenario.group + ": kafka.group_id:"));
  EXPECT_THAT(r.out, HasSubstr("ok   group " + scenario.group + "-retry: retry.group_id:"));
  EXPECT_THAT(r.out, HasSubstr("ok   producer: idempotent producer id assigned"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAIL")));
}

TEST_F(InspectTest, CheckConnectFailsOnAMissingTopic) {
  const std::string missing = unique("it-missing-events");
  std::string yaml = scenario.config_yaml(ca.ca_file());
  yaml.replace(yaml.find("events: [" + scenario.events + "]"), 9 + scenario.events.size() + 1,
               "events: [" + scenario.events + ", " + missing + "]");
  const auto r = hookd({"check", "--connect", "--config", write_file("hookd-inspect.yaml", yaml)});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok   topic " + scenario.events));
  EXPECT_THAT(r.out, HasSubstr("FAIL topic " + missing + ": topics.events: does not exist"));
  EXPECT_THAT(r.out, HasSubstr("ok   producer"));  // the other checks still ran
}

TEST_F(InspectTest, CheckConnectFailsWithinItsTimeoutWhenNoBrokerAnswers) {
  // TEST-NET-1: nothing answers there; a refused port would fail at once and prove nothing.
  std::string yaml = scenario.config_yaml(ca.ca_file());
  yaml.replace(yaml.find(bootstrap()), bootstrap().size(), "192.0.2.1:9092");
  const auto r = hookd({"check", "--connect", "--timeout", "2s", "--config", write_file("hookd-inspect.yaml", yaml)});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL brokers: 192.0.2.1:9092 did not answer a metadata request within 2000 ms"));
  EXPECT_THAT(r.out, HasSubstr("FAIL producer: not checked"));
  EXPECT_LT(r.elapsed, 2s + 3s) << "each check is bounded by --timeout";
}

TEST_F(InspectTest, AttemptsShowAFailingWebhooksHistoryAndAFirstAttemptSuccess) {
  receiver.set_handler([](const test_support::ReceivedRequest& request) {
    Behaviour b = Behaviour::respond(request.body.find("\"eventId\":\"evt-fail\"") != std::string::npos ? 503 : 200);
    b.body = b.status == 503 ? "receiver down for maintenance" : "thanks";
    return b;
  });
  publish_webhook({.id = "wh-fail", .url = receiver.url("/", "localhost"), .secret = "s"});
  const auto config = scenario.config_yaml_with_schedule(ca.ca_file(), "[100ms, 200ms]");
  auto worker = start_ready_hookd(config);
  // One after the other, so the rows' order (by time) is known.
  publish_event({.id = "evt-ok"});
  ASSERT_TRUE(wait_for_event(receiver, "evt-ok", 30s)) << worker->log_tail(30);
  publish_event({.id = "evt-fail"});
  ASSERT_EQ(read_topic(scenario.dead_letter, 1, 30s).size(), 1u) << worker->log_tail(30);
  // The attempts log is written best effort, after the outcome: give the last line a moment.
  const auto config_path = worker->config_path();
  CommandResult r;
  wait_until([&] {
    r = hookd({"attempts", "--config", config_path, "--webhook", "wh-fail", "--json"});
    return lines_of(r.out).size() >= 4;
  }, 15s);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out << r.err;
  EXPECT_THAT(lines[0], HasSubstr("\"eventId\":\"evt-ok\""));
  EXPECT_THAT(lines[0], HasSubstr("\"attempt\":1,\"result\":\"2xx\",\"status\":200"));
  EXPECT_THAT(lines[0], HasSubstr("\"seenIn\":\"log\"")) << "a first-attempt success is only in the attempts log";
  for (int i = 1; i <= 3; ++i) {
    const auto& line = lines[static_cast<std::size_t>(i)];
    EXPECT_THAT(line, HasSubstr("\"eventId\":\"evt-fail\""));
    EXPECT_THAT(line, HasSubstr("\"attempt\":" + std::to_string(i) + ",\"result\":\"5xx\",\"status\":503"));
    EXPECT_THAT(line, HasSubstr("\"response\":\"receiver down for maintenance\"")) << "from the histories";
    EXPECT_THAT(line, HasSubstr("\"webhookId\":\"wh-fail\""));
  }
  EXPECT_THAT(lines[3], HasSubstr("dead-letter:exhausted"));
  EXPECT_THAT(r.out, Not(HasSubstr("\"s\"")));  // never the secret

  // The table, for one event.
  const auto table = hookd({"attempts", "--config", config_path, "--webhook", "wh-fail", "--event", "evt-fail"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  const auto rows = lines_of(table.out);
  ASSERT_EQ(rows.size(), 4u) << table.out;
  EXPECT_THAT(rows[0], HasSubstr("TIME"));
  EXPECT_THAT(rows[3], HasSubstr("evt-fail"));
  EXPECT_THAT(rows[3], HasSubstr("503"));
  EXPECT_THAT(rows[3], HasSubstr("receiver down for maintenance"));

  // Nothing before --since.
  const auto later = hookd({"attempts", "--config", config_path, "--webhook", "wh-fail", "--since", "2099-01-01T00:00:00Z"});
  EXPECT_EQ(later.exit_code, 0);
  EXPECT_EQ(lines_of(later.out).size(), 1u) << later.out;
}

TEST_F(InspectTest, ExplainSaysMatchOrNamesTheClauseThatFailed) {
  publish_webhook({.id = "wh-filtered", .url = "https://example.com/hook", .secret = "s",
                   .events = {"TODO_CREATED"},
                   .extra_fields = R"("filter":{"currentValue.title":"A todo","currentValue.id":{"$in":["todo-1","todo-2"]}})"});
  const std::string config = config_file();
  const auto event_file = write_file("event.json", event_json({.id = "evt-1"}));

  const auto match = hookd({"explain", "--config", config, "--webhook", "wh-filtered", "--event-file", event_file});
  EXPECT_EQ(match.exit_code, 0) << match.err;
  EXPECT_THAT(match.out, HasSubstr("ok   event type: TODO_CREATED is in metadata.events"));
  EXPECT_THAT(match.out, HasSubstr("\nmatch\n"));

  const auto other =
      write_file("event.json", event_json({.id = "evt-2", .current_value = R"({"id":"todo-1","title":"Other"})"}));
  const auto no = hookd({"explain", "--config", config, "--webhook", "wh-filtered", "--event-file", other});
  EXPECT_EQ(no.exit_code, 0) << no.err;
  EXPECT_THAT(no.out, HasSubstr("FAIL filter: does not hold"));
  EXPECT_THAT(no.out, HasSubstr("FAIL currentValue.title $eq \"A todo\""));
  EXPECT_THAT(no.out, HasSubstr("ok   currentValue.id $in [\"todo-1\", \"todo-2\"]"));
  EXPECT_THAT(no.out, HasSubstr("no match: filter"));

  const auto tenant = write_file("event.json", event_json({.id = "evt-3", .type = "TODO_DELETED", .company = "company-b"}));
  const auto wrong = hookd({"explain", "--config", config, "--webhook", "wh-filtered", "--event-file", tenant});
  EXPECT_THAT(wrong.out, HasSubstr("FAIL company: event company-b != webhook companyId company-a"));
  EXPECT_THAT(wrong.out, HasSubstr("no match: company event type"));

  const auto unknown = hookd({"explain", "--config", config, "--webhook", "wh-none", "--event-file", event_file});
  EXPECT_THAT(unknown.out, HasSubstr("FAIL webhook: wh-none is not in the subscription snapshot"));
}

TEST_F(InspectTest, SendTestDeliversOneSignedSampleThroughTheWorkersClient) {
  receiver.set_handler([](const test_support::ReceivedRequest&) {
    Behaviour b = Behaviour::respond(200);
    b.body = "ok from the receiver \xff";  // not UTF-8: shown cleaned
    return b;
  });
  publish_webhook({.id = "wh-test", .url = receiver.url("/hooks?token=secret-token", "localhost"), .secret = "whsec_c2VjcmV0"});
  const auto r = hookd({"send-test", "--config", config_file(), "--webhook", "wh-test"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("ok   result: 2xx  status: 200"));
  EXPECT_THAT(r.out, HasSubstr("ok from the receiver \xef\xbf\xbd"));
  EXPECT_THAT(r.out, Not(HasSubstr("secret-token"))) << "only the origin is shown";
  ASSERT_EQ(receiver.requests().size(), 1u);
  const auto request = receiver.requests().front();
  EXPECT_THAT(request.body, HasSubstr("\"test\":true"));
  EXPECT_THAT(request.body, HasSubstr("\"event\":\"HOOKD_TEST\""));
  EXPECT_TRUE(request.has_header("webhook-signature"));
  EXPECT_THAT(r.out, HasSubstr(request.header("webhook-id")));

  // A failing receiver: exit 1 and its status.
  receiver.set_handler([](const test_support::ReceivedRequest&) { return Behaviour::respond(503); });
  const auto failed = hookd({"send-test", "--config", config_file(), "--webhook", "wh-test"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.out, HasSubstr("FAIL result: 5xx  status: 503"));
}

TEST_F(InspectTest, SendTestGoesThroughTheWorkersNetworkGuard) {
  publish_webhook({.id = "wh-private", .url = receiver.url("/hooks", "localhost"), .secret = "whsec_c2VjcmV0"});
  // The worker's own setting: without allow_private_networks a loopback receiver is refused.
  std::string yaml = scenario.config_yaml(ca.ca_file());
  const std::string allowed = "allow_private_networks: true";
  ASSERT_NE(yaml.find(allowed), std::string::npos) << yaml;
  yaml.replace(yaml.find(allowed), allowed.size(), "allow_private_networks: false");
  const auto r = hookd({"send-test", "--config", write_file("hookd-inspect.yaml", yaml), "--webhook", "wh-private"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("FAIL result: blocked"));
  EXPECT_EQ(receiver.requests().size(), 0u) << "nothing may reach a refused address";
}

}  // namespace
}  // namespace hookd::it
