#include "attempts_command.h"

#include "cli.h"
#include "common/log.h"
#include "inspect/attempts.h"
#include "kafka/types.h"

#include <chrono>
#include <iostream>

namespace hookd::app {
namespace {

const CommandSpec kAttempts{
    "attempts",
    "usage: hookd attempts --config FILE --webhook ID [--event ID] [--since T] [--json]\n"
    "  The delivery attempts hookd recorded for a webhook, oldest first: time, event, webhook,\n"
    "  attempt number, result, HTTP status, latency, error and the first bytes of the response.\n"
    "  Reads, from --since up to their ends when the command starts, then stops:\n"
    "    the attempts log (topics.attempts): every attempt, first-attempt successes included,\n"
    "      but written best effort and kept 7 days; no response excerpt;\n"
    "    the retry tiers and the dead-letter topic: the history (error, response excerpt) of\n"
    "      deliveries that failed at least once.\n"
    "  With topics.attempts empty (the log off), a delivery that succeeded at once leaves no trace\n"
    "  in Kafka and is not shown. Never shows a URL path, a header, a secret or a request body.\n"
    "  --since T: RFC 3339 time (2026-11-23T10:00:00Z) or a duration back from now (24h, 30m);\n"
    "    default 24h. --event ID: only that event. --json: one JSON object per line.\n"
    "  Exit: 0 done (with or without rows), 1 Kafka unreachable, 2 usage or configuration error.\n",
    {{"--config"}, {"--webhook"}, {"--event"}, {"--since"}, {"--json", false}},
    {"--config", "--webhook"}};

}  // namespace

int attempts_command(int argc, char** args) {
  const auto parsed = parse_flags(kAttempts, argc, args);
  if (!parsed.flags) return parsed.exit_code;
  const Flags& flags = *parsed.flags;
  inspect::AttemptsQuery query;
  query.webhook_id = flags.find("--webhook")->second;
  if (const auto event = flags.find("--event"); event != flags.end()) query.event_id = event->second;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  query.since_unix_ms = now - std::chrono::milliseconds(std::chrono::hours(24)).count();
  if (const auto since = flags.find("--since"); since != flags.end()) {
    // A time, or a duration back from now.
    const bool is_time = since->second.find('T') != std::string::npos;
    if (is_time) {
      const auto t = time_flag(kAttempts, flags, "--since");
      if (!t) return kExitUsage;
      query.since_unix_ms = *t;
    } else {
      const auto back = duration_flag(kAttempts, flags, "--since");
      if (!back) return kExitUsage;
      query.since_unix_ms = now - back->count();
    }
  }
  const auto config = load_config(kAttempts, flags);
  if (!config) return kExitUsage;

  try {
    const auto scan = inspect::scan_attempts(*config, query, config->kafka.unavailable_after);
    if (scan.error) {
      std::cerr << "hookd attempts: " << *scan.error << "\n";
      return kExitFailed;
    }
    const bool as_json = flags.contains("--json");
    if (!as_json) std::cout << inspect::table_header() << "\n";
    for (const auto& row : scan.rows) std::cout << (as_json ? inspect::json_line(row) : inspect::table_line(row)) << "\n";
    // What was not read goes to stderr, so --json output stays JSON lines only.
    for (const auto& note : scan.notes) std::cerr << "hookd attempts: " << note << "\n";
    if (scan.rows.empty()) std::cerr << "hookd attempts: no attempts recorded for " << query.webhook_id << " since then\n";
    return kExitOk;
  } catch (const kafka::Error& e) {
    std::cerr << "hookd attempts: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace hookd::app
