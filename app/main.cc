// hookd: the command line. Which command runs, and its exit code; no logic lives here
// (each command is app/<name>_command.cc, the work is in lib/).
#include "allocator.h"
#include "attempts_command.h"
#include "check_command.h"
#include "cli.h"
#include "common/build_info.h"
#include "common/log.h"
#include "explain_command.h"
#include "replay_command.h"
#include "send_test_command.h"
#include "worker/worker.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler writes this flag");

extern "C" void on_signal(int) { g_stop.store(true); }

constexpr std::string_view kUsage =
    "usage: hookd --config FILE                 run the worker\n"
    "       hookd --check-config FILE           check the configuration and exit\n"
    "       hookd check --config FILE [--connect] [--timeout D]\n"
    "                                           ... and, with --connect, that the cluster lets it work\n"
    "       hookd attempts --config FILE --webhook ID [--event ID] [--since T] [--json]\n"
    "                                           a webhook's recorded delivery attempts\n"
    "       hookd explain --config FILE --webhook ID --event-file FILE\n"
    "                                           why an event matches a webhook, or why not\n"
    "       hookd send-test --config FILE --webhook ID [--event-type TYPE]\n"
    "                                           one signed sample delivery to the webhook\n"
    "       hookd replay --config FILE --since T [--until T] [--webhook ID] [--reason R] [--dry-run]\n"
    "                                           put dead letters back on the first retry tier\n"
    "       hookd --version | --help\n"
    "`hookd COMMAND --help` describes a command. Exit codes: 0 done, 1 runtime failure, 2 usage or\n"
    "configuration error.\n";

int usage_error(const std::string& problem) {
  std::cerr << "hookd: " << problem << "\n" << kUsage;
  return hookd::app::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage_error("no command");
  const std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    std::cout << kUsage;
    return hookd::app::kExitOk;
  }
  if (first == "--version") {
    if (argc != 2) return usage_error("--version takes no arguments");
    std::cout << "hookd " << hookd::common::version() << " (commit " << hookd::common::commit() << ", librdkafka "
              << rd_kafka_version_str() << ", " << hookd::app::allocator_name() << ")\n";
    return hookd::app::kExitOk;
  }
  int rest_argc = argc - 2;
  char** rest = argv + 2;
  if (first == "replay") return hookd::app::replay_command(rest_argc, rest);
  if (first == "check") return hookd::app::check_command(rest_argc, rest);
  if (first == "attempts") return hookd::app::attempts_command(rest_argc, rest);
  if (first == "explain") return hookd::app::explain_command(rest_argc, rest);
  if (first == "send-test") return hookd::app::send_test_command(rest_argc, rest);
  if (first != "--config" && first != "--check-config") return usage_error("unknown command \"" + std::string(first) + "\"");
  if (argc != 3) return usage_error(std::string(first) + " takes one FILE");

  const auto config = hookd::app::load_and_check("hookd", argv[2]);
  if (!config) return hookd::worker::kExitConfig;
  if (first == "--check-config") {
    std::cout << "configuration OK: " << argv[2] << "\n";
    return hookd::app::kExitOk;
  }

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    return hookd::worker::run(*config, g_stop);
  } catch (const std::exception& e) {
    hookd::log::error("fatal error", {{"error", e.what()}});
    return hookd::worker::kExitFatal;
  }
}
