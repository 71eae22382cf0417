#include "replay_command.h"

#include "common/log.h"
#include "config/loader.h"
#include "events/rfc3339.h"
#include "kafka/types.h"
#include "replay/replayer.h"
#include "worker/worker.h"

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::app {
namespace {

constexpr std::string_view kUsage =
    "usage: hookd replay --config FILE --since T [--until T] [--webhook ID] [--reason R] [--dry-run]\n"
    "  T: RFC 3339 (2026-11-23T10:00:00Z), compared with the dead letter's Kafka timestamp;\n"
    "     --since is inclusive, --until exclusive.\n"
    "  R: exhausted, gone or blocked.\n";

int usage_error(const std::string& message) {
  std::cerr << "hookd replay: " << message << "\n" << kUsage;
  return worker::kExitConfig;
}

// --flag VALUE or --flag=VALUE; nullopt (after printing why) on a usage error.
std::optional<std::map<std::string, std::string>> parse_flags(int argc, char** args) {
  static const std::map<std::string, bool, std::less<>> kTakesValue = {
      {"--config", true}, {"--since", true}, {"--until", true},
      {"--webhook", true}, {"--reason", true}, {"--dry-run", false}};
  std::map<std::string, std::string> flags;
  for (int i = 0; i < argc; ++i) {
    std::string arg = args[i];
    std::optional<std::string> value;
    if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    }
    const auto known = kTakesValue.find(arg);
    if (known == kTakesValue.end()) {
      usage_error("unknown argument \"" + arg + "\"");
      return std::nullopt;
    }
    if (flags.contains(arg)) {
      usage_error(arg + " given twice");
      return std::nullopt;
    }
    if (!known->second) {
      if (value) {
        usage_error(arg + " takes no value");
        return std::nullopt;
      }
      flags[arg] = "";
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) {
        usage_error(arg + " needs a value");
        return std::nullopt;
      }
      value = args[++i];
    }
    flags[arg] = *value;
  }
  return flags;
}

std::optional<std::int64_t> parse_time(const std::map<std::string, std::string>& flags, const std::string& flag) {
  auto ms = events::parse_rfc3339_unix_ms(flags.at(flag));
  if (!ms) usage_error(flag + ": expected an RFC 3339 time such as 2026-11-23T10:00:00Z, got \"" + flags.at(flag) + "\"");
  return ms;
}

}  // namespace

int replay_command(int argc, char** args) {
  const auto flags = parse_flags(argc, args);
  if (!flags) return worker::kExitConfig;
  if (!flags->contains("--config")) return usage_error("--config is required");
  if (!flags->contains("--since")) return usage_error("--since is required");

  replay::ReplayOptions options;
  const auto since = parse_time(*flags, "--since");
  if (!since) return worker::kExitConfig;
  options.filter.since_unix_ms = *since;
  if (flags->contains("--until")) {
    options.filter.until_unix_ms = parse_time(*flags, "--until");
    if (!options.filter.until_unix_ms) return worker::kExitConfig;
    if (*options.filter.until_unix_ms <= *since) return usage_error("--until must be later than --since");
  }
  if (flags->contains("--webhook")) {
    if (flags->at("--webhook").empty()) return usage_error("--webhook: empty webhook id");
    options.filter.webhook_id = flags->at("--webhook");
  }
  if (flags->contains("--reason")) {
    if (!replay::is_delivery_reason(flags->at("--reason"))) {
      return usage_error("--reason: expected exhausted, gone or blocked, got \"" + flags->at("--reason") + "\"");
    }
    options.filter.reason = flags->at("--reason");
  }
  options.dry_run = flags->contains("--dry-run");

  const std::string& file = flags->at("--config");
  auto loaded = config::load_file(file);
  if (auto* error = std::get_if<config::ConfigError>(&loaded)) {
    std::cerr << "hookd replay: " << config::to_string(*error) << "\n";
    return worker::kExitConfig;
  }
  const auto& config = std::get<config::Config>(loaded);
  log::set_level(config.log.level);
  // The same patience the worker shows before /readyz gives up on Kafka.
  options.kafka_timeout = config.kafka.unavailable_after;

  try {
    const auto result = replay::run(config, options, std::cout, std::cerr);
    if (result.error) {
      log::error("replay failed", {{"error", *result.error}});
      std::cerr << "hookd replay: " << *result.error << "\n";
      return worker::kExitFatal;
    }
    return worker::kExitClean;
  } catch (const kafka::Error& e) {
    // A Kafka client refused a property from kafka.properties.
    std::cerr << "hookd replay: " << e.what() << "\n";
    return worker::kExitConfig;
  } catch (const std::exception& e) {
    log::error("fatal error", {{"error", e.what()}});
    std::cerr << "hookd replay: " << e.what() << "\n";
    return worker::kExitFatal;
  }
}

}  // namespace hookd::app
