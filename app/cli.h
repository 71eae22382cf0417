// What every `hookd <command>` shares: flags, --help, usage errors and loading the config.
//
// Exit codes (docs/operations.md, exit codes): 0 done, 1 a runtime failure (Kafka unreachable,
// a failed check), 2 a usage or configuration error. --help prints the command's usage to
// stdout and exits 0; a usage error prints the problem and the usage to stderr and exits 2.
#pragma once

#include "config/config.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hookd::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct FlagSpec {
  std::string_view name;  // "--since"
  bool takes_value = true;
};

struct CommandSpec {
  std::string_view name;   // "replay": prefixes every message ("hookd replay: ...")
  std::string_view usage;  // the whole usage text, ending with a newline
  std::vector<FlagSpec> flags;
  std::vector<std::string_view> required;  // flags that must be given (with a non-empty value)
};

// The flags given, by name ("--since" -> "2026-11-23T10:00:00Z"; "" for a flag without value).
using Flags = std::map<std::string, std::string, std::less<>>;

struct Parsed {
  std::optional<Flags> flags;  // set: run the command
  int exit_code = kExitOk;     // when flags is empty: kExitOk after --help, kExitUsage otherwise
};

// --flag VALUE or --flag=VALUE; --help (or -h) anywhere prints the usage to stdout. A missing
// required flag is a usage error ("--webhook is required").
Parsed parse_flags(const CommandSpec& command, int argc, char** args);

// Prints "hookd <command>: <message>" and the usage to stderr; returns kExitUsage.
int usage_error(const CommandSpec& command, const std::string& message);

// Loads --config (required); prints the error naming the key and returns nullopt.
// Sets the log level from the file, so a command logs like the worker it inspects.
std::optional<config::Config> load_config(const CommandSpec& command, const Flags& flags);

// A duration flag in the config's spelling ("30s", "24h"); nullopt after printing why.
std::optional<std::chrono::milliseconds> duration_flag(const CommandSpec& command, const Flags& flags,
                                                       std::string_view flag);

// An RFC 3339 time flag (2026-11-23T10:00:00Z), as unix milliseconds; nullopt after printing why.
std::optional<std::int64_t> time_flag(const CommandSpec& command, const Flags& flags, std::string_view flag);

}  // namespace hookd::app
