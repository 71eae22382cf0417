// Checking kafka.properties before anything starts: `hookd --check-config` and start-up build
// every librdkafka configuration hookd's clients would build, so a property librdkafka
// refuses stops hookd with exit code 2 and its name, not later as a fatal error.
#pragma once

#include <string>
#include <vector>

#include "kafka/types.h"

namespace hookd::kafka {

// Builds the producer's, the topic admin's, the table reader's and, for each of
// `group_ids`, a group consumer's configuration (a static member's when `instance_id` is set),
// creating no client. nullopt when librdkafka
// accepts them all, otherwise the first error, naming the property
// ("kafka property 'linger.ms': ..."). What librdkafka checks only when it creates a client
// (e.g. that an ssl.ca.location file exists) is not caught here.
MaybeError check_client_configs(const ClientSettings& settings, const std::vector<std::string>& group_ids,
                                const std::string& instance_id = "");

}  // namespace hookd::kafka
