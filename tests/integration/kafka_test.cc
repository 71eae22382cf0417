// hookd's Kafka wrappers against the real broker (scripts/kafka/start.sh; its state dir in
// HOOKD_TEST_KAFKA_STATE). Every test uses topics and groups of its own.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "integration/harness/harness.h"
#include "kafka/consumer_lag.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/table_reader.h"
#include "kafka/topic_admin.h"

namespace hookd::kafka {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

using it::bootstrap;

class KafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    settings_.bootstrap_servers = bootstrap();
    ASSERT_FALSE(settings_.bootstrap_servers.empty())
        << "no broker: start scripts/kafka/start.sh STATE_DIR and set HOOKD_TEST_KAFKA_STATE=STATE_DIR";
    suffix_ = std::to_string(std::random_device{}());
  }

  std::string unique(const std::string& name) const { return "it-kafka-" + name + "-" + suffix_; }

  void create_topic(const std::string& name, int partitions, std::map<std::string, std::string> configs = {}) {
    TopicAdmin admin(settings_);
    const auto error = admin.ensure_topics({{name, partitions, 1, std::move(configs)}});
    ASSERT_FALSE(error) << *error;
  }

  // Produces and waits for every ack; fails the test on any error.
  void produce_all(Producer& producer, const std::string& topic,
                   const std::vector<std::pair<std::string, std::string>>& records) {
    std::atomic<int> failures{0};
    for (const auto& [k, v] : records) {
      producer.produce(topic, k, v, {}, [&failures](rd_kafka_resp_err_t err) {
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) ++failures;
      });
    }
    ASSERT_EQ(producer.flush(15s), RD_KAFKA_RESP_ERR_NO_ERROR);
    ASSERT_EQ(failures.load(), 0);
  }

  GroupConsumerOptions consumer_options(const std::string& group, const std::string& topic) const {
    GroupConsumerOptions o;
    o.group_id = group;
    o.topics = {topic};
    o.session_timeout = 6000ms;
    return o;
  }

  ClientSettings consumer_settings() const {
    ClientSettings s = settings_;
    s.properties["heartbeat.interval.ms"] = "1000";
    return s;
  }

  // Polls `consumer` until it owns `count` partitions (30 s at most).
  static bool wait_for_assignment(GroupConsumer& consumer, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (consumer.assignment().size() != count && std::chrono::steady_clock::now() < deadline) consumer.poll(100ms);
    return consumer.assignment().size() == count;
  }

  // A second member joins the group of `first` (which owns both partitions of `topic`), takes
  // one partition and leaves, and `first` owns both again: two rebalances for `first`.
  void bounce_a_second_member(GroupConsumer& first, const std::string& group, const std::string& topic) {
    {
      GroupConsumer second(consumer_settings(), consumer_options(group, topic));
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      while (second.assignment().size() != 1 && std::chrono::steady_clock::now() < deadline) {
        first.poll(100ms);
        second.poll(100ms);
      }
      ASSERT_EQ(second.assignment().size(), 1u);
    }
    ASSERT_TRUE(wait_for_assignment(first, 2));
  }

  ClientSettings settings_;
  std::string suffix_;
};

// Polls until `done` or the deadline; returns the records seen (errors are skipped).
std::vector<Message> poll_until(GroupConsumer& consumer, const std::function<bool(const std::vector<Message>&)>& done,
                                std::chrono::milliseconds timeout = 20s) {
  std::vector<Message> out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done(out) && std::chrono::steady_clock::now() < deadline) {
    Message m = consumer.poll(100ms);
    if (m && m.error() == RD_KAFKA_RESP_ERR_NO_ERROR) out.push_back(std::move(m));
  }
  return out;
}

