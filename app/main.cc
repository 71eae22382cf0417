// hookd: flags, config, run the worker. No logic lives here.
#include "common/build_info.h"
#include "common/log.h"
#include "config/loader.h"
#include "kafka/client_check.h"
#include "replay_command.h"
#include "worker/worker.h"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler writes this flag");

extern "C" void on_signal(int) { g_stop.store(true); }

int usage() {
  std::cerr << "usage: hookd --config FILE | --check-config FILE | --version\n"
               "       hookd replay --config FILE --since T [--until T] [--webhook ID] [--reason R] [--dry-run]\n";
  return hookd::worker::kExitConfig;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::cout << "hookd " << hookd::common::version() << " (commit " << hookd::common::commit() << ", librdkafka "
              << rd_kafka_version_str() << ")\n";
    return 0;
  }
  if (argc >= 2 && std::strcmp(argv[1], "replay") == 0) return hookd::app::replay_command(argc - 2, argv + 2);
  if (argc != 3) return usage();
  const std::string flag = argv[1];
  if (flag != "--config" && flag != "--check-config") return usage();

  auto loaded = hookd::config::load_file(argv[2]);
  if (auto* error = std::get_if<hookd::config::ConfigError>(&loaded)) {
    hookd::log::error("invalid configuration",
                      {{"file", argv[2]}, {"key", error->key}, {"error", hookd::config::to_string(*error)}});
    std::cerr << "hookd: " << hookd::config::to_string(*error) << "\n";
    return hookd::worker::kExitConfig;
  }
  const auto& config = std::get<hookd::config::Config>(loaded);
  // For --config too: a property librdkafka refuses is a configuration error (exit 2), found
  // before the admin server or any client starts.
  if (auto error = hookd::kafka::check_client_configs({config.kafka.bootstrap_servers, config.kafka.properties},
                                                      {config.kafka.group_id, config.retry.group_id},
                                                      config.kafka.instance_id)) {
    hookd::log::error("invalid configuration", {{"file", argv[2]}, {"key", "kafka.properties"}, {"error", *error}});
    std::cerr << "hookd: " << *error << "\n";
    return hookd::worker::kExitConfig;
  }
  if (flag == "--check-config") {
    std::cout << "configuration OK: " << argv[2] << "\n";
    return 0;
  }

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    return hookd::worker::run(config, g_stop);
  } catch (const std::exception& e) {
    hookd::log::error("fatal error", {{"error", e.what()}});
    return hookd::worker::kExitFatal;
  }
}
