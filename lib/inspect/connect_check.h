// `hookd check --connect`: can this configuration work against this cluster? Each check is a
// question the worker's start-up would otherwise answer by waiting (docs/operations.md, "Checking
// a configuration against the cluster"), asked with the same librdkafka configurations the worker
// builds (kafka::producer_conf, group_consumer_conf, reader_conf), so SASL and TLS are the
// worker's own. Every check has a deadline; nothing is written, joined or committed.
#pragma once

#include "config/config.h"

#include <chrono>
#include <functional>
#include <string>

namespace hookd::inspect {

struct CheckLine {
  bool ok = false;
  std::string name;    // "brokers", "topic blue.events", "group hookd", "producer"
  std::string detail;  // what was seen, or why it failed
};

// Runs every check in order and reports each line as it finishes (so an operator sees progress).
// Once the brokers do not answer, the remaining checks fail at once with "not checked".
// Returns true when every check passed.
bool check_connect(const config::Config& config, std::chrono::milliseconds timeout,
                   const std::function<void(const CheckLine&)>& on_line);

}  // namespace hookd::inspect
