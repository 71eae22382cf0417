// librdkafka's in-process mock cluster, for tests that need a broker's protocol but not a
// broker (fault injection, a consumer group in a unit test). Header-only: only tests that link
// hookd::kafka include it. The real-broker tests use scripts/kafka instead.
#pragma once

#include <string>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "kafka/config.h"

namespace hookd::test_support {

// A mock cluster lives inside a client handle; other clients reach it by its bootstrap address.
class MockCluster {
 public:
  MockCluster() {
    auto conf = kafka::make_conf_or_throw(kafka::ClientSettings{}, {}, {});
    handle_ = kafka::make_handle(RD_KAFKA_PRODUCER, std::move(conf));
    cluster_ = rd_kafka_mock_cluster_new(handle_.get(), 1);
  }
  ~MockCluster() { rd_kafka_mock_cluster_destroy(cluster_); }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  kafka::ClientSettings settings() const { return {rd_kafka_mock_cluster_bootstraps(cluster_), {}}; }
  rd_kafka_resp_err_t create_topic(const std::string& name, int partitions) {
    return rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  }

 private:
  kafka::HandlePtr handle_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

}  // namespace hookd::test_support
