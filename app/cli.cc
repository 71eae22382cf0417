#include "cli.h"

#include "common/log.h"
#include "common/units.h"
#include "config/loader.h"
#include "events/rfc3339.h"

#include <iostream>

namespace hookd::app {

int usage_error(const CommandSpec& command, const std::string& message) {
  std::cerr << "hookd " << command.name << ": " << message << "\n" << command.usage;
  return kExitUsage;
}

Parsed parse_flags(const CommandSpec& command, int argc, char** args) {
  Parsed parsed;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << command.usage;
      return parsed;
    }
  }
  auto fail = [&](const std::string& message) {
    parsed.exit_code = usage_error(command, message);
    return parsed;
  };
  Flags flags;
  for (int i = 0; i < argc; ++i) {
    std::string arg = args[i];
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    const FlagSpec* spec = nullptr;
    for (const auto& f : command.flags) {
      if (f.name == arg) spec = &f;
    }
    if (spec == nullptr) return fail("unknown argument \"" + arg + "\"");
    if (flags.contains(arg)) return fail(arg + " given twice");
    if (!spec->takes_value) {
      if (value) return fail(arg + " takes no value");
      flags[arg] = "";
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) return fail(arg + " needs a value");
      value = args[++i];
    }
    flags[arg] = *value;
  }
  for (const auto& name : command.required) {
    const auto given = flags.find(name);
    if (given == flags.end() || given->second.empty()) return fail(std::string(name) + " is required");
  }
  parsed.flags = std::move(flags);
  return parsed;
}

std::optional<config::Config> load_config(const CommandSpec& command, const Flags& flags) {
  const auto file = flags.find("--config");
  if (file == flags.end()) {
    usage_error(command, "--config is required");
    return std::nullopt;
  }
  auto loaded = config::load_file(file->second);
  if (auto* error = std::get_if<config::ConfigError>(&loaded)) {
    std::cerr << "hookd " << command.name << ": " << config::to_string(*error) << "\n";
    return std::nullopt;
  }
  auto& config = std::get<config::Config>(loaded);
  log::set_level(config.log.level);
  return std::move(config);
}

std::optional<std::chrono::milliseconds> duration_flag(const CommandSpec& command, const Flags& flags,
                                                       std::string_view flag) {
  const auto& text = flags.find(flag)->second;
  const auto parsed = parse_duration(text);
  if (!parsed || parsed->count() <= 0) {
    usage_error(command, std::string(flag) + ": expected a duration such as 30s or 24h, got \"" + text + "\"");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::int64_t> time_flag(const CommandSpec& command, const Flags& flags, std::string_view flag) {
  const auto& text = flags.find(flag)->second;
  auto ms = events::parse_rfc3339_unix_ms(text);
  if (!ms) {
    usage_error(command, std::string(flag) + ": expected an RFC 3339 time such as 2026-11-23T10:00:00Z, got \"" +
                             text + "\"");
  }
  return ms;
}

}  // namespace hookd::app
