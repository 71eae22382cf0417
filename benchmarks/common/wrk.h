// The HTTPS keep-alive ceiling: the `wrk` load generator (Debian package wrk, installed by
// scripts/setup.sh) POSTing a body of the deliveries' size over a fixed number of keep-alive
// connections, which is what hookd's per-origin pool holds open to one receiver
// (docs/benchmarks.md, "The ceiling").
#pragma once

#include <string>

namespace hookd::bench {

struct WrkResult {
  bool ran = false;
  std::string error;  // why it did not run ("wrk not installed", its output on a failure)
  double requests_per_s = 0;
  double latency_p50_ms = 0, latency_p99_ms = 0;
};

// `threads` wrk threads, `connections` connections, `seconds` long, POST of `body_bytes` to `url`.
WrkResult run_wrk(const std::string& url, int threads, int connections, int seconds, std::size_t body_bytes);

}  // namespace hookd::bench
