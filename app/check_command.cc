#include "check_command.h"

#include "cli.h"
#include "common/log.h"
#include "config/loader.h"
#include "delivery/tls_context.h"
#include "inspect/connect_check.h"
#include "kafka/client_check.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <thread>

namespace hookd::app {
namespace {

using namespace std::chrono_literals;

const CommandSpec kCheck{
    "check",
    "usage: hookd check --config FILE [--connect] [--timeout D]\n"
    "  Without --connect: what `hookd --check-config FILE` checks (the file, every Kafka client\n"
    "  configuration, the HTTP client's TLS set-up), then \"configuration OK\".\n"
    "  --connect: then, with the worker's own Kafka configuration (SASL/TLS included), one line per\n"
    "  check, \"ok\" or \"FAIL\" and the reason:\n"
    "    brokers        a metadata request is answered\n"
    "    topic ...      topics.events and topics.subscriptions exist (hookd never creates them);\n"
    "                   the retry tiers, dead-letter, attempts and status topics exist or will be created\n"
    "    group ...      kafka.group_id and retry.group_id: the group can be described and its\n"
    "                   committed offsets read (joins nothing, commits nothing)\n"
    "    producer       the idempotent producer gets its producer id (writes nothing)\n"
    "  --timeout D: the deadline of each check (default 10s); the whole run is bounded too.\n"
    "  Exit: 0 every check ok, 1 a check failed, 2 usage or configuration error.\n",
    {{"--config"}, {"--connect", false}, {"--timeout"}},
    {"--config"}};

// The whole run's bound, past every check's own deadline: librdkafka's destroy can wait on a
// broker that went away mid-check, and `check` must never hang a probe or a CI job.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::milliseconds limit)
      : thread_([this, limit] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, limit, [this] { return done_; })) {
            std::cout << "FAIL check: did not finish within " << limit.count() << " ms" << std::endl;
            std::_Exit(kExitFailed);
          }
        }) {}
  ~Watchdog() {
    {
      const std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_one();
    thread_.join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

std::optional<config::Config> load_and_check(std::string_view prefix, const std::string& file) {
  auto loaded = config::load_file(file);
  if (auto* error = std::get_if<config::ConfigError>(&loaded)) {
    log::error("invalid configuration", {{"file", file}, {"key", error->key}, {"error", config::to_string(*error)}});
    std::cerr << prefix << ": " << config::to_string(*error) << "\n";
    return std::nullopt;
  }
  auto& config = std::get<config::Config>(loaded);
  // A property librdkafka refuses is a configuration error (exit 2), found before any client starts.
  if (auto error = kafka::check_client_configs({config.kafka.bootstrap_servers, config.kafka.properties},
                                               {config.kafka.group_id, config.retry.group_id},
                                               config.kafka.instance_id)) {
    log::error("invalid configuration", {{"file", file}, {"key", "kafka.properties"}, {"error", *error}});
    std::cerr << prefix << ": " << *error << "\n";
    return std::nullopt;
  }
  // The HTTP client builds this context at start: a delivery.ca_file that is readable but holds
  // no certificate would stop it there.
  try {
    (void)delivery::make_client_tls_context(config.delivery.ca_file);
  } catch (const std::exception& e) {
    log::error("invalid configuration", {{"file", file}, {"key", "delivery.ca_file"}, {"error", e.what()}});
    std::cerr << prefix << ": " << e.what() << "\n";
    return std::nullopt;
  }
  return std::move(config);
}

int check_command(int argc, char** args) {
  const auto parsed = parse_flags(kCheck, argc, args);
  if (!parsed.flags) return parsed.exit_code;
  const Flags& flags = *parsed.flags;
  std::chrono::milliseconds timeout = 10s;
  if (flags.contains("--timeout")) {
    const auto given = duration_flag(kCheck, flags, "--timeout");
    if (!given) return kExitUsage;
    timeout = *given;
  }
  const std::string& file = flags.find("--config")->second;
  const auto config = load_and_check("hookd check", file);
  if (!config) return kExitUsage;
  if (!flags.contains("--connect")) {
    std::cout << "configuration OK: " << file << "\n";
    return kExitOk;
  }
  std::cout << "ok   configuration: " << file << std::endl;
  // The checks that wait: brokers, two calls per group, the producer; then the destroys.
  const Watchdog watchdog(timeout * 6 + 10s);
  const bool ok = inspect::check_connect(*config, timeout, [](const inspect::CheckLine& line) {
    std::cout << (line.ok ? "ok   " : "FAIL ") << line.name << ": " << line.detail << std::endl;
  });
  return ok ? kExitOk : kExitFailed;
}

}  // namespace hookd::app
