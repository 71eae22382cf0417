#include "kafka/config.h"

#include <array>
#include <string>

#include <gtest/gtest.h>

namespace hookd::kafka {
namespace {

std::string get(rd_kafka_conf_t* conf, const char* name) {
  std::array<char, 256> value{};
  std::size_t size = value.size();
  if (rd_kafka_conf_get(conf, name, value.data(), &size) != RD_KAFKA_CONF_OK) return "<unset>";
  return value.data();
}

TEST(MakeConf, LayersDefaultsUserPropertiesAndFixed) {
  ClientSettings settings{"127.0.0.1:1", {{"linger.ms", "50"}, {"acks", "1"}, {"client.id", "mine"}}};
  auto result = make_conf(settings, {{"linger.ms", "5"}, {"socket.nagle.disable", "true"}}, {{"acks", "all"}});
  ASSERT_TRUE(result.conf) << result.error;
  EXPECT_EQ(get(result.conf.get(), "bootstrap.servers"), "127.0.0.1:1");
  EXPECT_EQ(get(result.conf.get(), "linger.ms"), "50");             // the user may override a default
  EXPECT_EQ(get(result.conf.get(), "socket.nagle.disable"), "true");  // default kept
  EXPECT_EQ(get(result.conf.get(), "acks"), "-1");                    // fixed wins over the user ("all" = -1)
  EXPECT_EQ(get(result.conf.get(), "client.id"), "mine");
}

TEST(MakeConf, UnknownPropertyIsNamed) {
  ClientSettings settings{"127.0.0.1:1", {{"no.such.property", "1"}}};
  auto result = make_conf(settings, {}, {});
  EXPECT_FALSE(result.conf);
  EXPECT_NE(result.error.find("'no.such.property'"), std::string::npos) << result.error;
}

TEST(MakeConf, BadValueIsNamed) {
  ClientSettings settings{"127.0.0.1:1", {{"linger.ms", "soon"}}};
  auto result = make_conf(settings, {}, {});
  EXPECT_FALSE(result.conf);
  EXPECT_NE(result.error.find("'linger.ms'"), std::string::npos) << result.error;
  EXPECT_THROW(make_conf_or_throw(settings, {}, {}), Error);
}

TEST(Describe, NamesTheCode) {
  EXPECT_EQ(describe(RD_KAFKA_RESP_ERR__QUEUE_FULL).rfind("_QUEUE_FULL: ", 0), 0u);
}

}  // namespace
}  // namespace hookd::kafka
