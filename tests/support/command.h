// Running a program to completion, for tests of hookd's command line: its exit code, stdout and
// stderr apart (usage goes to stderr, --help to stdout), and how long it took.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace hookd::test_support {

struct CommandResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{};
};

// Runs `binary` with `args` (no shell) and waits for it.
CommandResult run_command(const std::string& binary, const std::vector<std::string>& args);

}  // namespace hookd::test_support
