// Where the end-to-end benchmark finds Kafka: an address given by flag, the ctest fixture's
// broker ($HOOKD_TEST_KAFKA_STATE/bootstrap), or a broker of its own started with
// scripts/kafka/start.sh and stopped again (stop.sh) when this object goes away.
#pragma once

#include <string>

namespace hookd::bench {

class Broker {
 public:
  // `bootstrap` non-empty: use it. Else the fixture's state dir if the variable is set.
  // Else start a broker from `scripts_dir` (throws std::runtime_error when that fails).
  Broker(const std::string& bootstrap, const std::string& scripts_dir, const std::string& kafka_cli);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const std::string& bootstrap() const { return bootstrap_; }
  // "flag", "fixture" or "started" (for the report).
  const std::string& source() const { return source_; }

 private:
  std::string bootstrap_;
  std::string source_;
  std::string scripts_dir_;
  std::string state_dir_;  // set only when this object started the broker
};

}  // namespace hookd::bench
