// hookd as a child process of the benchmark: its own temp dir with the config and the log,
// readiness through /readyz, /metrics for the report, SIGTERM at the end.
#pragma once

#include <chrono>
#include <string>

namespace hookd::bench {

class HookdChild {
 public:
  HookdChild(const std::string& binary, const std::string& config_yaml);
  ~HookdChild();  // SIGKILL if still running; removes the temp dir unless keep_files()
  HookdChild(const HookdChild&) = delete;
  HookdChild& operator=(const HookdChild&) = delete;

  void start();
  bool running();
  // Waits until /readyz answers 200; false on timeout or if the process exited.
  bool wait_ready(std::chrono::milliseconds timeout);
  // GET on the admin server: the status (0 when unreachable); the body into `body`.
  int admin_get(const std::string& path, std::string* body = nullptr);
  // SIGTERM, wait up to `timeout`; the exit code, or -1 (then SIGKILL).
  int terminate(std::chrono::milliseconds timeout);
  std::string log_path() const { return dir_ + "/hookd.log"; }
  std::string log_tail(std::size_t lines) const;
  void keep_files() { keep_ = true; }

 private:
  int admin_port();

  std::string binary_;
  std::string dir_;
  int pid_ = -1;
  int admin_port_ = 0;
  bool keep_ = false;
};

}  // namespace hookd::bench
