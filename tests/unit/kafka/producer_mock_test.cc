// Producer and TableReader against librdkafka's in-process mock cluster: no broker needed.
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "kafka/config.h"
#include "kafka/producer.h"
#include "kafka/write_error.h"
#include "kafka/table_reader.h"
#include "support/mock_cluster.h"

namespace hookd::kafka {
namespace {

using namespace std::chrono_literals;

using test_support::MockCluster;

struct Acks {
  std::mutex mu;
  std::vector<rd_kafka_resp_err_t> errors;
  std::vector<std::thread::id> threads;
  auto callback() {
    return [this](rd_kafka_resp_err_t err) {
      std::lock_guard lock(mu);
      errors.push_back(err);
      threads.push_back(std::this_thread::get_id());
    };
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return errors.size();
  }
};

TEST(ProducerMock, AcksEveryRecordOnceOnThePollThread) {
  MockCluster cluster;
  ASSERT_EQ(cluster.create_topic("acks", 2), RD_KAFKA_RESP_ERR_NO_ERROR);
  Acks acks;
  {
    Producer producer(cluster.settings());
    for (int i = 0; i < 20; ++i) {
      producer.produce("acks", "key-" + std::to_string(i), "value", {{"hookd-kind", "delivery"}}, acks.callback());
    }
    EXPECT_EQ(producer.flush(10s), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(producer.pending(), 0);
    EXPECT_FALSE(producer.fatal());
  }
  ASSERT_EQ(acks.size(), 20u);
  for (auto err : acks.errors) EXPECT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2name(err);
  for (auto id : acks.threads) EXPECT_NE(id, std::this_thread::get_id());
}

TEST(ProducerMock, RefusedRecordsAckAtOnceOnTheCallersThread) {
  MockCluster cluster;
  Acks acks;
  Producer producer(cluster.settings());
  producer.produce(std::string(300, 't'), "k", "v", {}, acks.callback());  // name too long
  producer.produce("big", "k", std::string(2 << 20, 'x'), {}, acks.callback());  // over message.max.bytes
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks.errors[0], RD_KAFKA_RESP_ERR__INVALID_ARG);
  EXPECT_EQ(acks.errors[1], RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  EXPECT_EQ(acks.threads[0], std::this_thread::get_id());
  EXPECT_EQ(producer.pending(), 0);
}

TEST(ProducerMock, QueueFullIsReportedAtOnceAndDestructionAcksWhatIsLeft) {
  Acks acks;
  {
    // Nobody listens on port 1: records stay queued.
    ClientSettings settings{"127.0.0.1:1", {{"queue.buffering.max.messages", "1"}}};
    Producer producer(settings);
    producer.produce("t", "k", "1", {}, acks.callback());
    // A full local queue never makes the caller wait (it may be a delivery or poll thread):
    // the record comes back at once and the caller keeps it.
    const auto before = std::chrono::steady_clock::now();
    producer.produce("t", "k", "2", {}, acks.callback());
    EXPECT_LT(std::chrono::steady_clock::now() - before, 200ms);
    ASSERT_EQ(acks.size(), 1u);
    EXPECT_EQ(acks.errors[0], RD_KAFKA_RESP_ERR__QUEUE_FULL);
    EXPECT_EQ(producer.flush(100ms), RD_KAFKA_RESP_ERR__TIMED_OUT);
    EXPECT_EQ(producer.pending(), 1);
  }
  // The destructor purged the queued record and still reported it.
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks.errors[1], RD_KAFKA_RESP_ERR__PURGE_QUEUE);
}

TEST(ProducerMock, PurgeReportsEveryPendingRecordBeforeItReturns) {
  Acks acks;
  ClientSettings settings{"127.0.0.1:1", {}};  // nobody listens: records stay queued
  Producer producer(settings);
  for (int i = 0; i < 3; ++i) producer.produce("t", "k", "v", {}, acks.callback());
  EXPECT_EQ(producer.pending(), 3);
  ASSERT_TRUE(producer.purge(5s));
  EXPECT_EQ(producer.pending(), 0);
  ASSERT_EQ(acks.size(), 3u);
  for (auto err : acks.errors) EXPECT_EQ(classify_write_error(err), WriteError::shutdown);
}

TEST(TableReaderMock, ReadsToWatermarkThenTails) {
  MockCluster cluster;
  ASSERT_EQ(cluster.create_topic("table", 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  Producer producer(cluster.settings());
  Acks acks;
  producer.produce("table", "a", "1", {}, acks.callback());
  producer.produce("table", "b", "1", {}, acks.callback());
  producer.produce("table", "a", "2", {}, acks.callback());
  ASSERT_EQ(producer.flush(10s), RD_KAFKA_RESP_ERR_NO_ERROR);

  TableReader reader(cluster.settings(), {.topic = "table"});
  std::map<std::string, std::optional<std::string>> table;
  auto apply = [&](std::string_view k, std::optional<std::string_view> v) {
    table[std::string(k)] = v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  };
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!reader.caught_up() && std::chrono::steady_clock::now() < deadline) reader.poll(100ms, apply);
  ASSERT_TRUE(reader.caught_up());
  EXPECT_EQ(reader.partition_count(), 3);
  EXPECT_EQ(table["a"], "2");  // same key, same partition: the later value wins
  EXPECT_EQ(table["b"], "1");

  producer.produce("table", "b", std::string_view(), {}, acks.callback());  // empty, not a tombstone
  ASSERT_EQ(producer.flush(10s), RD_KAFKA_RESP_ERR_NO_ERROR);
  while (table["b"] != "" && std::chrono::steady_clock::now() < deadline) reader.poll(100ms, apply);
  EXPECT_EQ(table["b"], "");
}

TEST(TableReaderMock, WaitsForTheTopicWithoutCreatingIt) {
  MockCluster cluster;
  TableReader reader(cluster.settings(), {.topic = "later", .metadata_retry = 50ms});
  int records = 0;
  auto count = [&](std::string_view, std::optional<std::string_view>) { ++records; };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(reader.poll(20ms, count), 0u);
  EXPECT_FALSE(reader.topic_found());
  EXPECT_FALSE(reader.caught_up());
  ASSERT_EQ(cluster.create_topic("later", 2), RD_KAFKA_RESP_ERR_NO_ERROR);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!reader.caught_up() && std::chrono::steady_clock::now() < deadline) reader.poll(50ms, count);
  EXPECT_TRUE(reader.topic_found());
  EXPECT_TRUE(reader.caught_up());  // empty partitions are caught up at once
  EXPECT_EQ(records, 0);
}

}  // namespace
}  // namespace hookd::kafka
