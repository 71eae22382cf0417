#include "kafka/consumer_lag.h"

#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace hookd::kafka {
namespace {

using Lag = std::tuple<std::string, int32_t, int64_t>;

std::vector<Lag> lags(std::string_view json, bool* ok = nullptr) {
  std::vector<Lag> out;
  const bool parsed = parse_consumer_lag(json, [&](std::string_view t, int32_t p, int64_t lag) {
    out.emplace_back(std::string(t), p, lag);
  });
  if (ok) *ok = parsed;
  return out;
}

// Trimmed from a librdkafka 2.0.2 consumer's statistics.
constexpr std::string_view kStats = R"({
  "name": "hookd-consumer#consumer-1", "client_id": "hookd-consumer", "type": "consumer",
  "ts": 5016483227792, "time": 1527060869, "replyq": 0, "msg_cnt": 22710,
  "brokers": {"127.0.0.1:9092/1": {"name": "127.0.0.1:9092/1", "nodeid": 1, "state": "UP",
              "toppars": {"blue.events-0": {"topic": "blue.events", "partition": 0}}}},
  "topics": {
    "blue.events": {"topic": "blue.events", "age": 5006, "metadata_age": 2000,
      "partitions": {
        "0": {"partition": 0, "broker": 1, "leader": 1, "desired": true, "unknown": false,
              "fetch_state": "active", "committed_offset": 120, "stored_offset": 125,
              "hi_offset": 130, "ls_offset": 130, "consumer_lag": 10, "consumer_lag_stored": 5},
        "1": {"partition": 1, "broker": 1, "leader": 1, "consumer_lag": 0},
        "2": {"partition": 2, "broker": 1, "leader": 1, "consumer_lag": -1},
        "-1": {"partition": -1, "broker": -1, "leader": -1, "consumer_lag": -1}
      }},
    "other": {"topic": "other", "partitions": {"4": {"partition": 4, "consumer_lag": 12345678901}}}
  },
  "cgrp": {"state": "up", "join_state": "steady", "assignment_size": 3}
})";

TEST(ConsumerLag, ReadsEveryKnownPartitionLag) {
  bool ok = false;
  const auto got = lags(kStats, &ok);
  EXPECT_TRUE(ok);
  const std::vector<Lag> want = {{"blue.events", 0, 10}, {"blue.events", 1, 0}, {"other", 4, 12345678901}};
  EXPECT_EQ(got, want);
}

TEST(ConsumerLag, NoTopicsIsFine) {
  bool ok = false;
  EXPECT_TRUE(lags(R"({"name": "x", "topics": {}})", &ok).empty());
  EXPECT_TRUE(ok);
  EXPECT_TRUE(lags(R"({"name": "x"})", &ok).empty());
  EXPECT_TRUE(ok);
}

TEST(ConsumerLag, WrongShapesAreSkippedNotFatal) {
  bool ok = false;
  const auto got = lags(R"({"topics": {"a": 1, "b": {"partitions": []},
      "c": {"partitions": {"0": {"partition": "0", "consumer_lag": 3}, "1": {"partition": 1, "consumer_lag": 2.5},
                           "2": {"partition": 2, "consumer_lag": 7}}}}})",
                        &ok);
  EXPECT_TRUE(ok);
  const std::vector<Lag> want = {{"c", 2, 7}};
  EXPECT_EQ(got, want);
}

TEST(ConsumerLag, NotJsonReportsFailure) {
  bool ok = true;
  EXPECT_TRUE(lags("{\"topics\": ", &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(lags("[1,2]", &ok).empty());
  EXPECT_FALSE(ok);
  EXPECT_TRUE(lags("", &ok).empty());
  EXPECT_FALSE(ok);
}

}  // namespace
}  // namespace hookd::kafka
