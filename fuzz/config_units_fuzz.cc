// libFuzzer target: the configuration's value kinds (docs/configuration.md, "Value kinds")
// and, with the same bytes, whole YAML documents through the loader.
//
// The input is read three ways:
//   - by the unit parsers (common/units.h): a duration is 1 ms to 2^50 ms and a size 1 byte to
//     2^52 bytes when accepted, and each equals its digits times its unit;
//   - as one YAML scalar by every typed reader (config/yaml_reader.h), with "${VAR}"
//     substituted from a fake environment: an accepted value is in its documented range; a
//     refused one is an error naming the key, showing no control character and never what a
//     variable expanded to;
//   - as a whole configuration file (config::load_string): never throws, and a loaded
//     configuration holds values in range.
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "common/units.h"
#include "config/loader.h"
#include "config/yaml_reader.h"

namespace {

using hookd::config::detail::Failure;
using hookd::config::detail::YamlReader;

// Names the invariant broken before aborting, so a crash report says which one.
#define require(condition) \
  ((condition) ? void() : (std::fprintf(stderr, "invariant broken: %s (line %d)\n", #condition, __LINE__), std::abort()))

constexpr std::string_view kSecret = "EXPANDED-SECRET";
constexpr std::int64_t kMaxDurationMs = std::int64_t{1} << 50;
constexpr std::uint64_t kMaxSizeBytes = std::uint64_t{1} << 52;

// Every variable is set to kSecret but UNSET; NUMBER is a number, so values like "${NUMBER}s"
// reach the unit parsers.
std::optional<std::string> fake_env(const std::string& name) {
  if (name == "UNSET") return std::nullopt;
  if (name == "NUMBER") return std::string("42");
  return std::string(kSecret);
}

void check_units(std::string_view text) {
  std::uint64_t digits = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), digits);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));

  if (const auto d = hookd::parse_duration(text)) {
    require(ec == std::errc{} && d->count() >= 0 && d->count() <= kMaxDurationMs);
    const std::uint64_t factor = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : 3'600'000;
    require(unit == "ms" || unit == "s" || unit == "m" || unit == "h");
    require(static_cast<std::uint64_t>(d->count()) == digits * factor);
  }
  if (const auto s = hookd::parse_size(text)) {
    require(ec == std::errc{} && *s <= kMaxSizeBytes);
    const std::uint64_t factor = unit.empty() || unit == "B" ? 1 : unit == "KiB" ? 1024 : unit == "MiB" ? 1 << 20 : 1 << 30;
    require(unit.empty() || unit == "B" || unit == "KiB" || unit == "MiB" || unit == "GiB");
    require(*s == digits * factor);
  }
}

// A refusal: names the key, shows the value as written, never a variable's expansion (unless
// the text as written holds the same bytes).
void check_failure(const Failure& failure, const std::string& key, std::string_view written) {
  const auto& e = failure.error;
  require(e.key == key);
  require(e.message.starts_with(key));
  require(written.find(kSecret) != std::string_view::npos || e.message.find(kSecret) == std::string::npos);
  for (char c : e.message) require(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
}

template <class Read, class Check>
void read_scalar(const YAML::Node& node, const std::string& key, Read read, Check check) {
  try {
    check(read(node, key));
  } catch (const Failure& failure) {
    check_failure(failure, key, node.Scalar());
  }
}

void check_readers(std::string_view text) {
  const hookd::config::EnvLookup env = fake_env;
  const YamlReader reader(env);
  const YAML::Node node(std::string{text});
  const std::string key = "delivery.some_key";
  read_scalar(node, key, [&](auto& n, auto& k) { return reader.duration(n, k); },
              [](std::chrono::milliseconds d) { require(d.count() > 0 && d.count() <= kMaxDurationMs); });
  read_scalar(node, key, [&](auto& n, auto& k) { return reader.size(n, k); },
              [](std::size_t s) { require(s > 0 && s <= kMaxSizeBytes); });
  read_scalar(node, key, [&](auto& n, auto& k) { return reader.positive_int(n, k); }, [](int i) { require(i > 0); });
  read_scalar(node, key, [&](auto& n, auto& k) { return reader.boolean(n, k); }, [](bool) {});
  read_scalar(node, key, [&](auto& n, auto& k) { return reader.topic_name(n, k); },
              [](const std::string& name) { require(hookd::config::detail::is_valid_topic_name(name)); });
  read_scalar(node, key, [&](auto& n, auto& k) { return reader.text(n, k); }, [](const std::string&) {});
}

void check_document(std::string_view text) {
  const auto loaded = hookd::config::load_string(text, fake_env);
  if (const auto* error = std::get_if<hookd::config::ConfigError>(&loaded)) {
    require(!error->message.empty());
    return;
  }
  const auto& c = std::get<hookd::config::Config>(loaded);
  const auto positive = [](std::chrono::milliseconds d) { return d.count() > 0 && d.count() <= kMaxDurationMs; };
  require(positive(c.delivery.timeout) && positive(c.delivery.connect_timeout) && positive(c.kafka.unavailable_after));
  require(c.delivery.max_response_bytes > 0 && c.delivery.max_response_bytes <= kMaxSizeBytes);
  require(c.limits.max_event_bytes > 0 && c.limits.max_event_bytes <= kMaxSizeBytes);
  require(c.delivery.max_in_flight > 0 && c.delivery.max_in_flight_per_origin > 0 && c.delivery.threads > 0);
  require(hookd::config::max_record_bytes(c.limits.max_event_bytes) > c.limits.max_event_bytes);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_units(text);
  check_readers(text);
  check_document(text);
  return 0;
}
