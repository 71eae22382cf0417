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

// parse_flags for a program's main: a UsageError goes to `usage` (which prints it with the
// program's usage text and exits), and --help goes there as `about`.
void parse_flags_or_usage(int argc, char** argv, std::initializer_list<std::string_view> switches,
                          const std::function<bool(const std::string& name, const std::string& value)>& set,
                          const std::string& about, void (*usage)(const std::string& error));

// A program's main: returns what `body` returns; an exception escaping it is printed as
// "<program>: <what>" on stderr and gives exit code 1.
int run_or_report(const char* program, const std::function<int()>& body);

// The flags every broker benchmark takes: --events --rate --warmup --partitions --bootstrap
// --timeout --hookd and the switch --keep-log. A program's options derive from it and set
// their own defaults.
struct RunFlags {
  long events = 0;
  double rate = 0;  // events/s; 0 = as fast as the producer goes (a burst)
  long warmup = 0;
  int partitions = 3;
  std::string bootstrap;  // empty: $HOOKD_TEST_KAFKA_STATE's broker, else one of its own
  int timeout_s = 0;
  std::string hookd;
  bool keep_log = false;

  // Takes one flag of the above (value "" for --keep-log); false for any other flag.
  bool set(const std::string& flag, const std::string& value);
  // True when every number is in range.
  bool valid() const;
};

}  // namespace hookd::bench
