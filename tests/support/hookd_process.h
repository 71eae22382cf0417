// A hookd process for tests and benchmarks: its own temp dir with the config file and the
// log (stderr), started with `--config`, probed through its admin server.
#pragma once

#include <chrono>
#include <ios>
#include <optional>
#include <string>
#include <string_view>

namespace hookd::test_support {

class HookdProcess {
 public:
  HookdProcess(std::string binary, const std::string& config_yaml);
  ~HookdProcess();  // SIGKILL if still running; removes the temp dir unless keep_files()
  HookdProcess(const HookdProcess&) = delete;
  HookdProcess& operator=(const HookdProcess&) = delete;

  void start();
  bool running();
  // Waits until /readyz answers 200; false on timeout or if the process exited.
  bool wait_ready(std::chrono::milliseconds timeout);
  // GET on the admin server; returns the status (0 when unreachable) and fills `body`.
  int admin_get(const std::string& path, std::string* body = nullptr);
  // SIGTERM, then waits; returns the exit code (or -1 on timeout, after which it is killed).
  int terminate(std::chrono::milliseconds timeout);
  void kill9();
  // The process id while it runs (for /proc figures); -1 before start() and after it ended.
  int pid() const { return pid_; }

  // The admin port the current run logged ("admin server listening"); 0 until it did. A
  // restarted process appends to the same log, so earlier runs' lines are skipped.
  int admin_port();
  const std::string& config_path() const { return config_path_; }
  const std::string& log_path() const { return log_path_; }
  std::string log() const;
  std::string log_tail(std::size_t lines) const;
  void keep_files() { keep_ = true; }

 private:
  std::string binary_;
  std::string dir_;
  std::string config_path_;
  std::string log_path_;
  int pid_ = -1;
  int admin_port_ = 0;
  std::streamoff log_start_ = 0;  // where the current run's lines begin in the log
  bool keep_ = false;
};

// The value of the first sample line of a Prometheus text page that starts with `series`
// exactly (e.g. `hookd_breaker_transitions_total{to="open"}`); nullopt when absent.
std::optional<double> metric_value(const std::string& metrics, std::string_view series);

}  // namespace hookd::test_support