// The second record has no headers, as the attempts log writes them: the producer then gives
// librdkafka no header list at all, and the record still reads back whole.
TEST_F(KafkaTest, ProducerAckCarriesHeadersToTheConsumer) {
  const auto topic = unique("headers");
  create_topic(topic, 1);
  Producer producer(settings_);
  std::atomic<int> acks{0};
  std::atomic<int> ack_errors{0};
  auto on_ack = [&](rd_kafka_resp_err_t err) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) ++ack_errors;
    ++acks;
  };
  producer.produce(topic, "wh_1", "original event bytes",
                   {{"hookd-kind", "delivery"}, {"hookd-reason", "exhausted"}, {"hookd-attempts", "[]"}}, on_ack);
  producer.produce(topic, "wh_2", "{\"attempt\":1}", {}, on_ack);
  ASSERT_EQ(producer.flush(15s), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(acks.load(), 2);
  EXPECT_EQ(ack_errors.load(), 0);

  GroupConsumer consumer(consumer_settings(), consumer_options(unique("g"), topic));
  auto got = poll_until(consumer, [](const auto& v) { return v.size() >= 2; });
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].key(), "wh_1");
  EXPECT_EQ(got[0].value(), "original event bytes");
  EXPECT_EQ(got[0].header("hookd-kind"), "delivery");
  EXPECT_EQ(got[0].header("hookd-reason"), "exhausted");
  EXPECT_EQ(got[0].header("hookd-attempts"), "[]");
  EXPECT_EQ(got[0].header("absent"), std::nullopt);
  EXPECT_EQ(got[1].key(), "wh_2");
  EXPECT_EQ(got[1].value(), "{\"attempt\":1}");
  EXPECT_EQ(got[1].header("hookd-kind"), std::nullopt);
  EXPECT_TRUE(consumer.joined());
}

// The producer keeps a handle per topic (kafka/producer.h): records written in turn to two
// topics each land in their own, in order.
TEST_F(KafkaTest, RecordsWrittenInTurnToTwoTopicsLandEachInItsOwn) {
  const auto first_topic = unique("first");
  const auto second_topic = unique("second");
  create_topic(first_topic, 1);
  create_topic(second_topic, 1);
  Producer producer(settings_);
  std::atomic<int> ack_errors{0};
  for (int i = 0; i < 6; ++i) {
    producer.produce(i % 2 == 0 ? first_topic : second_topic, "k", "v" + std::to_string(i), {},
                     [&](rd_kafka_resp_err_t err) {
                       if (err != RD_KAFKA_RESP_ERR_NO_ERROR) ++ack_errors;
                     });
  }
  ASSERT_EQ(producer.flush(15s), RD_KAFKA_RESP_ERR_NO_ERROR);
  EXPECT_EQ(ack_errors.load(), 0);

  for (const auto& [topic, expected] : {std::pair{first_topic, std::vector<std::string>{"v0", "v2", "v4"}},
                                        std::pair{second_topic, std::vector<std::string>{"v1", "v3", "v5"}}}) {
    GroupConsumer consumer(consumer_settings(), consumer_options(unique("g"), topic));
    auto got = poll_until(consumer, [](const auto& v) { return v.size() >= 3; });
    std::vector<std::string> values;
    for (const auto& message : got) values.emplace_back(message.value());
    EXPECT_EQ(values, expected) << topic;
  }
}

