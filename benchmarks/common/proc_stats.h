// What the benchmarks read about a child process from /proc: CPU time and memory.
#pragma once

#include <string>

namespace hookd::bench {

// User plus system CPU seconds the process has used so far (/proc/<pid>/stat, utime + stime);
// -1 when it cannot be read.
double cpu_seconds(int pid);

// A "<field>: N kB" line of /proc/<pid>/status (VmRSS, VmHWM) in KiB; 0 when absent.
long status_kib(int pid, const std::string& field);

}  // namespace hookd::bench
