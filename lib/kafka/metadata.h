// Looking a topic up in the cluster metadata without ever creating it.
#pragma once

#include <chrono>
#include <string>

#include <librdkafka/rdkafka.h>

namespace hookd::kafka {

struct TopicLookup {
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;  // the metadata request failed: nothing known
  bool exists = false;
  int partitions = 0;
};

// Asks for every topic's metadata rather than the one topic: a request naming a missing
// topic can make a broker with auto.create.topics.enable create it, and hookd must never
// create the events or subscriptions topics.
TopicLookup lookup_topic(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout);

}  // namespace hookd::kafka
