// Command-line flags of the benchmark programs: "--name value" or "--name=value", and
// switches that take no value.
#pragma once

#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hookd::bench {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Calls set(name, value) for every flag in order (value "" for a switch). `set` returns
// false for a flag it does not know; std::stol and friends may throw from it. Throws
// UsageError for an unknown flag, a missing value or a value `set` could not convert, and
// for --help/-h (with the message "help").
void parse_flags(int argc, char** argv, std::initializer_list<std::string_view> switches,
                 const std::function<bool(const std::string& name, const std::string& value)>& set);

}  // namespace hookd::bench
