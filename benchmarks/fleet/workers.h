// The fleet benchmark's hookd workers: child processes in one consumer group, each with its own
// kafka.instance_id (a static member) and admin port, restarted the way an orchestrator does.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/hookd_process.h"

namespace hookd::bench {

class Workers {
 public:
  // `config(instance_id)` is the hookd.yaml of the worker with that id.
  Workers(const std::string& binary, int count, const std::string& id_prefix,
          const std::function<std::string(const std::string& instance_id)>& config, bool keep_logs);

  int size() const { return static_cast<int>(workers_.size()); }
  test_support::HookdProcess& at(int i) { return *workers_[i]; }
  const std::string& instance_id(int i) const { return ids_[i]; }

  void start_all();
  // True once every worker answers /readyz.
  bool wait_all_ready(std::chrono::milliseconds timeout);
  // True once the workers' current assignments of `group` cover `partitions` and each
  // worker holds some: the group is stable.
  bool wait_balanced(const std::string& group, int partitions, std::chrono::milliseconds timeout);
  // The partitions of `group` worker i holds according to its log; 0 after a revoke.
  int partitions_held(int i, const std::string& group) const;

  // Stops every worker with SIGTERM; their exit codes.
  std::vector<int> stop_all(std::chrono::milliseconds timeout);

 private:
  std::vector<std::string> ids_;
  std::vector<std::unique_ptr<test_support::HookdProcess>> workers_;
};

}  // namespace hookd::bench
