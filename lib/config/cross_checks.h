// The checks of a config that span keys, run once every section has been read (internal to
// lib/config): one topic never plays two roles, the two consumer groups have different names,
// and the kafka.properties a client would refuse at start-up are refused at load time. Each
// throws detail::Failure naming the key at fault, as the section readers do.
#pragma once

#include <yaml-cpp/yaml.h>

#include "config/config.h"

namespace hookd::config::detail {

// Checks between keys: one topic must never play two roles, and the retry consumers must not
// share (and so rebalance) the events consumer group.
void check_consistency(const YAML::Node& root, const Config& c);

// kafka.properties that only a client being created would refuse (start-up exit code 2): a
// message.max.bytes the largest record does not fit, a file librdkafka must open.
void check_kafka_properties(const YAML::Node& root, const Config& c);

}  // namespace hookd::config::detail