TEST_F(KafkaTest, SecondConsumerResumesAfterTheStoredAndCommittedOffset) {
  const auto topic = unique("resume");
  const auto group = unique("g");
  create_topic(topic, 1);
  Producer producer(settings_);
  std::vector<std::pair<std::string, std::string>> records;
  for (int i = 0; i < 10; ++i) records.emplace_back("k", "v" + std::to_string(i));
  produce_all(producer, topic, records);

  {
    GroupConsumer first(consumer_settings(), consumer_options(group, topic));
    auto got = poll_until(first, [](const auto& v) { return v.size() >= 10; });
    ASSERT_EQ(got.size(), 10u);
    EXPECT_EQ(got[0].offset(), 0);
    // Records 0..4 done: the next to consume is 5.
    EXPECT_EQ(first.store_offset(topic, 0, 5), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(first.commit(), RD_KAFKA_RESP_ERR_NO_ERROR);
    got.clear();  // messages go before their consumer
    first.close();
    EXPECT_TRUE(first.assignment().empty());
  }
  GroupConsumer second(consumer_settings(), consumer_options(group, topic));
  auto got = poll_until(second, [](const auto& v) { return v.size() >= 5; });
  ASSERT_GE(got.size(), 5u);
  EXPECT_EQ(got[0].offset(), 5);
  EXPECT_EQ(got[0].value(), "v5");
}

TEST_F(KafkaTest, RevokeHookRunsWhenASecondMemberJoins) {
  const auto topic = unique("revoke");
  const auto group = unique("g");
  create_topic(topic, 2);
  std::mutex mu;
  std::vector<TopicPartition> revoked;
  std::atomic<int> revokes{0};
  std::atomic<std::uint64_t> generation_in_hook{0};
  std::atomic<bool> hook_could_store{false};
  GroupConsumer* first_ptr = nullptr;

  auto first_options = consumer_options(group, topic);
  first_options.on_revoke = [&](const std::vector<TopicPartition>& partitions) {
    std::lock_guard lock(mu);
    revoked = partitions;
    generation_in_hook = first_ptr->assignment_generation();
    // The partitions are still owned here: storing works.
    hook_could_store = first_ptr->store_offset(topic, partitions.front().partition, 0) == RD_KAFKA_RESP_ERR_NO_ERROR;
    ++revokes;
  };
  GroupConsumer first(consumer_settings(), first_options);
  first_ptr = &first;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (first.assignment().size() != 2 && std::chrono::steady_clock::now() < deadline) first.poll(100ms);
  ASSERT_EQ(first.assignment().size(), 2u);
  const auto generation_before = first.assignment_generation();
  EXPECT_GE(generation_before, 1u);

  GroupConsumer second(consumer_settings(), consumer_options(group, topic));
  while ((first.assignment().size() != 1 || second.assignment().size() != 1) &&
         std::chrono::steady_clock::now() < deadline) {
    first.poll(100ms);
    second.poll(100ms);
  }
  EXPECT_EQ(first.assignment().size(), 1u);
  EXPECT_EQ(second.assignment().size(), 1u);
  EXPECT_NE(first.assignment(), second.assignment());
  EXPECT_TRUE(second.joined());
  ASSERT_GE(revokes.load(), 1);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(revoked.size(), 2u);
  }
  EXPECT_TRUE(hook_could_store.load());
  EXPECT_EQ(generation_in_hook.load(), generation_before);  // bumped only after the hook
  EXPECT_GE(first.assignment_generation(), generation_before + 2);  // revoke, then assign
  // No longer owned: storing is refused quietly.
  const auto lost = first.assignment().front().partition == 0 ? 1 : 0;
  EXPECT_EQ(first.store_offset(topic, lost, 1), RD_KAFKA_RESP_ERR__STATE);
}

TEST_F(KafkaTest, PauseStopsDeliveryAndResumeContinuesWhereItStopped) {
  const auto topic = unique("pause");
  create_topic(topic, 1);
  Producer producer(settings_);
  produce_all(producer, topic, {{"k", "0"}, {"k", "1"}});

  GroupConsumer consumer(consumer_settings(), consumer_options(unique("g"), topic));
  auto got = poll_until(consumer, [](const auto& v) { return v.size() >= 2; });
  ASSERT_EQ(got.size(), 2u);
  consumer.pause_all();
  EXPECT_TRUE(consumer.paused());
  produce_all(producer, topic, {{"k", "2"}, {"k", "3"}});
  auto while_paused = poll_until(consumer, [](const auto&) { return false; }, 2s);
  EXPECT_TRUE(while_paused.empty());

  consumer.resume_all();
  EXPECT_FALSE(consumer.paused());
  auto after = poll_until(consumer, [](const auto& v) { return v.size() >= 2; });
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].offset(), 2);  // neither rewound nor skipped
  EXPECT_EQ(after[1].offset(), 3);
}

