#include "replay_command.h"

#include "cli.h"
#include "common/log.h"
#include "kafka/types.h"
#include "replay/replayer.h"

#include <iostream>
#include <string>

namespace hookd::app {
namespace {

const CommandSpec kReplay{
    "replay",
    "usage: hookd replay --config FILE --since T [--until T] [--webhook ID] [--reason R] [--dry-run]\n"
    "  Puts delivery dead letters back on the first retry tier; the running workers deliver them.\n"
    "  T: RFC 3339 (2026-11-23T10:00:00Z), compared with the dead letter's Kafka timestamp;\n"
    "     --since is inclusive, --until exclusive.\n"
    "  R: exhausted, gone or blocked.\n"
    "  Exit: 0 done, 1 Kafka unreachable or a record not acknowledged, 2 usage or configuration error.\n",
    {{"--config"}, {"--since"}, {"--until"}, {"--webhook"}, {"--reason"}, {"--dry-run", false}},
    {"--config", "--since"}};

}  // namespace

int replay_command(int argc, char** args) {
  const auto parsed = parse_flags(kReplay, argc, args);
  if (!parsed.flags) return parsed.exit_code;
  const Flags& flags = *parsed.flags;

  replay::ReplayOptions options;
  const auto since = time_flag(kReplay, flags, "--since");
  if (!since) return kExitUsage;
  options.filter.since_unix_ms = *since;
  if (flags.contains("--until")) {
    options.filter.until_unix_ms = time_flag(kReplay, flags, "--until");
    if (!options.filter.until_unix_ms) return kExitUsage;
    if (*options.filter.until_unix_ms <= *since) return usage_error(kReplay, "--until must be later than --since");
  }
  if (const auto webhook = flags.find("--webhook"); webhook != flags.end()) {
    if (webhook->second.empty()) return usage_error(kReplay, "--webhook: empty webhook id");
    options.filter.webhook_id = webhook->second;
  }
  if (const auto reason = flags.find("--reason"); reason != flags.end()) {
    if (!replay::is_delivery_reason(reason->second)) {
      return usage_error(kReplay, "--reason: expected exhausted, gone or blocked, got \"" + reason->second + "\"");
    }
    options.filter.reason = reason->second;
  }
  options.dry_run = flags.contains("--dry-run");

  const auto config = load_config(kReplay, flags);
  if (!config) return kExitUsage;
  // The same patience the worker shows before /readyz gives up on Kafka.
  options.kafka_timeout = config->kafka.unavailable_after;

  try {
    const auto result = replay::run(*config, options, std::cout, std::cerr);
    if (result.error) {
      log::error("replay failed", {{"error", *result.error}});
      std::cerr << "hookd replay: " << *result.error << "\n";
      return kExitFailed;
    }
    return kExitOk;
  } catch (const kafka::Error& e) {
    // A Kafka client refused a property from kafka.properties.
    std::cerr << "hookd replay: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    log::error("fatal error", {{"error", e.what()}});
    std::cerr << "hookd replay: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace hookd::app
