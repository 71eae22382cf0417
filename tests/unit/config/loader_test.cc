#include "config/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace hookd::config {
namespace {

using std::chrono::milliseconds;
using testing::HasSubstr;
using testing::Not;

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

const EnvLookup kNoEnv = env_of({});

Config load_ok(std::string_view yaml, const EnvLookup& env = kNoEnv) {
  LoadResult result = load_string(yaml, env);
  if (auto* error = std::get_if<ConfigError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << to_string(*error) << "\nfor:\n" << yaml;
    return Config{};
  }
  return std::get<Config>(std::move(result));
}

ConfigError load_error(std::string_view yaml, const EnvLookup& env = kNoEnv) {
  LoadResult result = load_string(yaml, env);
  if (auto* error = std::get_if<ConfigError>(&result)) return *error;
  ADD_FAILURE() << "expected an error for:\n" << yaml;
  return ConfigError{};
}

TEST(ConfigDefaults, EmptyDocumentsMeanEveryDefault) {
  for (std::string_view yaml : {"{}", "", "# only a comment\n", "kafka:\ndelivery: {}\n"}) {
    EXPECT_EQ(load_ok(yaml), Config{}) << yaml;
  }
}

TEST(ConfigDefaults, MatchTheDocumentedValues) {
  const Config c = load_ok("{}");
  EXPECT_EQ(c.kafka.bootstrap_servers, "127.0.0.1:9092");
  EXPECT_EQ(c.kafka.group_id, "hookd");
  EXPECT_TRUE(c.kafka.properties.empty());
  EXPECT_EQ(c.kafka.unavailable_after, milliseconds(60'000));
  EXPECT_EQ(c.kafka.commit_interval, milliseconds(1'000));
  EXPECT_EQ(c.kafka.revoke_grace, milliseconds(5'000));
  EXPECT_EQ(c.topics.events, std::vector<std::string>{"blue.events"});
  EXPECT_EQ(c.topics.subscriptions, "blue.webhooks");
  EXPECT_EQ(c.topics.retry_prefix, "hookd.retry");
  EXPECT_EQ(c.topics.dead_letter, "hookd.dlq");
  EXPECT_EQ(c.topics.partitions, 12);
  EXPECT_EQ(c.topics.replication_factor, 3);
  EXPECT_EQ(c.topics.dead_letter_retention, milliseconds(14LL * 24 * 3600 * 1000));
  EXPECT_EQ(c.retry.schedule, (std::vector<std::string>{"5s", "5m", "30m", "2h", "5h", "10h", "10h"}));
  EXPECT_EQ(c.retry.throttle_floor, milliseconds(60'000));
  EXPECT_EQ(c.retry.group_id, "hookd-retry");
  EXPECT_EQ(c.topics.status, "hookd.webhook-status");
  EXPECT_EQ(c.health.failures_to_unhealthy, 5);
  EXPECT_EQ(c.health.probe_interval, milliseconds(30'000));
  EXPECT_EQ(c.delivery.timeout, milliseconds(7000));
  EXPECT_EQ(c.delivery.connect_timeout, milliseconds(3000));
  EXPECT_EQ(c.delivery.max_in_flight, 2048);
  EXPECT_EQ(c.delivery.max_in_flight_per_origin, 64);
  EXPECT_EQ(c.delivery.max_queued_per_origin, 4096);
  EXPECT_EQ(c.delivery.max_origin_queue_wait, std::chrono::seconds(1));
  EXPECT_EQ(c.delivery.max_response_bytes, 65536u);
  EXPECT_FALSE(c.delivery.allow_private_networks);
  EXPECT_TRUE(c.delivery.allow_http);
  EXPECT_EQ(c.delivery.ca_file, "");
  EXPECT_EQ(c.delivery.threads, 2);
  EXPECT_EQ(c.delivery.dns_cache_ttl, milliseconds(30'000));
  EXPECT_EQ(c.delivery.idle_timeout, milliseconds(60'000));
  EXPECT_EQ(c.delivery.idle_surplus_timeout, milliseconds(10'000));
  EXPECT_EQ(c.delivery.max_idle_connections, 1024);
  EXPECT_EQ(c.delivery.rate_limit_max_wait, milliseconds(5'000));
  EXPECT_EQ(c.delivery.max_in_flight_bytes, 256u * 1024 * 1024);
  EXPECT_EQ(c.delivery.max_in_flight_per_tenant, 512);
  EXPECT_EQ(c.delivery.max_in_flight_bytes_per_tenant, 64u * 1024 * 1024);
  EXPECT_EQ(c.delivery.max_queued_per_tenant, 512);
  EXPECT_EQ(c.delivery.max_queued_bytes_per_tenant, 64u * 1024 * 1024);
  EXPECT_EQ(c.delivery.max_tenant_queue_wait, std::chrono::seconds(1));
  EXPECT_EQ(c.delivery.max_uncommitted_per_partition, 1000);
  EXPECT_EQ(c.limits.max_event_bytes, 1048576u);
  EXPECT_EQ(c.shutdown.grace_period, milliseconds(15'000));
  EXPECT_EQ(c.log.level, log::Level::info);
  EXPECT_EQ(c.admin.listen, "0.0.0.0:9464");
  EXPECT_EQ(c.admin.host, "0.0.0.0");
  EXPECT_EQ(c.admin.port, 9464);
}

TEST(ConfigParse, ReadsEveryKey) {
  const Config c = load_ok(R"(
kafka:
  bootstrap_servers: "k1:9093,k2:9093"
  group_id: hookd-prod
  unavailable_after: 2m
  commit_interval: 250ms
  revoke_grace: 3s
  instance_id: hookd-0
  properties:
    security.protocol: SASL_SSL
    sasl.mechanisms: PLAIN
    session.timeout.ms: 6000
topics:
  events: [blue.events, other_events-2]
  subscriptions: subs
  retry_prefix: r
  dead_letter: dead
  status: statuses
  partitions: 3
  replication_factor: 1
  dead_letter_retention: 48h
retry:
  schedule: [250ms, 1s]
  throttle_floor: 90s
  group_id: retriers
health:
  failures_to_unhealthy: 3
  probe_interval: 5s
delivery:
  timeout: 10s
  connect_timeout: 500ms
  max_in_flight: 100
  max_in_flight_per_origin: 8
  max_queued_per_origin: 16
  max_response_bytes: 1KiB
  allow_private_networks: true
  allow_http: false
  threads: 4
  dns_cache_ttl: 1m
  idle_timeout: 2m
  idle_surplus_timeout: 3s
  max_idle_connections: 64
  rate_limit_max_wait: 2s
  max_in_flight_bytes: 64MiB
  max_uncommitted_per_partition: 200
  max_in_flight_per_tenant: 30
  max_in_flight_bytes_per_tenant: 8MiB
  max_queued_per_tenant: 40
  max_queued_bytes_per_tenant: 4MiB
  max_tenant_queue_wait: 250ms
limits:
  max_event_bytes: 2048
shutdown:
  grace_period: 1s
log:
  level: debug
admin:
  listen: "[::1]:0"
)");
  EXPECT_EQ(c.kafka.bootstrap_servers, "k1:9093,k2:9093");
  EXPECT_EQ(c.kafka.group_id, "hookd-prod");
  EXPECT_EQ(c.kafka.unavailable_after, milliseconds(120'000));
  EXPECT_EQ(c.kafka.commit_interval, milliseconds(250));
  EXPECT_EQ(c.kafka.revoke_grace, milliseconds(3'000));
  EXPECT_EQ(c.kafka.instance_id, "hookd-0");
  EXPECT_EQ(c.kafka.properties, (std::map<std::string, std::string>{
                                    {"security.protocol", "SASL_SSL"},
                                    {"sasl.mechanisms", "PLAIN"},
                                    {"session.timeout.ms", "6000"}}));
  EXPECT_EQ(c.topics.events, (std::vector<std::string>{"blue.events", "other_events-2"}));
  EXPECT_EQ(c.topics.subscriptions, "subs");
  EXPECT_EQ(c.topics.retry_prefix, "r");
  EXPECT_EQ(c.topics.dead_letter, "dead");
  EXPECT_EQ(c.topics.partitions, 3);
  EXPECT_EQ(c.topics.replication_factor, 1);
  EXPECT_EQ(c.topics.dead_letter_retention, milliseconds(48LL * 3600 * 1000));
  EXPECT_EQ(c.retry.schedule, (std::vector<std::string>{"250ms", "1s"}));
  EXPECT_EQ(c.retry.throttle_floor, milliseconds(90'000));
  EXPECT_EQ(c.retry.group_id, "retriers");
  EXPECT_EQ(c.topics.status, "statuses");
  EXPECT_EQ(c.health.failures_to_unhealthy, 3);
  EXPECT_EQ(c.health.probe_interval, milliseconds(5000));
  EXPECT_EQ(c.delivery.timeout, milliseconds(10'000));
  EXPECT_EQ(c.delivery.connect_timeout, milliseconds(500));
  EXPECT_EQ(c.delivery.max_in_flight, 100);
  EXPECT_EQ(c.delivery.max_in_flight_per_origin, 8);
  EXPECT_EQ(c.delivery.max_queued_per_origin, 16);
  EXPECT_EQ(c.delivery.max_response_bytes, 1024u);
  EXPECT_TRUE(c.delivery.allow_private_networks);
  EXPECT_FALSE(c.delivery.allow_http);
  EXPECT_EQ(c.delivery.threads, 4);
  EXPECT_EQ(c.delivery.dns_cache_ttl, milliseconds(60'000));
  EXPECT_EQ(c.delivery.idle_timeout, milliseconds(120'000));
  EXPECT_EQ(c.delivery.idle_surplus_timeout, milliseconds(3'000));
  EXPECT_EQ(c.delivery.max_idle_connections, 64);
  EXPECT_EQ(c.delivery.rate_limit_max_wait, milliseconds(2'000));
  EXPECT_EQ(c.delivery.max_in_flight_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(c.delivery.max_uncommitted_per_partition, 200);
  EXPECT_EQ(c.delivery.max_in_flight_per_tenant, 30);
  EXPECT_EQ(c.delivery.max_in_flight_bytes_per_tenant, 8u * 1024 * 1024);
  EXPECT_EQ(c.delivery.max_queued_per_tenant, 40);
  EXPECT_EQ(c.delivery.max_queued_bytes_per_tenant, 4u * 1024 * 1024);
  EXPECT_EQ(c.delivery.max_tenant_queue_wait, milliseconds(250));
  EXPECT_EQ(c.limits.max_event_bytes, 2048u);
  EXPECT_EQ(c.shutdown.grace_period, milliseconds(1000));
  EXPECT_EQ(c.log.level, log::Level::debug);
  EXPECT_EQ(c.admin.listen, "[::1]:0");
  EXPECT_EQ(c.admin.host, "::1");
  EXPECT_EQ(c.admin.port, 0);
}

TEST(ConfigParse, OmittedKeysKeepTheirDefaults) {
  const Config c = load_ok("delivery: {timeout: 1s}\n");
  Config expected;
  expected.delivery.timeout = milliseconds(1000);
  EXPECT_EQ(c, expected);
}

TEST(ConfigParse, AcceptsQuotedNumbersAndSpelledBooleans) {
  const Config c = load_ok("topics: {partitions: \"6\"}\ndelivery: {allow_http: False, max_response_bytes: \"2MiB\"}\n");
  EXPECT_EQ(c.topics.partitions, 6);
  EXPECT_FALSE(c.delivery.allow_http);
  EXPECT_EQ(c.delivery.max_response_bytes, 2u * 1024 * 1024);
}

TEST(ConfigParse, AdminListenForms) {
  EXPECT_EQ(load_ok("admin: {listen: \"127.0.0.1:8080\"}").admin.host, "127.0.0.1");
  EXPECT_EQ(load_ok("admin: {listen: \"127.0.0.1:8080\"}").admin.port, 8080);
  EXPECT_EQ(load_ok("admin: {listen: \"localhost:65535\"}").admin.port, 65535);
  EXPECT_EQ(load_ok("admin: {listen: \"[::]:9464\"}").admin.host, "::");
}

TEST(ConfigParse, CaFileMustBeReadable) {
  const std::string path = testing::TempDir() + "hookd_config_test_ca.pem";
  std::ofstream(path) << "not really a certificate\n";
  EXPECT_EQ(load_ok("delivery: {ca_file: \"" + path + "\"}").delivery.ca_file, path);
  std::remove(path.c_str());
  const ConfigError e = load_error("delivery: {ca_file: \"" + path + "\"}");
  EXPECT_EQ(e.key, "delivery.ca_file");
  EXPECT_THAT(e.message, HasSubstr("No such file"));
}

struct BadValue {
  const char* yaml;
  const char* key;
  const char* expected;  // a piece of the message saying what is expected
};

TEST(ConfigErrors, EachBadValueNamesItsKeyAndWhatIsExpected) {
  const BadValue cases[] = {
      {"delivery: {timeout: 7 s}", "delivery.timeout", "duration"},
      {"delivery: {timeout: 7}", "delivery.timeout", "duration"},
      {"delivery: {timeout: 0s}", "delivery.timeout", "positive duration"},
      {"delivery: {timeout: -1s}", "delivery.timeout", "duration"},
      {"delivery: {connect_timeout: 1.5s}", "delivery.connect_timeout", "duration"},
      {"delivery: {dns_cache_ttl: 30sec}", "delivery.dns_cache_ttl", "duration"},
      {"delivery: {rate_limit_max_wait: -1s}", "delivery.rate_limit_max_wait", "duration"},
      {"kafka: {unavailable_after: soon}", "kafka.unavailable_after", "duration"},
      {"shutdown: {grace_period: }", "shutdown.grace_period", "duration"},
      {"retry: {throttle_floor: [1s]}", "retry.throttle_floor", "duration"},
      {"topics: {dead_letter_retention: 14d}", "topics.dead_letter_retention", "duration"},
      {"delivery: {max_response_bytes: 64KB}", "delivery.max_response_bytes", "size"},
      {"delivery: {max_response_bytes: 0}", "delivery.max_response_bytes", "positive size"},
      {"limits: {max_event_bytes: 1.5MiB}", "limits.max_event_bytes", "size"},
      {"delivery: {allow_http: yes}", "delivery.allow_http", "true or false"},
      {"delivery: {allow_private_networks: 1}", "delivery.allow_private_networks", "true or false"},
      {"delivery: {max_in_flight: 0}", "delivery.max_in_flight", "positive integer"},
      {"delivery: {max_in_flight_per_origin: -1}", "delivery.max_in_flight_per_origin", "positive integer"},
      {"delivery: {max_queued_per_origin: 1.5}", "delivery.max_queued_per_origin", "positive integer"},
      {"delivery: {threads: many}", "delivery.threads", "positive integer"},
      {"topics: {partitions: 99999999999}", "topics.partitions", "positive integer"},
      {"topics: {replication_factor: 0x3}", "topics.replication_factor", "positive integer"},
      {"topics: {subscriptions: \"bad topic\"}", "topics.subscriptions", "Kafka topic name"},
      {"topics: {dead_letter: \"..\"}", "topics.dead_letter", "Kafka topic name"},
      {"topics: {retry_prefix: \"a/b\"}", "topics.retry_prefix", "Kafka topic name"},
      {"topics: {events: [ok, \"no$\"]}", "topics.events[1]", "Kafka topic name"},
      {"topics: {events: []}", "topics.events", "at least one"},
      {"topics: {events: blue.events}", "topics.events", "a list"},
      {"retry: {schedule: [5s, 5]}", "retry.schedule[1]", "duration"},
      {"retry: {schedule: [1.5s]}", "retry.schedule[0]", "duration"},
      {"retry: {schedule: [0s]}", "retry.schedule[0]", "positive duration"},
      {"retry: {schedule: []}", "retry.schedule", "at least one"},
      {"kafka: {group_id: \"\"}", "kafka.group_id", "non-empty"},
      {"kafka: {bootstrap_servers: [a, b]}", "kafka.bootstrap_servers", "single value"},
      {"kafka: {properties: [a]}", "kafka.properties", "mapping"},
      {"log: {level: verbose}", "log.level", "debug, info, warn, error"},
      {"admin: {listen: \"9464\"}", "admin.listen", "host:port"},
      {"admin: {listen: \":9464\"}", "admin.listen", "host:port"},
      {"admin: {listen: \"host:99999\"}", "admin.listen", "host:port"},
      {"admin: {listen: \"host:\"}", "admin.listen", "host:port"},
      {"admin: {listen: \"::1:80\"}", "admin.listen", "brackets"},
      {"delivery: 5", "delivery", "mapping"},
      {"[1, 2]", "", "mapping"},
  };
  for (const BadValue& c : cases) {
    const ConfigError e = load_error(c.yaml);
    EXPECT_EQ(e.key, c.key) << c.yaml;
    EXPECT_THAT(e.message, HasSubstr(c.expected)) << c.yaml;
    if (*c.key != '\0') {
      EXPECT_THAT(e.message, HasSubstr(c.key)) << c.yaml;
    }
  }
}

TEST(ConfigErrors, MessageShowsTheValueAsWrittenAndTheLine) {
  const ConfigError e = load_error("log: {level: info}\ndelivery:\n  timeout: 7 s\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_THAT(e.message, HasSubstr("got \"7 s\""));
  EXPECT_EQ(to_string(e), e.message + " (line 3)");
}

TEST(ConfigErrors, TopicNameLengthLimit) {
  const std::string ok(249, 'a');
  EXPECT_EQ(load_ok("topics: {subscriptions: " + ok + "}").topics.subscriptions, ok);
  EXPECT_EQ(load_error("topics: {subscriptions: " + ok + "a}").key, "topics.subscriptions");
  // The retry tier's whole name must be valid too.
  const ConfigError e = load_error("topics: {retry_prefix: " + std::string(247, 'r') + "}");
  EXPECT_EQ(e.key, "retry.schedule[0]");
  EXPECT_THAT(e.message, HasSubstr("not a valid Kafka topic name"));
}

TEST(ConfigErrors, UnknownKeysAtTheTopLevel) {
  const ConfigError e = load_error("kafak: {}\n");
  EXPECT_EQ(e.key, "kafak");
  EXPECT_THAT(e.message, HasSubstr("unknown key \"kafak\""));
  EXPECT_THAT(e.message, HasSubstr("did you mean \"kafka\""));
  EXPECT_EQ(e.line, 1);
  EXPECT_THAT(load_error("colour: blue\n").message, Not(HasSubstr("did you mean")));
}

TEST(ConfigErrors, UnknownKeysNestedNameTheDottedPath) {
  const ConfigError e = load_error("delivery:\n  timeot: 7s\n");
  EXPECT_EQ(e.key, "delivery.timeot");
  EXPECT_THAT(e.message, HasSubstr("unknown key \"delivery.timeot\""));
  EXPECT_THAT(e.message, HasSubstr("did you mean \"delivery.timeout\""));
  EXPECT_EQ(e.line, 2);
  for (const char* section : {"kafka", "topics", "retry", "delivery", "limits", "shutdown", "log", "admin"}) {
    const ConfigError nested = load_error(std::string(section) + ": {surprise: 1}");
    EXPECT_EQ(nested.key, std::string(section) + ".surprise");
  }
}

TEST(ConfigErrors, DuplicateKeys) {
  const ConfigError e = load_error("delivery:\n  timeout: 1s\n  timeout: 2s\n");
  EXPECT_EQ(e.key, "delivery.timeout");
  EXPECT_THAT(e.message, HasSubstr("duplicate key"));
  EXPECT_EQ(load_error("kafka: {properties: {a.b: 1, a.b: 2}}").key, "kafka.properties.a.b");
}

TEST(ConfigErrors, InvalidYamlCarriesTheLine) {
  const ConfigError e = load_error("delivery:\n  timeout: [1s\n");
  EXPECT_EQ(e.key, "");
  EXPECT_THAT(e.message, HasSubstr("invalid YAML"));
  EXPECT_GT(e.line, 0);
}

TEST(ConfigErrors, TopicsMayNotPlayTwoRoles) {
  EXPECT_EQ(load_error("topics: {events: [a, b, a]}").key, "topics.events[2]");
  EXPECT_EQ(load_error("topics: {events: [a], subscriptions: a}").key, "topics.subscriptions");
  EXPECT_EQ(load_error("topics: {dead_letter: blue.webhooks}").key, "topics.dead_letter");
  EXPECT_EQ(load_error("topics: {dead_letter: blue.events}").key, "topics.dead_letter");
  EXPECT_EQ(load_error("topics: {dead_letter: hookd.retry.5m}").key, "retry.schedule[1]");
}

TEST(ConfigErrors, StatusTopicPlaysOneRoleAndMayBeTurnedOff) {
  EXPECT_EQ(load_error("topics: {status: blue.webhooks}").key, "topics.status");
  EXPECT_EQ(load_error("topics: {status: hookd.dlq}").key, "topics.status");
  EXPECT_EQ(load_error("topics: {status: hookd.attempts}").key, "topics.status");
  EXPECT_EQ(load_error("topics: {status: hookd.retry.5s}").key, "retry.schedule[0]");
  EXPECT_EQ(load_error("topics: {status: \"bad name\"}").key, "topics.status");
  EXPECT_EQ(load_ok("topics: {status: \"\"}").topics.status, "");
}

TEST(ConfigErrors, AttemptsTopicPlaysOneRoleAndMayBeTurnedOff) {
  EXPECT_EQ(load_error("topics: {attempts: blue.events}").key, "topics.attempts");
  EXPECT_EQ(load_error("topics: {attempts: blue.webhooks}").key, "topics.attempts");
  EXPECT_EQ(load_error("topics: {attempts: hookd.dlq}").key, "topics.attempts");
  EXPECT_EQ(load_error("topics: {attempts: hookd.retry.5s}").key, "retry.schedule[0]");
  EXPECT_EQ(load_ok("topics: {attempts: \"\"}").topics.attempts, "");
}

TEST(ConfigErrors, HealthValues) {
  EXPECT_EQ(load_error("health: {failures_to_unhealthy: 0}").key, "health.failures_to_unhealthy");
  EXPECT_EQ(load_error("health: {probe_interval: 0s}").key, "health.probe_interval");
  EXPECT_EQ(load_error("health: {probe_intervall: 1s}").key, "health.probe_intervall");
}

// The poll thread waits for revoked partitions inside the rebalance: the whole group waits
// with it, so the wait stays short of /healthz's 30 s and far below max.poll.interval.ms.
TEST(ConfigErrors, RevokeGraceIsAtMostTwentySeconds) {
  EXPECT_EQ(load_ok("kafka: {revoke_grace: 20s}").kafka.revoke_grace, milliseconds(20'000));
  const ConfigError e = load_error("kafka: {revoke_grace: 21s}");
  EXPECT_EQ(e.key, "kafka.revoke_grace");
  EXPECT_THAT(e.message, HasSubstr("at most 20s"));
}

TEST(ConfigErrors, BoundsOnUncommittedWorkArePositive) {
  EXPECT_EQ(load_error("kafka: {commit_interval: 0s}").key, "kafka.commit_interval");
  EXPECT_EQ(load_error("delivery: {max_uncommitted_per_partition: 0}").key, "delivery.max_uncommitted_per_partition");
  EXPECT_EQ(load_error("delivery: {max_in_flight_bytes: 0}").key, "delivery.max_in_flight_bytes");
}

TEST(ConfigParse, TenantBudgetIsAQuarterOfTheGlobalCapsUnlessSet) {
  const Config c = load_ok("delivery: {max_in_flight: 100, max_in_flight_bytes: 40MiB}");
  EXPECT_EQ(c.delivery.max_in_flight_per_tenant, 25);
  EXPECT_EQ(c.delivery.max_in_flight_bytes_per_tenant, 10u * 1024 * 1024);
  EXPECT_EQ(load_ok("delivery: {max_in_flight: 3}").delivery.max_in_flight_per_tenant, 1);
  // Equal to the global caps: the budget is off, which is allowed.
  const Config off = load_ok(
      "delivery: {max_in_flight: 100, max_in_flight_per_tenant: 100, max_in_flight_bytes: 1MiB,"
      " max_in_flight_bytes_per_tenant: 1MiB}");
  EXPECT_EQ(off.delivery.max_in_flight_per_tenant, 100);
  EXPECT_EQ(off.delivery.max_in_flight_bytes_per_tenant, 1024u * 1024);
  EXPECT_EQ(off.delivery.max_queued_per_tenant, 0) << "nothing left of the global cap to queue in";
  EXPECT_EQ(off.delivery.max_queued_bytes_per_tenant, 0u);
}

TEST(ConfigParse, TenantQueueIsAsMuchAgainAsTheBudgetWithinWhatTheGlobalCapsLeave) {
  const Config c = load_ok("delivery: {max_in_flight: 100, max_in_flight_bytes: 40MiB}");
  EXPECT_EQ(c.delivery.max_queued_per_tenant, 25);
  EXPECT_EQ(c.delivery.max_queued_bytes_per_tenant, 10u * 1024 * 1024);
  const Config most = load_ok("delivery: {max_in_flight: 100, max_in_flight_per_tenant: 80}");
  EXPECT_EQ(most.delivery.max_queued_per_tenant, 20);
}

TEST(ConfigErrors, TenantQueueLeavesPartOfTheGlobalCaps) {
  const ConfigError over = load_error("delivery: {max_in_flight: 100, max_in_flight_per_tenant: 60, max_queued_per_tenant: 41}");
  EXPECT_EQ(over.key, "delivery.max_queued_per_tenant");
  EXPECT_THAT(over.message, HasSubstr("(40)"));
  const ConfigError bytes = load_error(
      "delivery: {max_in_flight_bytes: 4MiB, max_in_flight_bytes_per_tenant: 3MiB, max_queued_bytes_per_tenant: 2MiB}");
  EXPECT_EQ(bytes.key, "delivery.max_queued_bytes_per_tenant");
  EXPECT_EQ(load_error("delivery: {max_queued_per_tenant: 0}").key, "delivery.max_queued_per_tenant");
}

TEST(ConfigErrors, TenantBudgetIsPositiveAndWithinTheGlobalCaps) {
  EXPECT_EQ(load_error("delivery: {max_in_flight_per_tenant: 0}").key, "delivery.max_in_flight_per_tenant");
  EXPECT_EQ(load_error("delivery: {max_in_flight_bytes_per_tenant: 0}").key, "delivery.max_in_flight_bytes_per_tenant");
  const ConfigError over = load_error("delivery: {max_in_flight: 10, max_in_flight_per_tenant: 11}");
  EXPECT_EQ(over.key, "delivery.max_in_flight_per_tenant");
  EXPECT_THAT(over.message, HasSubstr("at most delivery.max_in_flight (10)"));
  const ConfigError bytes = load_error("delivery: {max_in_flight_bytes: 1MiB, max_in_flight_bytes_per_tenant: 2MiB}");
  EXPECT_EQ(bytes.key, "delivery.max_in_flight_bytes_per_tenant");
  EXPECT_THAT(bytes.message, HasSubstr("delivery.max_in_flight_bytes"));
}

TEST(ConfigErrors, RetryGroupMustDifferFromEventsGroup) {
  const ConfigError e = load_error("kafka: {group_id: g}\nretry: {group_id: g}\n");
  EXPECT_EQ(e.key, "retry.group_id");
  EXPECT_THAT(e.message, HasSubstr("kafka.group_id"));
}

TEST(ConfigRetryGroup, DefaultsToTheEventsGroupWithARetrySuffix) {
  EXPECT_EQ(load_ok("kafka: {group_id: billing}").retry.group_id, "billing-retry");
  EXPECT_EQ(load_ok("{}").retry.group_id, "hookd-retry");
  // Written, it wins; only equal names are refused.
  EXPECT_EQ(load_ok("kafka: {group_id: billing}\nretry: {group_id: shared-retry}\n").retry.group_id,
            "shared-retry");
  EXPECT_EQ(load_ok("kafka: {group_id: a-retry}").retry.group_id, "a-retry-retry");
}

TEST(ConfigErrors, RetryGroupEqualToTheEventsGroupIsRefusedNamingBothKeys) {
  const ConfigError e = load_error("kafka: {group_id: billing-retry}\nretry: {group_id: billing-retry}\n");
  EXPECT_EQ(e.key, "retry.group_id");
  EXPECT_THAT(e.message, HasSubstr("retry.group_id"));
  EXPECT_THAT(e.message, HasSubstr("\"billing-retry\""));
  EXPECT_EQ(e.line, 2);
}

TEST(ConfigInstanceId, DefaultsToTheHostName) {
  EXPECT_EQ(load_ok("{}", env_of({{"HOSTNAME", "hookd-5f7c9-x2x4q"}})).kafka.instance_id, "hookd-5f7c9-x2x4q");
  EXPECT_EQ(load_ok("", env_of({{"HOSTNAME", "hookd-0"}})).kafka.instance_id, "hookd-0");
  // No host name: a dynamic member, as before static membership.
  EXPECT_EQ(load_ok("{}").kafka.instance_id, "");
}

TEST(ConfigInstanceId, WrittenItWinsAndEmptyTurnsStaticMembershipOff) {
  const auto env = env_of({{"HOSTNAME", "host-a"}, {"POD", "hookd-1"}, {"NONE", ""}});
  EXPECT_EQ(load_ok("kafka: {instance_id: worker-2}", env).kafka.instance_id, "worker-2");
  EXPECT_EQ(load_ok("kafka: {instance_id: \"${POD}\"}", env).kafka.instance_id, "hookd-1");
  EXPECT_EQ(load_ok("kafka: {instance_id: \"\"}", env).kafka.instance_id, "");
  EXPECT_EQ(load_ok("kafka: {instance_id: \"${NONE}\"}", env).kafka.instance_id, "");
}

TEST(ConfigInstanceId, KafkasCharacterRuleIsCheckedNamingTheKey) {
  const ConfigError written = load_error("kafka: {instance_id: \"pod 1\"}");
  EXPECT_EQ(written.key, "kafka.instance_id");
  EXPECT_THAT(written.message, HasSubstr("a-z A-Z 0-9 . _ -"));
  EXPECT_EQ(load_error("kafka: {instance_id: " + std::string(250, 'a') + "}").key, "kafka.instance_id");
  EXPECT_EQ(load_ok("kafka: {instance_id: " + std::string(249, 'a') + "}").kafka.instance_id.size(), 249u);

  const ConfigError from_env = load_error("{}", env_of({{"HOSTNAME", "host:1"}}));
  EXPECT_EQ(from_env.key, "kafka.instance_id");
  EXPECT_THAT(from_env.message, HasSubstr("HOSTNAME"));
}

TEST(ConfigKafkaProperties, GroupInstanceIdHasItsOwnKey) {
  const ConfigError e = load_error("kafka: {properties: {group.instance.id: x}}");
  EXPECT_EQ(e.key, "kafka.properties.group.instance.id");
  EXPECT_THAT(e.message, HasSubstr("kafka.instance_id"));
}

TEST(ConfigEnv, SubstitutesVariablesAnywhereInAScalar) {
  const Config c = load_ok(R"(
kafka:
  bootstrap_servers: "${KAFKA_HOST}:${KAFKA_PORT}"
  properties:
    sasl.password: ${KAFKA_PASSWORD}
    sasl.username: "user-${ENV_NAME}-x"
delivery:
  timeout: ${TIMEOUT}
  allow_http: ${ALLOW_HTTP}
topics:
  partitions: ${PARTITIONS}
)",
                           env_of({{"KAFKA_HOST", "kafka.internal"},
                                   {"KAFKA_PORT", "9094"},
                                   {"KAFKA_PASSWORD", "s3cr3t$}{"},
                                   {"ENV_NAME", "prod"},
                                   {"TIMEOUT", "9s"},
                                   {"ALLOW_HTTP", "false"},
                                   {"PARTITIONS", "24"}}));
  EXPECT_EQ(c.kafka.bootstrap_servers, "kafka.internal:9094");
  EXPECT_EQ(c.kafka.properties.at("sasl.password"), "s3cr3t$}{");
  EXPECT_EQ(c.kafka.properties.at("sasl.username"), "user-prod-x");
  EXPECT_EQ(c.delivery.timeout, milliseconds(9000));
  EXPECT_FALSE(c.delivery.allow_http);
  EXPECT_EQ(c.topics.partitions, 24);
}

TEST(ConfigEnv, EmptyVariableAndLiteralDollarBrace) {
  const Config c = load_ok("kafka: {properties: {sasl.password: \"a${EMPTY}b$${NOT_A_VAR}c$d\"}}",
                           env_of({{"EMPTY", ""}}));
  EXPECT_EQ(c.kafka.properties.at("sasl.password"), "ab${NOT_A_VAR}c$d");
}

TEST(ConfigEnv, MissingVariableNamesTheKeyAndTheVariable) {
  const ConfigError e = load_error("kafka:\n  properties:\n    sasl.password: ${KAFKA_PASSWORD}\n");
  EXPECT_EQ(e.key, "kafka.properties.sasl.password");
  EXPECT_THAT(e.message, HasSubstr("KAFKA_PASSWORD"));
  EXPECT_THAT(e.message, HasSubstr("not set"));
  EXPECT_EQ(e.line, 3);
}

TEST(ConfigEnv, BadValueFromTheEnvironmentIsNeverPrinted) {
  const ConfigError e = load_error("delivery: {timeout: \"${T}\"}", env_of({{"T", "hunter2"}}));
  EXPECT_EQ(e.key, "delivery.timeout");
  EXPECT_THAT(e.message, Not(HasSubstr("hunter2")));
  EXPECT_THAT(e.message, HasSubstr("${T}"));
}

TEST(ConfigEnv, MalformedReferences) {
  EXPECT_EQ(load_error("kafka: {group_id: \"${UNCLOSED\"}").key, "kafka.group_id");
  EXPECT_THAT(load_error("kafka: {group_id: \"${UNCLOSED\"}").message, HasSubstr("unterminated"));
  EXPECT_THAT(load_error("kafka: {group_id: \"${1BAD}\"}").message, HasSubstr("not an environment variable"));
  EXPECT_THAT(load_error("kafka: {group_id: \"${}\"}").message, HasSubstr("not an environment variable"));
}

TEST(ConfigEnv, ReadsTheProcessEnvironmentByDefault) {
  ::setenv("HOOKD_CONFIG_TEST_GROUP", "from-env", 1);
  LoadResult result = load_string("kafka: {group_id: \"${HOOKD_CONFIG_TEST_GROUP}\"}");
  ::unsetenv("HOOKD_CONFIG_TEST_GROUP");
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).kafka.group_id, "from-env");
}

TEST(ConfigKafkaProperties, GuaranteeBearingPropertiesAreRefused) {
  for (const char* name : {"enable.auto.offset.store", "enable.auto.commit", "enable.idempotence", "acks",
                           "request.required.acks", "isolation.level", "partition.assignment.strategy",
                           "group.id", "bootstrap.servers", "metadata.broker.list", "group.protocol",
                           "transactional.id"}) {
    EXPECT_TRUE(is_reserved_kafka_property(name)) << name;
    const ConfigError e = load_error(std::string("kafka:\n  properties:\n    ") + name + ": x\n");
    EXPECT_EQ(e.key, std::string("kafka.properties.") + name);
    EXPECT_THAT(e.message, HasSubstr(std::string("kafka.properties.") + name));
    EXPECT_EQ(e.line, 3);
  }
  EXPECT_THAT(load_error("kafka: {properties: {group.id: x}}").message, HasSubstr("kafka.group_id"));
  EXPECT_THAT(load_error("kafka: {properties: {bootstrap.servers: x}}").message,
              HasSubstr("kafka.bootstrap_servers"));
  EXPECT_FALSE(is_reserved_kafka_property("security.protocol"));
  EXPECT_FALSE(is_reserved_kafka_property("ACKS"));  // librdkafka names are case-sensitive
}

TEST(ConfigKafkaProperties, TopicPrefixedSpellingsAreRefusedToo) {
  // librdkafka applies "topic.acks" as acks on the global configuration.
  EXPECT_EQ(load_error("kafka: {properties: {topic.acks: \"1\"}}").key, "kafka.properties.topic.acks");
  EXPECT_TRUE(is_reserved_kafka_property("topic.request.required.acks"));
  EXPECT_FALSE(is_reserved_kafka_property("topic.metadata.refresh.interval.ms"));
}

TEST(ConfigKafkaProperties, ValuesMustBeScalars) {
  const ConfigError e = load_error("kafka: {properties: {security: {protocol: SSL}}}");
  EXPECT_EQ(e.key, "kafka.properties.security");
  EXPECT_THAT(e.message, HasSubstr("security.protocol"));
  EXPECT_EQ(load_ok("kafka: {properties: {ssl.ca.location: \"\"}}").kafka.properties.at("ssl.ca.location"), "");
}

TEST(ConfigFile, MissingFileIsAnError) {
  LoadResult result = load_file("/nonexistent/hookd.yaml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(result));
  const ConfigError& e = std::get<ConfigError>(result);
  EXPECT_EQ(e.key, "");
  EXPECT_THAT(e.message, HasSubstr("/nonexistent/hookd.yaml"));
  EXPECT_THAT(e.message, HasSubstr("No such file"));
}

TEST(ConfigFile, ReadsAFile) {
  const std::string path = testing::TempDir() + "hookd_config_test.yaml";
  std::ofstream(path) << "delivery:\n  threads: 3\n";
  LoadResult result = load_file(path);
  std::remove(path.c_str());
  ASSERT_TRUE(std::holds_alternative<Config>(result));
  EXPECT_EQ(std::get<Config>(result).delivery.threads, 3);
}

// examples/hookd.yaml documents every key at its default: it must load and equal Config{}.
TEST(ConfigFile, ExampleFileHoldsEveryDefault) {
  const auto repo = std::filesystem::canonical(__FILE__).parent_path().parent_path().parent_path().parent_path();
  // Without HOSTNAME: its default instance id depends on the machine.
  LoadResult result = load_file((repo / "examples" / "hookd.yaml").string(), kNoEnv);
  if (auto* error = std::get_if<ConfigError>(&result)) FAIL() << to_string(*error);
  EXPECT_EQ(std::get<Config>(result), Config{});
}

}  // namespace
}  // namespace hookd::config
