// The base fixture of the integration tests: a test CA for their HTTPS receivers, a Scenario
// of topics of its own (input topics created), a publisher, and hookd started and waited for.
// A test fixture derives from it and adds its receivers and its hookd config.
#pragma once

#include "integration/harness/harness.h"
#include "support/test_ca.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace hookd::it {

class ScenarioTest : public ::testing::Test {
 protected:
  // Fails the test when the broker fixture (kafka.start) did not run.
  void SetUp() override;

  void publish_webhook(const WebhookSpec& spec);
  void publish_event(const EventSpec& spec);
  // Starts hookd with this config and waits up to a minute until it is ready.
  std::unique_ptr<HookdProcess> start_ready_hookd(const std::string& config_yaml);

  test_support::TestCa ca;
  Scenario scenario;
  Publisher publisher;
};

}  // namespace hookd::it
