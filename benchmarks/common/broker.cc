#include "common/broker.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace hookd::bench {
namespace {

// Runs `command` through the shell and returns the last line it printed on stdout.
std::string last_line_of(const std::string& command, int* status) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
  std::string last;
  std::array<char, 1024> line{};
  while (std::fgets(line.data(), static_cast<int>(line.size()), pipe) != nullptr) {
    std::string text(line.data());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (!text.empty()) last = text;
  }
  *status = ::pclose(pipe);
  return last;
}

}  // namespace

Broker::Broker(const std::string& bootstrap, const std::string& scripts_dir, const std::string& kafka_cli)
    : scripts_dir_(scripts_dir) {
  if (!bootstrap.empty()) {
    bootstrap_ = bootstrap;
    source_ = "flag";
    return;
  }
  if (const char* state = std::getenv("HOOKD_TEST_KAFKA_STATE"); state != nullptr && *state != '\0') {
    std::ifstream in(std::string(state) + "/bootstrap");
    std::getline(in, bootstrap_);
    if (bootstrap_.empty()) throw std::runtime_error(std::string("no bootstrap in ") + state + "/bootstrap");
    source_ = "fixture";
    return;
  }
  char tmpl[] = "/tmp/hookd-bench-kafka.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  state_dir_ = tmpl;
  // start.sh uses the CLI to probe readiness; it finds this build's one through the variable.
  ::setenv("HOOKD_KAFKA_CLI", kafka_cli.c_str(), 0);
  std::fprintf(stderr, "starting a Kafka broker in %s ...\n", state_dir_.c_str());
  int status = 0;
  bootstrap_ = last_line_of(scripts_dir_ + "/start.sh " + state_dir_, &status);
  if (status != 0 || bootstrap_.empty()) {
    const std::string dir = state_dir_;
    state_dir_.clear();
    throw std::runtime_error("scripts/kafka/start.sh failed (state dir " + dir + ")");
  }
  source_ = "started";
}

Broker::~Broker() {
  if (state_dir_.empty()) return;
  const std::string stop = scripts_dir_ + "/stop.sh " + state_dir_ + " >&2; rm -rf " + state_dir_;
  if (std::system(stop.c_str()) != 0) std::fprintf(stderr, "stopping the broker failed: %s\n", stop.c_str());
}

}  // namespace hookd::bench
