#include "common/wrk.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hookd::bench {

namespace {

bool wrk_installed() { return std::system("command -v wrk >/dev/null 2>&1") == 0; }

// wrk prints latency percentiles as "50%  1.23ms" (us, ms or s).
double to_ms(const std::string& value) {
  const double number = std::atof(value.c_str());
  if (value.ends_with("us")) return number / 1000.0;
  if (value.ends_with("ms")) return number;
  if (value.ends_with("s")) return number * 1000.0;
  return number;
}

}  // namespace

WrkResult run_wrk(const std::string& url, int threads, int connections, int seconds, std::size_t body_bytes) {
  WrkResult result;
  if (!wrk_installed()) {
    result.error = "wrk not installed (Debian package wrk; scripts/setup.sh installs it)";
    return result;
  }
  const auto script = std::filesystem::temp_directory_path() / ("hookd-bench-wrk-" + std::to_string(::getpid()) + ".lua");
  {
    std::ofstream lua(script);
    lua << "wrk.method = \"POST\"\n"
        << "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
        << "wrk.body = string.rep(\"x\", " << body_bytes << ")\n";
  }
  const std::string command = "wrk --latency -t" + std::to_string(threads) + " -c" + std::to_string(connections) +
                              " -d" + std::to_string(seconds) + "s -s " + script.string() + " " + url + " 2>&1";
  std::string output;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
    ::pclose(pipe);
  }
  std::filesystem::remove(script);
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string first, second;
    words >> first >> second;
    if (first == "Requests/sec:") result.requests_per_s = std::atof(second.c_str());
    if (first == "50%") result.latency_p50_ms = to_ms(second);
    if (first == "99%") result.latency_p99_ms = to_ms(second);
  }
  result.ran = result.requests_per_s > 0;
  if (!result.ran) result.error = "wrk failed: " + output;
  return result;
}

}  // namespace hookd::bench
