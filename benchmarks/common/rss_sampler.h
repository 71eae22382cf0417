// The resident set size (VmRSS) of a few processes over a run: one row of readings each time
// sample() is called, stamped with the time since the sampler was made, read from the clock
// it is given (so the rows, and the verdict on them in common/rss_verdict.h, do not depend on
// when a test or a run happens to read the real time).
#pragma once

#include <cstddef>
#include <vector>

#include "common/clock.h"
#include "common/rss_verdict.h"

namespace hookd::bench {

struct RssRow {
  double seconds = 0;     // since the sampler was made
  std::vector<long> kib;  // per process; 0 when it was not running
};

class RssSampler {
 public:
  RssSampler(const common::Clock& clock, std::size_t processes);

  // Reads /proc/<pid>/status of each process (pids[i] for process i; -1 when it is not
  // running), keeps the row and returns it.
  RssRow sample(const std::vector<int>& pids);

  std::size_t processes() const { return processes_; }
  // Process i's readings, leaving out the rows where it was not running.
  std::vector<RssSample> series(std::size_t process) const;

 private:
  const common::Clock& clock_;
  common::Clock::steady_time start_;
  std::size_t processes_;
  std::vector<RssRow> rows_;
};

}  // namespace hookd::bench
