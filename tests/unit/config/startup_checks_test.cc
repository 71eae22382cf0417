// Settings that only a starting client would refuse (docs/configuration.md, "What
// --check-config catches"): the loader refuses them, naming the key, so `hookd --check-config`
// fails where `hookd --config` would have failed at start or waited forever.
#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace hookd::config {
namespace {

using testing::HasSubstr;
using testing::Not;

const EnvLookup kNoEnv = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };

LoadResult load(const std::string& yaml) { return load_string(yaml, kNoEnv); }

ConfigError error_of(const std::string& yaml) {
  LoadResult result = load(yaml);
  if (auto* error = std::get_if<ConfigError>(&result)) return *error;
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return ConfigError{};
}

bool loads(const std::string& yaml) {
  LoadResult result = load(yaml);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << to_string(*error) << "\nfor:\n" << yaml;
    return false;
  }
  return true;
}

std::string brokers(const std::string& list) { return "kafka: {bootstrap_servers: \"" + list + "\"}\n"; }

TEST(BrokerList, HostPortEntriesAreAccepted) {
  for (const char* list : {"kafka:9092", "k1:9093,k2:9093", "kafka-0.kafka.svc:9092, kafka-1.kafka.svc:9092",
                           "10.0.0.7:9092", "[::1]:9092", "[2001:db8::1]:9093,b_1:1", "k:65535"}) {
    EXPECT_TRUE(loads(brokers(list))) << list;
  }
}

TEST(BrokerList, WhatLibrdkafkaWouldNeverReachIsRefusedNamingTheKey) {
  struct Case {
    const char* list;
    const char* why;
  };
  for (const Case& c : {Case{"http://kafka:9092", "no scheme"}, Case{"kafka", "entry 1 \"kafka\": no port"},
                        Case{"kafka:notaport,,", "entry 1 \"kafka:notaport\": the port must be 1 to 65535"},
                        Case{"k1:9092,,k2:9092", "entry 2 is empty"}, Case{"k1:9092,", "entry 2 is empty"},
                        Case{",k1:9092", "entry 1 is empty"}, Case{"k:0", "1 to 65535"}, Case{"k:65536", "1 to 65535"},
                        Case{"::1:9092", "brackets"}, Case{"[kafka]:9092", "IPv6"}, Case{"ka fka:9092", "not a valid name"},
                        Case{"SSL://kafka:9093", "no scheme"}, Case{" ", "no broker"}}) {
    const ConfigError e = error_of(brokers(c.list));
    EXPECT_EQ(e.key, "kafka.bootstrap_servers") << c.list;
    EXPECT_THAT(e.message, HasSubstr("kafka.bootstrap_servers")) << c.list;
    EXPECT_THAT(e.message, HasSubstr(c.why)) << c.list;
    EXPECT_EQ(e.line, 1) << c.list;
  }
}

TEST(Proxy, OnlyAnHttpHostPortProxyLoads) {
  EXPECT_TRUE(loads("delivery: {proxy: \"http://proxy.internal:3128\"}\n"));
  EXPECT_TRUE(loads("delivery: {proxy: \"http://[fd00::1]:3128/\"}\n"));
  EXPECT_TRUE(loads("delivery: {proxy: \"\"}\n"));
  struct Case {
    const char* proxy;
    const char* why;
  };
  for (const Case& c : {Case{"https://proxy:3128", "scheme must be http"}, Case{"proxy:3128", "scheme"},
                        Case{"http://proxy", "port is required"}, Case{"http://proxy:0", "1-65535"},
                        Case{"http://proxy:3128/path", "path"}, Case{"socks5://proxy:1080", "scheme"}}) {
    const ConfigError e = error_of(std::string("delivery: {proxy: \"") + c.proxy + "\"}\n");
    EXPECT_EQ(e.key, "delivery.proxy") << c.proxy;
    EXPECT_THAT(e.message, HasSubstr("delivery.proxy must be http://host:port")) << c.proxy;
    EXPECT_THAT(e.message, HasSubstr(c.why)) << c.proxy;
  }
}

TEST(Proxy, TheRefusalNeverRepeatsCredentials) {
  const ConfigError e = error_of("delivery: {proxy: \"http://ops:hunter2@proxy:3128\"}\n");
  EXPECT_EQ(e.key, "delivery.proxy");
  EXPECT_THAT(e.message, HasSubstr("credentials"));
  EXPECT_THAT(e.message, Not(HasSubstr("hunter2")));
}

TEST(MessageMaxBytes, BelowTheLargestRecordIsRefusedAtLoad) {
  // The default 1 MiB events need 2 MiB + 256 KiB records.
  EXPECT_EQ(max_record_bytes(1024 * 1024), 2 * 1024 * 1024 + 256 * 1024);
  const ConfigError e = error_of("kafka: {properties: {message.max.bytes: \"1000000\"}}\n");
  EXPECT_EQ(e.key, "kafka.properties.message.max.bytes");
  EXPECT_THAT(e.message, HasSubstr("limits.max_event_bytes"));
  EXPECT_THAT(e.message, HasSubstr(std::to_string(max_record_bytes(1024 * 1024))));
  EXPECT_TRUE(loads("kafka: {properties: {message.max.bytes: \"2359296\"}}\n"));
  // Smaller events need smaller records.
  EXPECT_TRUE(loads("kafka: {properties: {message.max.bytes: \"1000000\"}}\nlimits: {max_event_bytes: 256KiB}\n"));
}

TEST(KafkaFiles, AFileLibrdkafkaMustOpenHasToBeReadable) {
  const ConfigError e = error_of("kafka: {properties: {ssl.ca.location: /nonexistent/ca.pem}}\n");
  EXPECT_EQ(e.key, "kafka.properties.ssl.ca.location");
  EXPECT_THAT(e.message, HasSubstr("cannot read \"/nonexistent/ca.pem\""));
  EXPECT_EQ(error_of("kafka: {properties: {sasl.kerberos.keytab: /nonexistent/k}}\n").key,
            "kafka.properties.sasl.kerberos.keytab");
  // "probe" searches the usual CA paths.
  EXPECT_TRUE(loads("kafka: {properties: {ssl.ca.location: probe}}\n"));

  const auto file = std::filesystem::temp_directory_path() / ("hookd-startup-check-" + std::to_string(::getpid()));
  std::ofstream(file) << "not checked for content here\n";
  EXPECT_TRUE(loads("kafka: {properties: {ssl.key.location: " + file.string() + "}}\n"));
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace hookd::config
