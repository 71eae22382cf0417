#include "kafka/client_check.h"

#include <array>
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kafka/config.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/topic_admin.h"

namespace hookd::kafka {
namespace {

using ::testing::HasSubstr;

std::string get(const ConfResult& result, const char* name) {
  std::array<char, 256> value{};
  std::size_t size = value.size();
  if (rd_kafka_conf_get(result.conf.get(), name, value.data(), &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return value.data();
}

TEST(CheckClientConfigs, UnknownPropertyIsRefusedNamingIt) {
  const auto error = check_client_configs({"127.0.0.1:1", {{"no.such.property", "1"}}}, {"hookd", "hookd-retry"});
  ASSERT_TRUE(error);
  EXPECT_THAT(*error, HasSubstr("'no.such.property'"));
}

TEST(CheckClientConfigs, BadValueIsRefusedNamingTheProperty) {
  const auto error =
      check_client_configs({"127.0.0.1:1", {{"compression.type", "banana"}}}, {"hookd", "hookd-retry"});
  ASSERT_TRUE(error);
  EXPECT_THAT(*error, HasSubstr("'compression.type'"));
}

TEST(CheckClientConfigs, GoodPropertiesPass) {
  const ClientSettings settings{"127.0.0.1:1",
                                {{"linger.ms", "20"},
                                 {"session.timeout.ms", "6000"},
                                 {"auto.offset.reset", "latest"},
                                 {"client.id", "mine"}}};
  EXPECT_EQ(check_client_configs(settings, {"hookd", "hookd-retry"}), std::nullopt);
  EXPECT_EQ(check_client_configs({"127.0.0.1:1", {}}, {}), std::nullopt);
}

TEST(ClientConfs, EachClientLayersItsOwnPropertiesOverTheUsers) {
  const ClientSettings settings{"127.0.0.1:1", {{"linger.ms", "20"}, {"session.timeout.ms", "6000"}}};

  ProducerOptions producer_options;
  producer_options.message_timeout = std::chrono::milliseconds(7'000);
  const auto producer = producer_conf(settings, producer_options);
  ASSERT_TRUE(producer.conf) << producer.error;
  EXPECT_EQ(get(producer, "linger.ms"), "20");  // the user's value over hookd's default
  EXPECT_EQ(get(producer, "enable.idempotence"), "true");
  EXPECT_EQ(get(producer, "message.timeout.ms"), "7000");

  GroupConsumerOptions options;
  options.group_id = "hookd-retry";
  const auto consumer = group_consumer_conf(settings, options);
  ASSERT_TRUE(consumer.conf) << consumer.error;
  EXPECT_EQ(get(consumer, "group.id"), "hookd-retry");
  EXPECT_EQ(get(consumer, "session.timeout.ms"), "6000");
  EXPECT_EQ(get(consumer, "enable.auto.offset.store"), "false");

  const auto admin = topic_admin_conf(settings);
  ASSERT_TRUE(admin.conf) << admin.error;
  EXPECT_EQ(get(admin, "client.id"), "hookd-admin");

  const auto reader = reader_conf(settings, "hookd-table");
  ASSERT_TRUE(reader.conf) << reader.error;
  EXPECT_EQ(get(reader, "isolation.level"), "read_committed");
}

TEST(GroupConsumerConf, FleetDefaultsForSessionAndHeartbeatThatThePropertiesOverride) {
  GroupConsumerOptions options;
  const auto defaults = group_consumer_conf({"127.0.0.1:1", {}}, options);
  ASSERT_TRUE(defaults.conf) << defaults.error;
  EXPECT_EQ(get(defaults, "session.timeout.ms"), "10000");
  EXPECT_EQ(get(defaults, "heartbeat.interval.ms"), "1000");

  const auto overridden = group_consumer_conf(
      {"127.0.0.1:1", {{"session.timeout.ms", "30000"}, {"heartbeat.interval.ms", "3000"}}}, options);
  ASSERT_TRUE(overridden.conf) << overridden.error;
  EXPECT_EQ(get(overridden, "session.timeout.ms"), "30000");
  EXPECT_EQ(get(overridden, "heartbeat.interval.ms"), "3000");
}

TEST(GroupConsumerConf, AnInstanceIdMakesAStaticMemberAndNoneADynamicOne) {
  GroupConsumerOptions options;
  const auto dynamic = group_consumer_conf({"127.0.0.1:1", {}}, options);
  ASSERT_TRUE(dynamic.conf) << dynamic.error;
  EXPECT_EQ(get(dynamic, "group.instance.id"), "<unset>");

  options.instance_id = "hookd-7d9f-abcde";
  const auto fixed = group_consumer_conf({"127.0.0.1:1", {}}, options);
  ASSERT_TRUE(fixed.conf) << fixed.error;
  EXPECT_EQ(get(fixed, "group.instance.id"), "hookd-7d9f-abcde");
}

TEST(CheckClientConfigs, BuildsTheStaticMembersConfigurations) {
  EXPECT_EQ(check_client_configs({"127.0.0.1:1", {}}, {"hookd", "hookd-retry"}, "pod-0"), std::nullopt);
}

}  // namespace
}  // namespace hookd::kafka