TEST_F(KafkaTest, PauseIsReappliedToANewAssignment) {
  const auto topic = unique("repause");
  const auto group = unique("g");
  create_topic(topic, 2);
  Producer producer(settings_);
  GroupConsumer first(consumer_settings(), consumer_options(group, topic));
  ASSERT_TRUE(wait_for_assignment(first, 2));
  first.pause_all();
  // `first` is revoked and assigned twice while paused.
  ASSERT_NO_FATAL_FAILURE(bounce_a_second_member(first, group, topic));
  produce_all(producer, topic, {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}});
  EXPECT_TRUE(poll_until(first, [](const auto&) { return false; }, 2s).empty());
  first.resume_all();
  auto got = poll_until(first, [](const auto& v) { return v.size() >= 4; });
  EXPECT_EQ(got.size(), 4u);
}

TEST_F(KafkaTest, APartitionPausedAloneFetchesAgainWhenTheSameMemberGetsItBack) {
  // The retry loop pauses one partition while it holds a record, and drops what it holds when
  // the partition is revoked. A member that gets the partition back must fetch it again from
  // the committed offset: librdkafka 2.0.2 would keep it paused, and its records would wait
  // for ever.
  const auto topic = unique("repause-one");
  const auto group = unique("g");
  create_topic(topic, 2);
  Producer producer(settings_);
  GroupConsumer first(consumer_settings(), consumer_options(group, topic));
  ASSERT_TRUE(wait_for_assignment(first, 2));
  first.pause({topic, 0});
  ASSERT_NO_FATAL_FAILURE(bounce_a_second_member(first, group, topic));

  std::vector<std::pair<std::string, std::string>> records;
  for (int i = 0; i < 8; ++i) records.emplace_back("key-" + std::to_string(i), std::to_string(i));
  produce_all(producer, topic, records);
  const auto got = poll_until(first, [](const auto& v) { return v.size() >= 8; });
  EXPECT_EQ(got.size(), 8u);
  std::set<std::int32_t> partitions;
  for (const auto& m : got) partitions.insert(m.partition());
  EXPECT_EQ(partitions, (std::set<std::int32_t>{0, 1})) << "the partition paused before the rebalance flows again";
}

