#include "explain_command.h"

#include "cli.h"
#include "events/parser.h"
#include "inspect/explain.h"
#include "inspect/snapshot_load.h"
#include "kafka/types.h"

#include <fstream>
#include <iostream>
#include <iterator>

namespace hookd::app {
namespace {

const CommandSpec kExplain{
    "explain",
    "usage: hookd explain --config FILE --webhook ID --event-file FILE\n"
    "  Reads the subscriptions topic to its end (as a worker does at start), then runs the\n"
    "  snapshot's match on the event in --event-file (one envelope, as on the events topic) and\n"
    "  prints \"match\", or \"no match\" and, rule by rule, why: the webhook exists and is enabled,\n"
    "  company (tenant), event type (metadata.events), project (metadata.projectIds), and the\n"
    "  record filter clause by clause (ok/FAIL per clause, \"(path absent)\" when the event lacks it).\n"
    "  Exit: 0 explained (match or no match), 1 the subscriptions could not be read,\n"
    "        2 usage or configuration error, or an event file that cannot be read.\n",
    {{"--config"}, {"--webhook"}, {"--event-file"}},
    {"--config", "--webhook", "--event-file"}};

}  // namespace

int explain_command(int argc, char** args) {
  const auto parsed = parse_flags(kExplain, argc, args);
  if (!parsed.flags) return parsed.exit_code;
  const Flags& flags = *parsed.flags;
  const auto webhook = flags.find("--webhook");
  const auto file = flags.find("--event-file");
  const auto config = load_config(kExplain, flags);
  if (!config) return kExitUsage;

  std::ifstream in(file->second, std::ios::binary);
  if (!in) {
    std::cerr << "hookd explain: cannot read \"" << file->second << "\"\n";
    return kExitUsage;
  }
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The worker's parser and limit: an event it refuses is dead-lettered, never matched.
  events::EventParser parser(config->limits.max_event_bytes);
  events::Event event;
  if (const auto invalid = parser.parse(bytes, event)) {
    std::cout << "FAIL event: invalid (" << events::to_string(*invalid)
              << "): hookd dead-letters it as invalid_event and delivers it to no webhook\nno match\n";
    return kExitOk;
  }

  try {
    const auto loaded = inspect::load_snapshot({config->kafka.bootstrap_servers, config->kafka.properties},
                                               config->topics.subscriptions, config->kafka.unavailable_after);
    if (loaded.error) {
      std::cerr << "hookd explain: " << *loaded.error << "\n";
      return kExitFailed;
    }
    const auto explanation = inspect::explain(*loaded.snapshot, webhook->second, event);
    for (const auto& line : explanation.lines) std::cout << line << "\n";
    if (const auto refused = loaded.refused.find(webhook->second); refused != loaded.refused.end()) {
      std::cout << "     its latest record was refused: " << subscriptions::to_string(refused->second.reason) << " ("
                << refused->second.detail << ")\n";
    }
    if (explanation.match) {
      std::cout << "match\n";
    } else {
      std::cout << "no match:";
      for (const auto& rule : explanation.failed) std::cout << " " << rule;
      std::cout << "\n";
    }
    return kExitOk;
  } catch (const kafka::Error& e) {
    std::cerr << "hookd explain: " << e.what() << "\n";
    return kExitUsage;
  }
}

}  // namespace hookd::app
