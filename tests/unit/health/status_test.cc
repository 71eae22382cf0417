#include "health/status.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace hookd::health {
namespace {

TEST(StatusRecord, CarriesEveryContractField) {
  const Transition t{"wh-\"1\"", Status::healthy, Status::unhealthy, 1'700'000'000'123, 5, "5xx", 503};
  const auto value = boost::json::parse(status_record(t, "pod-a-17")).as_object();
  EXPECT_EQ(value.at("webhookId").as_string(), "wh-\"1\"");
  EXPECT_EQ(value.at("status").as_string(), "UNHEALTHY");
  EXPECT_EQ(value.at("since").as_string(), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(value.at("consecutiveFailures").as_int64(), 5);
  EXPECT_EQ(value.at("lastResult").as_string(), "5xx");
  EXPECT_EQ(value.at("lastStatus").as_int64(), 503);
  EXPECT_EQ(value.at("worker").as_string(), "pod-a-17");
  EXPECT_EQ(value.size(), 7u);
}

TEST(StatusRecord, NoResponseMeansANullStatus) {
  const Transition t{"wh-1", std::nullopt, Status::unhealthy, 0, 5, "timeout", 0};
  const auto value = boost::json::parse(status_record(t, "w")).as_object();
  EXPECT_TRUE(value.at("lastStatus").is_null());
  EXPECT_EQ(value.at("since").as_string(), "1970-01-01T00:00:00.000Z");
}

TEST(StatusWords, TopicAndMetricWords) {
  EXPECT_EQ(to_string(Status::healthy), "HEALTHY");
  EXPECT_EQ(to_string(Status::unhealthy), "UNHEALTHY");
  EXPECT_EQ(to_string(Status::gone), "GONE");
  EXPECT_EQ(metric_word(Status::unhealthy), "unhealthy");
}

TEST(WorkerId, HostAndPid) {
  const auto id = default_worker_id();
  EXPECT_NE(id.find('-'), std::string::npos);
  EXPECT_EQ(id, default_worker_id()) << "stable for the process";
}

}  // namespace
}  // namespace hookd::health