TEST_F(KafkaTest, StatisticsHookReportsConsumerLagOfTheCommittedOffset) {
  const auto topic = unique("lag");
  create_topic(topic, 1);
  Producer producer(settings_);
  produce_all(producer, topic, {{"k", "0"}, {"k", "1"}, {"k", "2"}, {"k", "3"}, {"k", "4"}});

  std::atomic<std::int64_t> lag{-1};
  std::atomic<int> stats_calls{0};
  auto options = consumer_options(unique("g"), topic);
  options.statistics_interval = 200ms;
  options.on_stats = [&](std::string_view json) {
    ++stats_calls;
    parse_consumer_lag(json, [&](std::string_view t, std::int32_t p, std::int64_t l) {
      if (t == topic && p == 0) lag = l;
    });
  };
  GroupConsumer consumer(consumer_settings(), options);
  auto got = poll_until(consumer, [](const auto& v) { return v.size() >= 5; });
  ASSERT_EQ(got.size(), 5u);
  ASSERT_EQ(consumer.store_offset(topic, 0, 2), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(consumer.commit(), RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (lag.load() != 3 && std::chrono::steady_clock::now() < deadline) (void)consumer.poll(100ms);
  EXPECT_GT(stats_calls.load(), 0);
  EXPECT_EQ(lag.load(), 3);  // 5 records, committed up to 2
}

// Tombstones are not something hookd's Producer writes; the Blue application does.
void produce_tombstone(const ClientSettings& settings, const std::string& topic, const std::string& key) {
  auto handle = make_handle(RD_KAFKA_PRODUCER, make_conf_or_throw(settings, {}, {}));
  ASSERT_EQ(rd_kafka_producev(handle.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                              RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()), RD_KAFKA_V_VALUE(nullptr, 0),
                              RD_KAFKA_V_END),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_flush(handle.get(), 15000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

TEST_F(KafkaTest, TableReaderCatchesUpThenSeesUpdatesAndTombstones) {
  const auto topic = unique("table");
  create_topic(topic, 3, {{"cleanup.policy", "compact"}});
  Producer producer(settings_);
  std::vector<std::pair<std::string, std::string>> records;
  for (int i = 0; i < 30; ++i) records.emplace_back("wh_" + std::to_string(i % 10), "v" + std::to_string(i));
  produce_all(producer, topic, records);

  TableReader reader(settings_, {.topic = topic});
  std::map<std::string, std::string> table;
  std::size_t seen = 0;
  auto apply = [&](std::string_view k, std::optional<std::string_view> v) {
    ++seen;
    if (v) {
      table[std::string(k)] = std::string(*v);
    } else {
      table.erase(std::string(k));
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!reader.caught_up() && std::chrono::steady_clock::now() < deadline) reader.poll(100ms, apply);
  ASSERT_TRUE(reader.caught_up());
  EXPECT_EQ(seen, 30u);  // everything up to the watermarks, before caught_up
  ASSERT_EQ(table.size(), 10u);
  EXPECT_EQ(table["wh_3"], "v23");

  produce_all(producer, topic, {{"wh_3", "updated"}});
  produce_tombstone(settings_, topic, "wh_4");
  while ((table["wh_3"] != "updated" || table.count("wh_4") != 0) && std::chrono::steady_clock::now() < deadline) {
    reader.poll(100ms, apply);
  }
  EXPECT_EQ(table["wh_3"], "updated");
  EXPECT_EQ(table.count("wh_4"), 0u);
  EXPECT_TRUE(reader.caught_up());
}

TEST_F(KafkaTest, TableReaderOnAnEmptyTopicIsCaughtUpAtOnce) {
  const auto topic = unique("empty-table");
  create_topic(topic, 2, {{"cleanup.policy", "compact"}});
  TableReader reader(settings_, {.topic = topic});
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!reader.caught_up() && std::chrono::steady_clock::now() < deadline) {
    reader.poll(100ms, [](std::string_view, std::optional<std::string_view>) {});
  }
  EXPECT_TRUE(reader.caught_up());
  EXPECT_EQ(reader.partition_count(), 2);
}

TEST_F(KafkaTest, TopicAdminCreatesOnceAndNamesTheTopicItCannotCreate) {
  TopicAdmin admin(settings_);
  const auto retry = unique("retry-5s");
  const auto dlq = unique("dlq");
  EXPECT_FALSE(admin.topic_exists(retry, 200ms));
  std::vector<TopicSpec> specs = {
      {retry, 3, 1, {{"retention.ms", std::to_string(5'000 + 86'400'000)}}},
      {dlq, 2, 1, {{"retention.ms", "604800000"}, {"cleanup.policy", "delete"}}},
  };
  auto error = admin.ensure_topics(specs);
  ASSERT_FALSE(error) << *error;
  EXPECT_TRUE(admin.topic_exists(retry));
  EXPECT_EQ(admin.partition_count(retry), 3);
  EXPECT_EQ(admin.partition_count(dlq), 2);

  // Existing topics are left alone, even with different settings.
  specs[0].partitions = 6;
  error = admin.ensure_topics(specs);
  EXPECT_FALSE(error) << *error;
  EXPECT_EQ(admin.partition_count(retry), 3);

  const auto bad = unique("bad-config");
  error = admin.ensure_topics({{bad, 1, 1, {{"cleanup.policy", "sometimes"}}}});
  ASSERT_TRUE(error);
  EXPECT_THAT(*error, HasSubstr("'" + bad + "'"));
  EXPECT_FALSE(admin.topic_exists(bad, 200ms));

  const auto too_many_replicas = unique("rf");
  error = admin.ensure_topics({{too_many_replicas, 1, 3, {}}});
  ASSERT_TRUE(error);
  EXPECT_THAT(*error, HasSubstr("'" + too_many_replicas + "'"));
  EXPECT_EQ(admin.partition_count(unique("never-created")), -1);
}

}  // namespace
}  // namespace hookd::kafka
