#include "integration/harness/scenario_test.h"

namespace hookd::it {

using namespace std::chrono_literals;

void ScenarioTest::SetUp() {
  ASSERT_FALSE(bootstrap().empty()) << "HOOKD_TEST_KAFKA_STATE not set: run through ctest (kafka.start fixture)";
  scenario.create_input_topics();
}

void ScenarioTest::publish_webhook(const WebhookSpec& spec) {
  publisher.send(scenario.webhooks, spec.id, webhook_json(spec));
}

void ScenarioTest::publish_event(const EventSpec& spec) { publisher.send(scenario.events, spec.id, event_json(spec)); }

std::unique_ptr<HookdProcess> ScenarioTest::start_ready_hookd(const std::string& config_yaml) {
  auto hookd = std::make_unique<HookdProcess>(config_yaml);
  hookd->start();
  EXPECT_TRUE(hookd->wait_ready(60s)) << hookd->log();
  return hookd;
}

}  // namespace hookd::it
