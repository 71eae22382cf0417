// Loading hookd's YAML configuration into config::Config.
//
// Strict on purpose: a typo in a key or a value must stop start-up (exit code 2) with a
// message that names the dotted key, never silently fall back to a default. Every key is
// optional. "${VAR}" anywhere in a scalar value is replaced by the environment variable VAR
// ("$${" writes a literal "${"), so secrets stay out of the file; error messages show the
// value as written in the file, never what a variable expanded to.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"

namespace hookd::config {

struct ConfigError {
  std::string key;      // dotted path such as "delivery.timeout"; empty for file/syntax errors
  std::string message;  // a whole sentence that already names the key
  int line = 0;         // 1-based line in the YAML text; 0 when unknown
  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// "<message> (line N)" when the line is known; what `hookd --check-config` prints.
std::string to_string(const ConfigError& error);

using LoadResult = std::variant<Config, ConfigError>;

// Looks up an environment variable; nullopt when it is not set. Tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the process environment (std::getenv).
std::optional<std::string> process_env(const std::string& name);

LoadResult load_string(std::string_view yaml, const EnvLookup& env = process_env);
LoadResult load_file(const std::string& path, const EnvLookup& env = process_env);

// The largest record hookd writes for an event of `max_event_bytes`: a retry record carries
// the delivery body (the event plus the webhook's JSON) and the event itself, plus a history of
// at most 20 attempts, each with an excerpt of at most 1 KiB that JSON escaping can grow
// sixfold (docs/contract.md, record sizes). The loader refuses a kafka.properties
// message.max.bytes below it; the worker sizes its producer and topics with it.
std::size_t max_record_bytes(std::size_t max_event_bytes);

// librdkafka properties hookd sets itself because its guarantees rest on them; the loader
// refuses them in kafka.properties. Exposed so the Kafka module can assert the same list.
bool is_reserved_kafka_property(std::string_view name);

}  // namespace hookd::config
