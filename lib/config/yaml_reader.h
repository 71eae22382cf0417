// Typed, strict reading of YAML scalars for the config loader (internal to lib/config).
//
// Each reader takes the node and its dotted key, substitutes "${VAR}", and either returns a
// checked value or throws detail::Failure carrying a ConfigError that names the key, says
// what was expected and shows the value as written. The exception never leaves the loader:
// load_string/load_file catch it and return the error.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "config/loader.h"

namespace hookd::config::detail {

struct Failure {
  ConfigError error;
};

// Throws Failure for `key`, with the line of `at` when it has one.
[[noreturn]] void fail(const YAML::Node& at, const std::string& key, std::string message);

// Text from the file as an error message shows it: its first 64 bytes, control characters as
// '?' (a message is printed to a terminal and logged), "..." when cut.
std::string shown(std::string_view text);

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c".
std::string join_key(const std::string& parent, std::string_view child);

// A mapping's child, or a valid undefined node: yaml-cpp's const operator[] returns a
// "zombie" for a missing key, and most calls on a zombie throw.
YAML::Node child(const YAML::Node& section, const char* name);

// True for a valid Kafka topic name: 1..249 of [a-zA-Z0-9._-], and not "." or "..".
bool is_valid_topic_name(std::string_view name);

class YamlReader {
 public:
  explicit YamlReader(const EnvLookup& env) : env_(env) {}

  // `section` must be a mapping (null counts as empty) whose keys are unique and all in
  // `known`; otherwise fails naming the first offending dotted key.
  void expect_section(const YAML::Node& section, const std::string& path,
                      std::initializer_list<std::string_view> known) const;

  // Any scalar (an empty string included), with ${VAR} substituted.
  std::string text(const YAML::Node& value, const std::string& key) const;
  std::string non_empty_text(const YAML::Node& value, const std::string& key) const;
  // A positive duration: "<digits>(ms|s|m|h)".
  std::chrono::milliseconds duration(const YAML::Node& value, const std::string& key) const;
  // A positive size: "<digits>" bytes or "<digits>(B|KiB|MiB|GiB)".
  std::size_t size(const YAML::Node& value, const std::string& key) const;
  int positive_int(const YAML::Node& value, const std::string& key) const;
  bool boolean(const YAML::Node& value, const std::string& key) const;
  std::string topic_name(const YAML::Node& value, const std::string& key) const;

  // Fails naming `key`: "<key>: expected <what>, got <the value as written>".
  [[noreturn]] static void expected(const YAML::Node& value, const std::string& key,
                                    std::string_view what);

  // The elements of a non-empty sequence, each read with `read(element, "key[i]")`.
  template <typename Read>
  auto list(const YAML::Node& value, const std::string& key, Read read) const {
    if (!value.IsSequence()) fail(value, key, key + ": expected a list");
    if (value.size() == 0) fail(value, key, key + ": expected at least one entry");
    std::vector<decltype(read(value[0], key))> out;
    for (std::size_t i = 0; i < value.size(); ++i) {
      out.push_back(read(value[i], key + "[" + std::to_string(i) + "]"));
    }
    return out;
  }

 private:
  // The scalar's text as written in the file (before substitution), for error messages.
  static std::string written(const YAML::Node& value);
  std::string substitute(const YAML::Node& value, const std::string& key) const;

  const EnvLookup& env_;
};

}  // namespace hookd::config::detail
