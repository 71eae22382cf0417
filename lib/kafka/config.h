// Building librdkafka configurations: the user's properties, hookd's defaults and the
// properties hookd's guarantees rest on, in an order that lets the last ones win.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "kafka/types.h"

namespace hookd::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct Property {
  std::string name;
  std::string value;
};

struct ConfResult {
  ConfPtr conf;       // null when `error` is set
  std::string error;  // "kafka property 'linger.ms': ..." naming the property
};

// Applies, in order: `defaults` (hookd's choices a user may override), bootstrap.servers,
// the user's settings.properties, then `fixed` (what hookd relies on; overrides the user).
// Every configuration also routes librdkafka's own log lines into hookd's JSON logger.
ConfResult make_conf(const ClientSettings& settings, const std::vector<Property>& defaults,
                     const std::vector<Property>& fixed);

// Like make_conf, but throws Error; for constructors.
ConfPtr make_conf_or_throw(const ClientSettings& settings, const std::vector<Property>& defaults,
                           const std::vector<Property>& fixed);

// The result's configuration, or throws Error with its message; for constructors.
ConfPtr conf_or_throw(ConfResult result);

// rd_kafka_new that takes ownership of `conf` (also on failure) and throws Error.
HandlePtr make_handle(rd_kafka_type_t type, ConfPtr conf);

// The error code's name and description, e.g. "_QUEUE_FULL: Local: Queue full".
std::string describe(rd_kafka_resp_err_t err);

// A consumer that reads topics from partitions it assigns itself, never commits, reads only
// committed records and reports the end of each partition (the subscriptions table reader,
// `hookd replay`'s dead-letter reader). Its group id is unique ("<client_id>-<random>"):
// it only names the client to the broker. Client errors are logged, rate-limited.
// Throws Error.
HandlePtr make_reader_handle(const ClientSettings& settings, const std::string& client_id);

// The configuration make_reader_handle builds (without its error callback).
ConfResult reader_conf(const ClientSettings& settings, const std::string& client_id);

}  // namespace hookd::kafka
