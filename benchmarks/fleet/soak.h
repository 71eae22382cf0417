// The fleet benchmark's soak: the steady stream alone for a long time while each worker's
// resident set size is sampled, to show that a worker's memory stops growing once it is warm
// (docs/benchmarks.md, fleet, Soak).
#pragma once

#include <chrono>

#include "common/clock.h"
#include "common/rss_sampler.h"
#include "fleet/workers.h"

namespace hookd::bench {

// Samples every worker's RSS at once, then each `interval` until `length` has passed (the
// last sample at the end), printing each row as it is taken: a long run shows its progress.
RssSampler sample_workers_rss(Workers& workers, const common::Clock& clock, std::chrono::seconds length,
                              std::chrono::seconds interval);

// Per worker: RSS when the first `warmup_seconds` ended, the largest after it, the growth and
// the goal (flat within 5%). True when every worker met it.
bool print_rss_verdicts(const RssSampler& sampler, int warmup_seconds);

}  // namespace hookd::bench
